// Package record fetches workloads' demand history from a Prometheus-compatible
// HTTP API (Prometheus, Thanos, Mimir, Cortex) and turns it into
// ScalingHistory resources (package history). It is the operator-command
// side of the predictive schedule: it does network I/O and is never imported
// by the transform.
//
// Each workload's look-back is queried with query_range on a grid aligned to
// the step (multiples of the step since the Unix epoch), split into chunks of
// at most MaxPointsPerQuery points to stay under Prometheus' limit of 11,000
// points per series. Requests run concurrently up to Options.Concurrency and
// are retried with exponential backoff on timeouts, connection errors, HTTP
// 429 and 5xx, never on other 4xx answers. Credentials (bearer token,
// headers, user information, credential-like query parameters) go only to
// the address's origin and never appear in an error or in the progress
// output. Every answer is bounded in size (Options.MaxResponseBytes) and
// time (Options.Timeout, headers and body).
package record

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
)

// Defaults applied to zero-valued Options fields.
const (
	// DefaultSince is the default look-back: four weeks.
	DefaultSince = 28 * 24 * time.Hour
	// DefaultStep is the default resolution.
	DefaultStep = 5 * time.Minute
	// DefaultTimeout is the default bound on one HTTP request attempt.
	DefaultTimeout = 2 * time.Minute
	// DefaultConcurrency is the default number of requests in flight.
	DefaultConcurrency = 4
	// DefaultRetries is the default number of retries of a failed request.
	DefaultRetries = 3
	// DefaultBackoff is the default delay before the first retry.
	DefaultBackoff = 500 * time.Millisecond
	// MaxBackoff caps the delay between two attempts.
	MaxBackoff = 30 * time.Second
	// MaxPointsPerQuery is the most steps one query_range request asks
	// for; Prometheus rejects more than 11,000 points per series.
	MaxPointsPerQuery = 10_000
	// DefaultMaxResponseBytes is the default cap on one response body.
	DefaultMaxResponseBytes = 64 << 20
	// MinResponseBytes and MaxResponseBytes bound Options.MaxResponseBytes.
	MinResponseBytes = 1 << 10
	MaxResponseBytes = 1 << 30
	// MaxConcurrency is the most requests allowed in flight at once.
	MaxConcurrency = 64
	// MaxRetries is the most retries allowed for one request.
	MaxRetries = 20
)

// Options configure Record. Zero values select the documented defaults.
type Options struct {
	// Address is the base URL of the Prometheus HTTP API, without /api/v1,
	// e.g. http://prometheus-operated.monitoring:9090 or
	// https://mimir.example.com/prometheus. http or https only.
	Address string
	// Since is the look-back (default DefaultSince, 28 days); at least Step.
	Since time.Duration
	// Step is the resolution (default DefaultStep, 5m): a whole number of
	// seconds between 1s and 24h.
	Step time.Duration
	// Timeout bounds each HTTP request attempt, from sending the request to
	// the last byte of the answer (default DefaultTimeout).
	Timeout time.Duration
	// MaxResponseBytes caps the body of one answer (default
	// DefaultMaxResponseBytes; MinResponseBytes to MaxResponseBytes). A
	// larger answer fails its workload and is not retried.
	MaxResponseBytes int64
	// BearerTokenFile, when set, names a file whose trimmed content is sent
	// as "Authorization: Bearer <token>". The token is never printed.
	BearerTokenFile string
	// CAFile, when set, names a PEM file of CA certificates trusted in
	// addition to the system's, for an https Address.
	CAFile string
	// Headers are sent with every request, e.g. X-Scope-OrgID for Mimir,
	// Cortex or Thanos tenancy. Values of Authorization-like headers are
	// treated as secrets, like the bearer token.
	//
	// Headers, the bearer token and the Address's user information go only
	// to the Address's origin (scheme, host and port): a redirect elsewhere
	// is not followed and fails the workload.
	Headers map[string]string
	// Concurrency is the most requests in flight at once (default
	// DefaultConcurrency, at most MaxConcurrency).
	Concurrency int
	// Retries is how many times a failed request is retried (default
	// DefaultRetries, at most MaxRetries); a negative value disables
	// retries.
	Retries int
	// Backoff is the delay before the first retry, doubled for each further
	// one up to MaxBackoff (default DefaultBackoff).
	Backoff time.Duration
	// Now is the end of the look-back (default time.Now()); the last value
	// is at Now rounded down to the step.
	Now time.Time
	// Progress, when set, receives one line per workload as it completes,
	// and the server's warnings.
	Progress io.Writer
}

