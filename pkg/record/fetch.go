package record

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
)

// run is one Record call.
type run struct {
	opts   Options
	client *client
	grid   window
	out    *progress
}

// task is one chunk of one job.
type task struct {
	job   int
	chunk chunk
}

// jobState accumulates a job's chunks; mu guards every field.
type jobState struct {
	mu        sync.Mutex
	job       Job
	values    []float64
	series    []string        // distinct series seen, in order
	seen      map[string]bool // the series in series
	remaining int
	queries   int
	warnings  []string
	started   time.Time
	err       error
	result    *Result
}

func (r *run) all(ctx context.Context, jobs []Job) []Result {
	cs := chunks(r.grid.n)
	states := make([]*jobState, len(jobs))
	for i, j := range jobs {
		states[i] = &jobState{job: j, values: nans(r.grid.n), remaining: len(cs)}
	}
	tasks := make(chan task)
	var wg sync.WaitGroup
	for range min(r.opts.Concurrency, len(jobs)*len(cs)) {
		wg.Go(func() {
			for t := range tasks {
				r.do(ctx, states[t.job], t.chunk)
			}
		})
	}
feed:
	for i := range jobs {
		for _, c := range cs {
			select {
			case tasks <- task{job: i, chunk: c}:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(tasks)
	wg.Wait()

	out := make([]Result, len(jobs))
	for i, st := range states {
		if st.result == nil { // ctx ended before all its chunks were queued
			st.fail(fmt.Errorf("%s: not recorded: %w", ref(st.job), ctx.Err()))
			r.finish(st)
		}
		out[i] = *st.result
	}
	return out
}

// do queries one chunk of a job (unless the job already failed) and
// finishes the job after its last chunk.
func (r *run) do(ctx context.Context, st *jobState, c chunk) {
	st.mu.Lock()
	skip := st.err != nil
	if st.started.IsZero() {
		st.started = time.Now()
	}
	st.mu.Unlock()

	if !skip {
		m, warnings, err := r.query(ctx, st.job, c)
		st.mu.Lock()
		st.queries++
		st.warnings = append(st.warnings, warnings...)
		if err != nil {
			st.fail(err)
		} else {
			r.merge(st, c, m)
		}
		st.mu.Unlock()
	}

	st.mu.Lock()
	st.remaining--
	last := st.remaining == 0
	st.mu.Unlock()
	if last {
		r.finish(st)
	}
}

// fail records the job's first error; later ones are dropped.
func (st *jobState) fail(err error) {
	if st.err == nil {
		st.err = err
	}
}

// query runs query_range for one chunk, retrying what may succeed later.
func (r *run) query(ctx context.Context, j Job, c chunk) (model.Matrix, []string, error) {
	rng := v1.Range{Start: r.grid.at(c.from), End: r.grid.at(c.to - 1), Step: r.grid.step}
	where := fmt.Sprintf("%s: query_range from %s to %s", ref(j), rng.Start.Format(time.RFC3339), rng.End.Format(time.RFC3339))
	for n := 0; ; n++ {
		a := &attempt{}
		actx, cancel := context.WithTimeout(context.WithValue(ctx, statusKey{}, a), r.opts.Timeout)
		val, warnings, infos, err := r.client.api.QueryRange(actx, j.Query, rng)
		cancel()
		if err == nil {
			m, ok := val.(model.Matrix)
			if !ok {
				return nil, nil, fmt.Errorf("%s: the server answered a range query with a %s, not a matrix; is this a Prometheus-compatible API?",
					where, valueType(val))
			}
			notes := append(append([]string(nil), warnings...), infos...)
			return m, notes, nil
		}
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, ctx.Err())
		}
		msg := r.client.describe(a, err, r.opts.Timeout.String())
		if a.status == 400 || a.status == 422 {
			msg += "; fix the query: " + j.Query
		}
		if !retryable(ctx, a, err) || n >= r.opts.Retries {
			if n > 0 {
				msg += fmt.Sprintf(" (gave up after %d attempts)", n+1)
			}
			return nil, nil, errors.New(where + ": " + msg)
		}
		if err := sleep(ctx, r.backoff(n)); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
	}
}

// backoff returns the delay before retry n+1: Backoff·2ⁿ, capped at
// MaxBackoff, less up to 20% jitter so parallel retries spread out.
func (r *run) backoff(n int) time.Duration {
	d := r.opts.Backoff
	for range n {
		d *= 2
		if d >= MaxBackoff {
			d = MaxBackoff
			break
		}
	}
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// merge places a chunk's samples on the job's grid; st.mu is held. A
// second series, a histogram, a sample off the grid, a NaN, an infinity or
// a negative value fails the job.
func (r *run) merge(st *jobState, c chunk, m model.Matrix) {
	if st.seen == nil {
		st.seen = map[string]bool{}
	}
	for _, s := range m {
		if name := s.Metric.String(); !st.seen[name] {
			st.seen[name] = true
			st.series = append(st.series, name)
		}
	}
	if len(st.series) > 1 {
		st.fail(fmt.Errorf("%s: the query returned %d series, one is needed: %s (several kube-state-metrics replicas, or labels that changed within the look-back); aggregate it to one, e.g. max(%s)",
			ref(st.job), len(st.series), listSeries(st.series), st.job.Query))
		return
	}
	var bad []string
	for _, s := range m {
		if len(s.Histograms) > 0 {
			st.fail(fmt.Errorf("%s: the query returned native histogram samples; it must return numbers (replicas), e.g. via histogram_quantile (query %s)",
				ref(st.job), st.job.Query))
			return
		}
		for _, p := range s.Values {
			t := p.Timestamp.Time().UTC()
			off := t.Sub(r.grid.start)
			i := int(off / r.grid.step)
			if off%r.grid.step != 0 || i < c.from || i >= c.to {
				st.fail(fmt.Errorf("%s: the server returned a sample at %s, which is not on the requested %s grid from %s; is this a Prometheus-compatible API?",
					ref(st.job), t.Format(time.RFC3339Nano), history.FormatDuration(r.grid.step), r.grid.start.Format(time.RFC3339)))
				return
			}
			v := float64(p.Value)
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				bad = append(bad, fmt.Sprintf("%s at %s", model.SampleValue(v), t.Format(time.RFC3339)))
				continue
			}
			st.values[i] = v
		}
	}
	if len(bad) > 0 {
		more := ""
		if len(bad) > 3 {
			more = fmt.Sprintf(" and %d more", len(bad)-3)
			bad = bad[:3]
		}
		st.fail(fmt.Errorf("%s: the query returned samples that are not replica counts: %s%s; demand must be a finite number ≥ 0 (check for divisions by zero) (query %s)",
			ref(st.job), strings.Join(bad, ", "), more, st.job.Query))
	}
}

// finish turns a job's state into its Result and prints its progress line.
func (r *run) finish(st *jobState) {
	st.mu.Lock()
	defer st.mu.Unlock()
	res := Result{Job: st.job, Warnings: dedupe(st.warnings)}
	for i, w := range res.Warnings {
		res.Warnings[i] = r.client.redact(w)
	}
	if st.err == nil && len(st.series) == 0 {
		st.err = r.emptyError(st.job)
	}
	if st.err == nil {
		h := &history.History{
			Name: st.job.Name, Namespace: st.job.Namespace,
			Target: history.Target{APIVersion: "apps/v1", Kind: st.job.Kind, Name: st.job.Name, Namespace: st.job.Namespace},
			Query:  st.job.Query, Start: r.grid.start, Step: r.grid.step, Values: st.values,
		}
		if err := h.Validate(); err != nil {
			st.err = fmt.Errorf("%s: the recorded history is invalid: %w", ref(st.job), err)
		} else {
			res.History = h
		}
	}
	for _, w := range res.Warnings {
		r.out.printf("warning %s: %s", ref(st.job), w)
	}
	if st.err != nil {
		res.Err = redactedError{err: st.err, text: r.client.redact(st.err.Error())}
		r.out.printf("failed %s", res.Err)
	} else {
		r.out.printf("%s", summary(res.History, st.queries, time.Since(st.started)))
	}
	st.result = &res
}

// emptyError explains a query that returned no series in the whole look-back.
func (r *run) emptyError(j Job) error {
	msg := fmt.Sprintf("%s: the query returned no data from %s to %s (query %s)", ref(j),
		r.grid.start.Format(time.RFC3339), r.grid.at(r.grid.n-1).Format(time.RFC3339), j.Query)
	if j.Query == hpaQuery(j.Namespace, hpaOf(j)) {
		msg += fmt.Sprintf("; kube-state-metrics exports it only while KEDA's HPA %s exists, so autoscale the workload for a while first, or give a demand query of your own", hpaOf(j))
	} else {
		msg += "; check the metric name and labels in this Prometheus"
	}
	return errors.New(msg)
}

// redactedError carries a message with secrets removed; it unwraps to the
// original error only for context errors, which hold no secrets, so
// errors.Is(err, context.Canceled) still works.
type redactedError struct {
	err  error
	text string
}

// Error returns the message with secrets removed.
func (e redactedError) Error() string { return e.text }

// Unwrap exposes only context errors (see the type's comment).
func (e redactedError) Unwrap() error {
	switch {
	case errors.Is(e.err, context.Canceled):
		return context.Canceled
	case errors.Is(e.err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	}
	return nil
}

func ref(j Job) string { return j.Namespace + "/" + j.Name }

func valueType(v model.Value) string {
	if v == nil {
		return "nothing"
	}
	return v.Type().String()
}

func listSeries(series []string) string {
	s := append([]string(nil), series...)
	sort.Strings(s)
	if len(s) > 5 {
		return strings.Join(s[:5], ", ") + fmt.Sprintf(" and %d more", len(s)-5)
	}
	return strings.Join(s, ", ")
}

// maxWarnings is the most distinct warnings of a server kept per workload.
const maxWarnings = 10

// dedupe returns the distinct entries of list in order, at most
// maxWarnings of them and then a line counting the rest.
func dedupe(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if len(out) > maxWarnings {
		out = append(out[:maxWarnings], fmt.Sprintf("and %d more warnings from the server", len(out)-maxWarnings))
	}
	return out
}