// Job is one workload to record.
type Job struct {
	// Namespace is the workload's namespace; history.DefaultNamespace when empty.
	Namespace string
	// Name is the workload's name.
	Name string
	// Kind is history.KindDeployment (the default when empty) or
	// history.KindStatefulSet.
	Kind string
	// Query is the PromQL for demand in replicas; DefaultQuery when empty.
	// It must return exactly one series.
	Query string
	// HPAName is the name of KEDA's HPA for the workload when the workload
	// chooses one (ml-autoscaling.io/hpa-name); the default query reads it.
	HPAName string
}

// Result is the outcome for one Job. Exactly one of History and Err is set.
type Result struct {
	// Job is the job with defaults filled in (namespace, kind, query).
	Job Job
	// History holds the recorded values: Since/Step of them (rounded up),
	// gaps where the query returned no sample.
	History *history.History
	// Warnings are the server's warnings and infos for this job's queries.
	Warnings []string
	// Err says why this workload could not be recorded; it names the
	// workload and never contains the bearer token.
	Err error
}

// DefaultQuery returns the demand query used when a Job has none: the
// desired replicas of the HPA that KEDA creates for the workload's
// ScaledObject, as max(...) so that several kube-state-metrics instances
// (or one restarted with new labels) still give one series.
func DefaultQuery(namespace, name string) string {
	hpa, _ := keda.HPANameFor(name, "")
	return hpaQuery(namespace, hpa)
}

// hpaQuery is the desired replicas of the HPA called hpa.
func hpaQuery(namespace, hpa string) string {
	if namespace == "" {
		namespace = history.DefaultNamespace
	}
	// max(...): kube-state-metrics run with several replicas, or restarted with
	// new labels during the look-back, exports the same HPA more than once
	return fmt.Sprintf(`max(kube_horizontalpodautoscaler_status_desired_replicas{namespace=%q,horizontalpodautoscaler=%q})`,
		namespace, hpa)
}

// hpaOf returns the name of KEDA's HPA for the job's workload.
func hpaOf(j Job) string {
	hpa, _ := keda.HPANameFor(j.Name, j.HPAName)
	return hpa
}

// Errors joins the per-job errors of results, or returns nil when every job
// succeeded.
func Errors(results []Result) error {
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errors.Join(errs...)
}

// Record queries the demand of every job over the look-back and returns one
// Result per job, in the order of jobs. The error is non-nil only when
// nothing could be attempted: invalid options or jobs, an unreadable token
// or CA file. A failure of one workload (no data, several series, a bad
// query, an unreachable server) is reported in its Result.Err and does not
// stop the others. When ctx ends, unfinished jobs fail with ctx's error.
func Record(ctx context.Context, opts Options, jobs []Job) ([]Result, error) {
	r, err := New(opts, jobs)
	if err != nil {
		return nil, err
	}
	return r.Run(ctx), nil
}

// Recorder is a recording whose options and jobs are valid and whose token
// and CA files have been read; nothing has been sent yet.
type Recorder struct {
	run  *run
	jobs []Job
}

// New validates the options and jobs and reads the token and CA files,
// without any network I/O, so a caller can reject a run before it creates
// anything. The errors are those of Record.
func New(opts Options, jobs []Job) (*Recorder, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	jobs, err = normalizeJobs(jobs)
	if err != nil {
		return nil, err
	}
	c, err := newClient(o)
	if err != nil {
		return nil, err
	}
	r := &run{opts: o, client: c, grid: grid(o), out: &progress{w: o.Progress, redact: c.redact}}
	return &Recorder{run: r, jobs: jobs}, nil
}

// Run records every job, as Record does, and releases the connections.
func (r *Recorder) Run(ctx context.Context) []Result {
	defer r.run.client.close()
	return r.run.all(ctx, r.jobs)
}

// window is the step grid of every job: n values from start.
type window struct {
	start time.Time
	step  time.Duration
	n     int
}

func (w window) at(i int) time.Time { return w.start.Add(time.Duration(i) * w.step) }

// grid aligns the look-back to the step: the last value is at Now rounded
// down to a multiple of the step since the Unix epoch.
func grid(o Options) window {
	stepSec := int64(o.Step / time.Second)
	now := o.Now.Unix()
	last := now - mod(now, stepSec)
	n := int(o.Since / o.Step)
	if o.Since%o.Step != 0 {
		n++
	}
	return window{start: time.Unix(last-int64(n-1)*stepSec, 0).UTC(), step: o.Step, n: n}
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// chunk is one query_range request: values [from, to) of the grid.
type chunk struct{ from, to int }

func chunks(n int) []chunk {
	var out []chunk
	for from := 0; from < n; from += MaxPointsPerQuery {
		out = append(out, chunk{from: from, to: min(from+MaxPointsPerQuery, n)})
	}
	return out
}

func (o Options) withDefaults() (Options, error) {
	if o.Since == 0 {
		o.Since = DefaultSince
	}
	if o.Step == 0 {
		o.Step = DefaultStep
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	switch {
	case o.Retries == 0:
		o.Retries = DefaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Backoff == 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	errs := o.problems()
	if len(errs) > 0 {
		return o, fmt.Errorf("record: invalid options: %s", strings.Join(errs, "; "))
	}
	return o, nil
}

// problems lists what is wrong with options whose defaults are filled in.
func (o Options) problems() []string {
	var errs []string
	if o.Step < time.Second || o.Step > history.MaxStep || o.Step%time.Second != 0 {
		errs = append(errs, fmt.Sprintf("step %s: must be a whole number of seconds between 1s and 24h, e.g. 5m", o.Step))
	} else {
		n := o.Since / o.Step // rounded up below; Since+Step could overflow
		if o.Since%o.Step != 0 {
			n++
		}
		if o.Since < o.Step {
			errs = append(errs, fmt.Sprintf("since %s: must be at least the step (%s)", o.Since, o.Step))
		} else if n > history.MaxValues {
			errs = append(errs, fmt.Sprintf("since %s at step %s: %d values, at most %d are allowed; use a longer step or a shorter look-back",
				o.Since, o.Step, n, history.MaxValues))
		} else if start := grid(o).start; start.Before(time.Unix(0, 0)) {
			errs = append(errs, fmt.Sprintf("since %s before %s: the look-back would start in %d; it must start after 1970-01-01 (Unix time 0)",
				o.Since, o.Now.UTC().Format(time.RFC3339), start.Year()))
		}
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Sprintf("timeout %s: must be positive, e.g. 2m", o.Timeout))
	}
	if o.Concurrency < 0 || o.Concurrency > MaxConcurrency {
		errs = append(errs, fmt.Sprintf("concurrency %d: must be between 1 and %d", o.Concurrency, MaxConcurrency))
	}
	if o.Retries > MaxRetries {
		errs = append(errs, fmt.Sprintf("retries %d: at most %d are allowed", o.Retries, MaxRetries))
	}
	if o.Backoff < 0 {
		errs = append(errs, fmt.Sprintf("backoff %s: must be positive", o.Backoff))
	}
	if o.MaxResponseBytes < MinResponseBytes || o.MaxResponseBytes > MaxResponseBytes {
		errs = append(errs, fmt.Sprintf("max response bytes %d: must be between %d (%s) and %d (%s)",
			o.MaxResponseBytes, MinResponseBytes, formatBytes(MinResponseBytes), MaxResponseBytes, formatBytes(MaxResponseBytes)))
	}
	return errs
}

// normalizeJobs fills defaults and rejects invalid or duplicate jobs.
func normalizeJobs(jobs []Job) ([]Job, error) {
	if len(jobs) == 0 {
		return nil, errors.New("record: no workloads to record; opt workloads in with ml-autoscaling.io/enabled: \"true\"")
	}
	out := make([]Job, len(jobs))
	seen := make(map[string]bool, len(jobs))
	var errs []string
	for i, j := range jobs {
		if j.Namespace == "" {
			j.Namespace = history.DefaultNamespace
		}
		if j.Kind == "" {
			j.Kind = history.KindDeployment
		}
		if j.Query == "" {
			j.Query = hpaQuery(j.Namespace, hpaOf(j))
		}
		// The history validator checks names, kind and query text exactly
		// as Decode will when the file is read back.
		h := &history.History{Name: j.Name, Namespace: j.Namespace, Query: j.Query,
			Target: history.Target{Kind: j.Kind, Name: j.Name, Namespace: j.Namespace},
			Start:  time.Unix(0, 0), Step: time.Second, Values: []float64{0}}
		if err := h.Validate(); err != nil {
			errs = append(errs, jobProblems(i, j, err)...)
		}
		key := j.Namespace + "/" + j.Name
		if seen[key] {
			errs = append(errs, fmt.Sprintf("job %d: %s is listed twice; each workload is recorded once (file %s)",
				i, key, history.FileName(j.Namespace, j.Name)))
		}
		seen[key] = true
		out[i] = j
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("record: invalid workloads: %s", strings.Join(errs, "; "))
	}
	return out, nil
}

// jobFields maps a ScalingHistory field to the Job field it comes from.
var jobFields = map[string]string{
	"metadata.name": "name", "spec.target.name": "name",
	"metadata.namespace": "namespace", "spec.target.namespace": "namespace",
	"spec.target.kind": "kind", "spec.query": "query",
}

// jobProblems restates history validation errors in terms of the Job.
func jobProblems(i int, j Job, err error) []string {
	var list diag.List
	if !errors.As(err, &list) {
		return []string{fmt.Sprintf("job %d (%s/%s): %v", i, j.Namespace, j.Name, err)}
	}
	var out []string
	for _, d := range list {
		field := jobFields[d.Field]
		if field == "" {
			field = d.Field
		}
		msg := fmt.Sprintf("job %d (%s/%s): %s %s", i, j.Namespace, j.Name, field, d.Detail())
		if !slices.Contains(out, msg) {
			out = append(out, msg)
		}
	}
	return out
}

// progress writes lines to the optional Progress writer, one at a time.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	redact func(string) string
}

func (p *progress) printf(format string, args ...any) {
	if p.w == nil {
		return
	}
	line := p.redact(fmt.Sprintf(format, args...))
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = io.WriteString(p.w, line+"\n")
}

// summary describes a recorded history in one progress line.
func summary(h *history.History, queries int, took time.Duration) string {
	gaps := h.Gaps()
	plural := "queries"
	if queries == 1 {
		plural = "query"
	}
	return fmt.Sprintf("recorded %s/%s: %d values at %s from %s to %s, %d gaps (%.0f%%), %d %s, %s",
		h.Namespace, h.Name, h.Len(), history.FormatDuration(h.Step), h.Start.Format(time.RFC3339), h.At(h.Len()-1).Format(time.RFC3339),
		gaps, 100*float64(gaps)/float64(h.Len()), queries, plural, took.Round(time.Millisecond))
}

// nans returns n gaps (NaN values).
func nans(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}
