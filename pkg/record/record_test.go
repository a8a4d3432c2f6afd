package record

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
)

var now = time.Date(2026, 5, 4, 10, 7, 31, 0, time.UTC)

// testOptions are fast options against addr: 1 hour at 5m, tiny backoff.
func testOptions(addr string) Options {
	return Options{Address: addr, Since: time.Hour, Step: 5 * time.Minute, Timeout: 5 * time.Second,
		Backoff: time.Millisecond, Now: now}
}

func TestDefaultQuery(t *testing.T) {
	tests := []struct{ namespace, name, want string }{
		{"ml", "worker", `max(kube_horizontalpodautoscaler_status_desired_replicas{namespace="ml",horizontalpodautoscaler="keda-hpa-worker"})`},
		{"", "api", `max(kube_horizontalpodautoscaler_status_desired_replicas{namespace="default",horizontalpodautoscaler="keda-hpa-api"})`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, DefaultQuery(tt.namespace, tt.name))
	}
}

// TestDefaultQueryReadsKEDAsHPA checks that the default demand is read from
// the HPA the transform names: shortened for long workload names, or the
// one the workload chooses.
func TestDefaultQueryReadsKEDAsHPA(t *testing.T) {
	long := "prod-llama-3-1-8b-instruct-fp8-deployment-vllm-inference-server"
	short, _ := keda.HPANameFor(long, "")
	require.Len(t, short, keda.MaxNameLength)
	for _, c := range []struct {
		job  Job
		want string
	}{
		{Job{Namespace: "ml", Name: long}, short},
		{Job{Namespace: "ml", Name: long, HPAName: "llama-hpa"}, "llama-hpa"},
		{Job{Namespace: "ml", Name: "worker"}, "keda-hpa-worker"},
	} {
		jobs, err := normalizeJobs([]Job{c.job})
		require.NoError(t, err)
		assert.Equal(t, `max(kube_horizontalpodautoscaler_status_desired_replicas{namespace="ml",horizontalpodautoscaler="`+c.want+`"})`, jobs[0].Query)
	}
	assert.Contains(t, DefaultQuery("ml", long), `horizontalpodautoscaler="`+short+`"`)
}

func TestGrid(t *testing.T) {
	tests := []struct {
		name      string
		since     time.Duration
		step      time.Duration
		wantStart string
		wantN     int
	}{
		{name: "1h at 5m", since: time.Hour, step: 5 * time.Minute, wantStart: "2026-05-04T09:10:00Z", wantN: 12},
		{name: "28d at 5m", since: 28 * 24 * time.Hour, step: 5 * time.Minute, wantStart: "2026-04-06T10:10:00Z", wantN: 8064},
		{name: "28d at 1m", since: 28 * 24 * time.Hour, step: time.Minute, wantStart: "2026-04-06T10:08:00Z", wantN: 40320},
		{name: "since not a multiple", since: 61 * time.Minute, step: 30 * time.Minute, wantStart: "2026-05-04T09:00:00Z", wantN: 3},
		{name: "one step", since: time.Hour, step: time.Hour, wantStart: "2026-05-04T10:00:00Z", wantN: 1},
		{name: "7s steps align to the epoch", since: 21 * time.Second, step: 7 * time.Second, wantStart: "2026-05-04T10:07:12Z", wantN: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := grid(Options{Since: tt.since, Step: tt.step, Now: now})
			assert.Equal(t, tt.wantStart, w.start.Format(time.RFC3339))
			assert.Equal(t, tt.wantN, w.n)
			last := w.at(w.n - 1)
			assert.False(t, last.After(now))
			assert.Less(t, now.Sub(last), tt.step)
			assert.Zero(t, last.Unix()%int64(tt.step/time.Second))
		})
	}
}

func TestChunks(t *testing.T) {
	tests := []struct {
		n    int
		want []chunk
	}{
		{1, []chunk{{0, 1}}},
		{10000, []chunk{{0, 10000}}},
		{10001, []chunk{{0, 10000}, {10000, 10001}}},
		{40320, []chunk{{0, 10000}, {10000, 20000}, {20000, 30000}, {30000, 40000}, {40000, 40320}}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, chunks(tt.n), "n=%d", tt.n)
	}
}

func TestRecordValues(t *testing.T) {
	f := newFakeProm(t, func(w http.ResponseWriter, q promQuery) {
		writeMatrix(t, w, q, one(map[string]string{"namespace": "ml", "horizontalpodautoscaler": "keda-hpa-worker"}))
	})
	var progress bytes.Buffer
	opts := testOptions(f.URL)
	opts.Progress = &progress
	res, err := Record(context.Background(), opts, []Job{{Namespace: "ml", Name: "worker"}, {Name: "api", Kind: history.KindStatefulSet, Query: "up"}})
	require.NoError(t, err)
	require.Len(t, res, 2)
	require.NoError(t, Errors(res))

	h := res[0].History
	require.NotNil(t, h)
	assert.Equal(t, Job{Namespace: "ml", Name: "worker", Kind: history.KindDeployment, Query: DefaultQuery("ml", "worker")}, res[0].Job)
	assert.Equal(t, history.Target{APIVersion: "apps/v1", Kind: history.KindDeployment, Name: "worker", Namespace: "ml"}, h.Target)
	assert.Equal(t, "worker", h.Name)
	assert.Equal(t, "ml", h.Namespace)
	assert.Equal(t, DefaultQuery("ml", "worker"), h.Query)
	assert.Equal(t, time.Date(2026, 5, 4, 9, 10, 0, 0, time.UTC), h.Start)
	assert.Equal(t, 5*time.Minute, h.Step)
	require.Len(t, h.Values, 12)
	gaps := 0
	for i, ts := range h.Times() {
		want, ok := demand(ts)
		if !ok {
			gaps++
			assert.True(t, math.IsNaN(h.Values[i]), "value %d at %s must be a gap", i, ts)
			continue
		}
		assert.Equal(t, want, h.Values[i], "value %d at %s", i, ts)
	}
	assert.Positive(t, gaps)
	_, err = history.Encode(h)
	require.NoError(t, err)

	assert.Equal(t, "default", res[1].History.Namespace)
	assert.Equal(t, history.KindStatefulSet, res[1].History.Target.Kind)

	q := f.requestsFor(DefaultQuery("ml", "worker"))
	require.Len(t, q, 1)
	assert.Equal(t, h.Start, q[0].Start)
	assert.Equal(t, h.At(11), q[0].End)
	assert.Equal(t, 5*time.Minute, q[0].Step)

	out := progress.String()
	assert.Contains(t, out, "recorded ml/worker: 12 values at 5m from 2026-05-04T09:10:00Z to 2026-05-04T10:05:00Z, 2 gaps (17%), 1 query, ")
	assert.Contains(t, out, "recorded default/api: 12 values")
	assert.Equal(t, 2, strings.Count(out, "\n"))
}

func TestRecordLargeResponse(t *testing.T) {
	const query = "demand"
	f := newFakeProm(t, func(w http.ResponseWriter, q promQuery) {
		writeMatrix(t, w, q, one(map[string]string{"job": "x"}))
	})
	opts := testOptions(f.URL)
	opts.Since, opts.Step = 28*24*time.Hour, time.Minute
	res, err := Record(context.Background(), opts, []Job{{Namespace: "ml", Name: "worker", Query: query}})
	require.NoError(t, err)
	require.NoError(t, res[0].Err)
	h := res[0].History
	require.Len(t, h.Values, 40320)
	for i, ts := range h.Times() {
		want, ok := demand(ts)
		if !ok {
			require.True(t, math.IsNaN(h.Values[i]), "value %d", i)
			continue
		}
		require.Equal(t, want, h.Values[i], "value %d at %s", i, ts)
	}
	reqs := f.requestsFor(query)
	require.Len(t, reqs, 5)
	covered := map[time.Time]int{}
	for _, q := range reqs {
		assert.LessOrEqual(t, q.Points, MaxPointsPerQuery)
		assert.Less(t, q.Points, 11000)
		for ts := q.Start; !ts.After(q.End); ts = ts.Add(q.Step) {
			covered[ts]++
		}
	}
	assert.Len(t, covered, 40320, "every step queried")
	for ts, n := range covered {
		assert.Equal(t, 1, n, "step %s queried %d times", ts, n)
	}
}

func TestRecordFaults(t *testing.T) {
	twoSeries := []series{one(map[string]string{"pod": "ksm-0"}), one(map[string]string{"pod": "ksm-1"})}
	tests := []struct {
		name     string
		mutate   func(o *Options)
		answer   func(t *testing.T, w http.ResponseWriter, q promQuery)
		query    string // default: a custom query "demand"
		want     []string
		attempts int // requests the server must see
	}{
		{name: "500 then success is retried", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			if q.Attempt == 1 {
				writeError(w, 500, "internal", "boom")
				return
			}
			writeMatrix(t, w, q, one(nil))
		}, attempts: 2},
		{name: "429 then success is retried", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			if q.Attempt == 1 {
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			writeMatrix(t, w, q, one(nil))
		}, attempts: 2},
		{name: "503 every time gives up", mutate: func(o *Options) { o.Retries = 2 }, answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeError(w, 503, "unavailable", "TSDB not ready")
		}, want: []string{"ml/worker: query_range from 2026-05-04T09:10:00Z to 2026-05-04T10:05:00Z: the server failed (HTTP 503): TSDB not ready (gave up after 3 attempts)"}, attempts: 3},
		{name: "no retries when disabled", mutate: func(o *Options) { o.Retries = -1 }, answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeError(w, 500, "internal", "boom")
		}, want: []string{"the server failed (HTTP 500): boom"}, attempts: 1},
		{name: "400 is not retried", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeError(w, 400, "bad_data", `invalid parameter "query": 1:7: parse error: unexpected "}"`)
		}, want: []string{`the server rejected the query (HTTP 400 bad_data): invalid parameter "query": 1:7: parse error: unexpected "}"; fix the query: demand`}, attempts: 1},
		{name: "422 is not retried", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeError(w, 422, "execution", "query processing would load too many samples into memory")
		}, want: []string{"HTTP 422 execution", "too many samples"}, attempts: 1},
		{name: "401 is not retried", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			http.Error(w, "no org id", http.StatusUnauthorized)
		}, want: []string{"refused access (HTTP 401): no org id; check the bearer token file and headers"}, attempts: 1},
		{name: "404 is not retried", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			http.NotFound(w, nil)
		}, want: []string{"no Prometheus API at this address (HTTP 404)"}, attempts: 1},
		{name: "empty result with the default query", query: DefaultQuery("ml", "worker"), answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeMatrix(t, w, q)
		}, want: []string{"ml/worker: the query returned no data from 2026-05-04T09:10:00Z to 2026-05-04T10:05:00Z", "keda-hpa-worker exists"}, attempts: 1},
		{name: "empty result with a custom query", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeMatrix(t, w, q)
		}, want: []string{"returned no data", "(query demand); check the metric name and labels"}, attempts: 1},
		{name: "two series", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeMatrix(t, w, q, twoSeries...)
		}, want: []string{`the query returned 2 series, one is needed: {pod="ksm-0"}, {pod="ksm-1"} (several`, "aggregate it to one, e.g. max(demand)"}, attempts: 1},
		{name: "series changes between chunks", mutate: func(o *Options) { o.Step = time.Minute; o.Since = 20000 * time.Minute; o.Concurrency = 1 },
			answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
				writeMatrix(t, w, q, one(map[string]string{"pod": "ksm-" + q.Start.Format("1504")}))
			}, want: []string{"returned 2 series, one is needed: {pod=\"ksm-", `"}, {pod="ksm-`}, attempts: 2},
		{name: "NaN sample", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeMatrix(t, w, q, series{value: func(ts time.Time) (float64, bool) {
				if ts.Minute() == 30 {
					return math.NaN(), true
				}
				return 1, true
			}})
		}, want: []string{"samples that are not replica counts: NaN at 2026-05-04T09:30:00Z; demand must be a finite number ≥ 0"}, attempts: 1},
		{name: "infinite and negative samples", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeMatrix(t, w, q, series{value: func(ts time.Time) (float64, bool) {
				switch ts.Minute() {
				case 10:
					return math.Inf(1), true
				case 15, 20, 25, 30:
					return -1, true
				}
				return 1, true
			}})
		}, want: []string{"+Inf at 2026-05-04T09:10:00Z, -1 at 2026-05-04T09:15:00Z, -1 at 2026-05-04T09:20:00Z and 2 more"}, attempts: 1},
		{name: "a vector instead of a matrix", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeJSON(t, w, 200, map[string]any{"status": "success", "data": map[string]any{"resultType": "vector", "result": []any{}}})
		}, want: []string{"answered a range query with a vector, not a matrix"}, attempts: 1},
		{name: "not JSON", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			_, _ = w.Write([]byte("<html>login</html>"))
		}, want: []string{"not a Prometheus API response"}, attempts: 1},
		{name: "sample off the grid", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeJSON(t, w, 200, map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix",
				"result": []any{map[string]any{"metric": map[string]string{}, "values": [][2]any{{float64(q.Start.Unix() + 7), "1"}}}}}})
		}, want: []string{"sample at 2026-05-04T09:10:07Z, which is not on the requested 5m grid"}, attempts: 1},
		{name: "native histograms", answer: func(t *testing.T, w http.ResponseWriter, q promQuery) {
			writeJSON(t, w, 200, map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix",
				"result": []any{map[string]any{"metric": map[string]string{}, "histograms": []any{
					[]any{float64(q.Start.Unix()), map[string]any{"count": "1", "sum": "2", "buckets": []any{[]any{1, "0", "1", "1"}}}}}}}}})
		}, want: []string{"native histogram samples"}, attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeProm(t, func(w http.ResponseWriter, q promQuery) { tt.answer(t, w, q) })
			opts := testOptions(f.URL)
			if tt.mutate != nil {
				tt.mutate(&opts)
			}
			query := tt.query
			if query == "" {
				query = "demand"
			}
			var progress bytes.Buffer
			opts.Progress = &progress
			res, err := Record(context.Background(), opts, []Job{{Namespace: "ml", Name: "worker", Query: query}})
			require.NoError(t, err)
			require.Len(t, res, 1)
			assert.Len(t, f.requestsFor(query), tt.attempts, "requests")
			if len(tt.want) == 0 {
				require.NoError(t, res[0].Err)
				require.NotNil(t, res[0].History)
				assert.Contains(t, progress.String(), "recorded ml/worker")
				return
			}
			require.Error(t, res[0].Err)
			t.Log(res[0].Err)
			assert.Nil(t, res[0].History)
			for _, w := range tt.want {
				assert.Contains(t, res[0].Err.Error(), w)
			}
			assert.Contains(t, progress.String(), "failed ml/worker: ")
			assert.ErrorContains(t, Errors(res), "ml/worker")
		})
	}
}

func TestRecordRefusedConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	opts := testOptions(addr)
	opts.Retries = 2
	res, err := Record(context.Background(), opts, []Job{{Namespace: "ml", Name: "worker"}})
	require.NoError(t, err)
	require.Error(t, res[0].Err)
	assert.Contains(t, res[0].Err.Error(), "cannot reach the server")
	assert.Contains(t, res[0].Err.Error(), "connection refused")
	assert.Contains(t, res[0].Err.Error(), "gave up after 3 attempts")
}

func TestRecordSlowServer(t *testing.T) {
	tests := []struct {
		name    string
		delay   time.Duration
		timeout time.Duration
		wantErr string
	}{
		{name: "slower than the timeout", delay: 5 * time.Second, timeout: 100 * time.Millisecond,
			wantErr: "no answer within the timeout of 100ms (gave up after 2 attempts)"},
		{name: "slow but within the timeout", delay: 50 * time.Millisecond, timeout: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeProm(t, func(w http.ResponseWriter, q promQuery) {
				select {
				case <-time.After(tt.delay):
				case <-q.RemoteAbort:
					return
				}
				writeMatrix(t, w, q, one(nil))
			})
			opts := testOptions(f.URL)
			opts.Timeout, opts.Retries = tt.timeout, 1
			began := time.Now()
			res, err := Record(context.Background(), opts, []Job{{Namespace: "ml", Name: "worker", Query: "demand"}})
			require.NoError(t, err)
			assert.Less(t, time.Since(began), 2*time.Second)
			if tt.wantErr == "" {
				require.NoError(t, res[0].Err)
				assert.Len(t, f.requestsFor("demand"), 1)
				return
			}
			require.ErrorContains(t, res[0].Err, tt.wantErr)
			assert.Len(t, f.requestsFor("demand"), 2)
		})
	}
}

func TestRecordConcurrencyBound(t *testing.T) {
	tests := []struct {
		concurrency, jobs int
		chunked           bool // 28 days at 1m: five requests per job
	}{{1, 4, false}, {3, 12, false}, {8, 5, false}, {2, 1, true}, {3, 2, true}}
	for _, tt := range tests {
		requests := tt.jobs
		if tt.chunked {
			requests *= 5
		}
		want := int32(min(tt.concurrency, requests))
		var f *fakeProm
		f = newFakeProm(t, func(w http.ResponseWriter, q promQuery) {
			// Hold each request until the bound is reached (or a second has
			// passed), so the peak is observed however slow the machine.
			for deadline := time.Now().Add(time.Second); f.maxInFlight.Load() < want && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(5 * time.Millisecond)
			writeMatrix(t, w, q, one(nil))
		})
		opts := testOptions(f.URL)
		opts.Concurrency = tt.concurrency
		if tt.chunked {
			opts.Since, opts.Step = 28*24*time.Hour, time.Minute
		}
		var jobs []Job
		for i := range tt.jobs {
			jobs = append(jobs, Job{Namespace: "ml", Name: "w" + string(rune('a'+i)), Query: "q" + string(rune('a'+i))})
		}
		res, err := Record(context.Background(), opts, jobs)
		require.NoError(t, err)
		require.NoError(t, Errors(res))
		for i, r := range res {
			assert.Equal(t, jobs[i].Name, r.Job.Name, "results keep the order of jobs")
		}
		assert.Equal(t, want, f.maxInFlight.Load(), "concurrency %d, %d jobs", tt.concurrency, tt.jobs)
		f.mu.Lock()
		assert.Len(t, f.requests, requests)
		f.mu.Unlock()
	}
}

func TestRecordTokenNeverLeaked(t *testing.T) {
	const token = "s3cr3t-T0KEN-abcdef0123456789"
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))

	f := newFakeProm(t, func(w http.ResponseWriter, q promQuery) {
		auth := q.Header.Get("Authorization")
		switch q.Query {
		case "echo500":
			writeError(w, 500, "internal", "bad auth header "+auth)
		case "echo400":
			writeError(w, 400, "bad_data", "token "+token+" rejected")
		case "echo401":
			http.Error(w, strings.Repeat("x", 190)+auth+" is not allowed here", http.StatusUnauthorized)
		case "warn":
			writeJSON(t, w, 200, map[string]any{"status": "success", "warnings": []string{"saw " + auth},
				"data": map[string]any{"resultType": "matrix", "result": []any{map[string]any{"metric": map[string]string{}, "values": [][2]any{{float64(q.Start.Unix()), "1"}}}}}})
		case "nan":
			writeMatrix(t, w, q, series{labels: map[string]string{"auth": auth}, value: func(time.Time) (float64, bool) { return math.NaN(), true }})
		default:
			if auth != "Bearer "+token || q.Header.Get("X-Scope-OrgID") != "tenant-1" {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			writeMatrix(t, w, q, one(nil))
		}
	})
	var progress bytes.Buffer
	opts := testOptions(f.URL)
	opts.BearerTokenFile = tokenFile
	opts.Headers = map[string]string{"X-Scope-OrgID": "tenant-1"}
	opts.Progress = &progress
	opts.Retries = 1
	var jobs []Job
	for _, q := range []string{"echo500", "echo400", "echo401", "warn", "nan", "ok"} {
		jobs = append(jobs, Job{Namespace: "ml", Name: q, Query: q})
	}
	res, err := Record(context.Background(), opts, jobs)
	require.NoError(t, err)
	require.NoError(t, res[5].Err, "the right token and tenant header reach the server")
	require.NoError(t, res[3].Err)
	assert.Equal(t, []string{"saw Bearer REDACTED"}, res[3].Warnings)
	for _, r := range res[:3] {
		require.Error(t, r.Err)
	}
	require.Error(t, res[4].Err)

	everything := progress.String() + Errors(res).Error()
	for _, r := range res {
		everything += strings.Join(r.Warnings, "\n")
	}
	assert.NotContains(t, everything, token)
	assert.NotContains(t, everything, token[:12], "no part of the token either")
	assert.Contains(t, everything, "REDACTED")

	// Options errors do not show it either.
	opts.Headers = map[string]string{"Authorization": "Bearer " + token}
	_, err = Record(context.Background(), opts, jobs)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), token)
}

func TestRecordTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := now.Add(-time.Hour).Truncate(time.Minute)
		writeMatrix(t, w, promQuery{Start: at, End: at, Step: time.Minute}, series{value: func(time.Time) (float64, bool) { return 1, true }})
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failing handshake is expected
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644))

	tests := []struct {
		name    string
		caFile  string
		wantErr string
	}{
		{name: "trusted CA", caFile: caFile},
		{name: "unknown CA is not retried", wantErr: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions(srv.URL)
			opts.CAFile = tt.caFile
			opts.Since = time.Minute
			opts.Step = time.Minute
			opts.Now = now.Add(-time.Hour)
			res, err := Record(context.Background(), opts, []Job{{Name: "w"}})
			require.NoError(t, err)
			if tt.wantErr == "" {
				require.NoError(t, res[0].Err)
				return
			}
			require.ErrorContains(t, res[0].Err, tt.wantErr)
			assert.NotContains(t, res[0].Err.Error(), "gave up after")
		})
	}
}

func TestRecordCanceled(t *testing.T) {
	f := newFakeProm(t, func(w http.ResponseWriter, q promQuery) {
		<-q.RemoteAbort
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	opts := testOptions(f.URL)
	opts.Concurrency = 1
	res, err := Record(ctx, opts, []Job{{Name: "a", Query: "a"}, {Name: "b", Query: "b"}, {Name: "c", Query: "c"}})
	require.NoError(t, err)
	for _, r := range res {
		require.Error(t, r.Err)
		assert.True(t, errors.Is(r.Err, context.DeadlineExceeded), "%v", r.Err)
	}
	assert.Len(t, f.requestsFor("a"), 1, "the caller's deadline is not retried")
}

func TestRecordInvalidOptions(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, []byte("\n"), 0o600))
	notPEM := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	bigToken := filepath.Join(dir, "big-token")
	require.NoError(t, os.WriteFile(bigToken, bytes.Repeat([]byte("t"), maxTokenFileBytes+1), 0o600))
	bigCA := filepath.Join(dir, "big-ca.pem")
	require.NoError(t, os.WriteFile(bigCA, bytes.Repeat([]byte("c"), maxCAFileBytes+1), 0o600))
	ok := Options{Address: "http://prometheus:9090"}
	job := []Job{{Name: "worker"}}
	tests := []struct {
		name   string
		mutate func(o *Options)
		jobs   []Job
		want   string
	}{
		{name: "no address", mutate: func(o *Options) { o.Address = "" }, want: "the Prometheus address is empty"},
		{name: "not http", mutate: func(o *Options) { o.Address = "ftp://x" }, want: `"ftp://x": need an http:// or https:// URL with a host`},
		{name: "no scheme", mutate: func(o *Options) { o.Address = "prometheus:9090" }, want: "need an http:// or https:// URL"},
		{name: "with api path", mutate: func(o *Options) { o.Address = "http://p:9090/api/v1/" }, want: "without /api/v1"},
		{name: "password hidden", mutate: func(o *Options) { o.Address = "ftp://u:hunter2@x" }, want: `"ftp://REDACTED@x"`},
		{name: "fractional step", mutate: func(o *Options) { o.Step = 1500 * time.Millisecond }, want: "step 1.5s: must be a whole number of seconds between 1s and 24h"},
		{name: "step too long", mutate: func(o *Options) { o.Step = 48 * time.Hour }, want: "step 48h0m0s"},
		{name: "since shorter than step", mutate: func(o *Options) { o.Since = time.Minute }, want: "since 1m0s: must be at least the step (5m0s)"},
		{name: "too many values", mutate: func(o *Options) { o.Step = time.Second }, want: "2419200 values, at most 1000000"},
		{name: "negative concurrency", mutate: func(o *Options) { o.Concurrency = -1 }, want: "concurrency -1: must be between 1 and 64"},
		{name: "look-back that would overflow", mutate: func(o *Options) { o.Since = math.MaxInt64 }, want: "values, at most 1000000 are allowed"},
		{name: "look-back that would overflow at the longest step", mutate: func(o *Options) { o.Since, o.Step, o.Now = math.MaxInt64, 24*time.Hour, now },
			want: "before 2026-05-04T10:07:31Z: the look-back would start in 1734; it must start after 1970-01-01"},
		{name: "look-back before 1970", mutate: func(o *Options) { o.Now = time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC); o.Since = 48 * time.Hour },
			want: "since 48h0m0s before 1970-01-02T00:00:00Z: the look-back would start in 1969"},
		{name: "too much concurrency", mutate: func(o *Options) { o.Concurrency = MaxConcurrency + 1 }, want: "concurrency 65: must be between 1 and 64"},
		{name: "too many retries", mutate: func(o *Options) { o.Retries = MaxRetries + 1 }, want: "retries 21: at most 20 are allowed"},
		{name: "response cap too small", mutate: func(o *Options) { o.MaxResponseBytes = 1023 }, want: "max response bytes 1023: must be between 1024 (1 KiB) and 1073741824 (1 GiB)"},
		{name: "response cap too large", mutate: func(o *Options) { o.MaxResponseBytes = 1<<30 + 1 }, want: "max response bytes 1073741825"},
		{name: "negative response cap", mutate: func(o *Options) { o.MaxResponseBytes = -1 }, want: "max response bytes -1"},
		{name: "token file too large", mutate: func(o *Options) { o.BearerTokenFile = bigToken }, want: "larger than 64 KiB, the most allowed"},
		{name: "CA file too large", mutate: func(o *Options) { o.CAFile = bigCA }, want: "larger than 4 MiB, the most allowed"},
		{name: "user information and a token file", mutate: func(o *Options) {
			o.Address = "http://u:hunter2@prometheus:9090"
			o.BearerTokenFile = empty
		}, want: "both a bearer token file and a user name in the Prometheus address are set; use one"},
		{name: "three credentials", mutate: func(o *Options) {
			o.Address = "http://u:hunter2@prometheus:9090"
			o.BearerTokenFile = empty
			o.Headers = map[string]string{"Authorization": "Bearer x"}
		}, want: "a bearer token file, an Authorization header and a user name in the Prometheus address are set; use one"},
		{name: "unparseable address with a password", mutate: func(o *Options) { o.Address = "http://u:hunter2/x@prometheus:9090" },
			want: `Prometheus address "http://REDACTED@prometheus:9090" is not a URL`},
		{name: "negative timeout", mutate: func(o *Options) { o.Timeout = -time.Second }, want: "timeout -1s: must be positive"},
		{name: "missing token file", mutate: func(o *Options) { o.BearerTokenFile = filepath.Join(dir, "nope") }, want: "bearer token file: open"},
		{name: "empty token file", mutate: func(o *Options) { o.BearerTokenFile = empty }, want: "must hold one non-empty line"},
		{name: "token and Authorization header", mutate: func(o *Options) {
			o.BearerTokenFile = empty
			o.Headers = map[string]string{"authorization": "Basic x"}
		}, want: "both a bearer token file and an Authorization header"},
		{name: "bad header name", mutate: func(o *Options) { o.Headers = map[string]string{"X Org": "a"} }, want: `header "X Org": not a valid HTTP header`},
		{name: "missing CA file", mutate: func(o *Options) { o.CAFile = filepath.Join(dir, "nope") }, want: "CA file: open"},
		{name: "CA file without PEM", mutate: func(o *Options) { o.CAFile = notPEM }, want: "no PEM certificate"},
		{name: "no jobs", jobs: []Job{}, want: "no workloads to record"},
		{name: "duplicate job", jobs: []Job{{Name: "w"}, {Namespace: "default", Name: "w"}}, want: "job 1: default/w is listed twice"},
		{name: "bad job name", jobs: []Job{{Name: "Worker_1"}}, want: `record: invalid workloads: job 0 (default/Worker_1): name "Worker_1": is not a valid Kubernetes name (allowed: lower-case letters`},
		{name: "bad job kind", jobs: []Job{{Name: "w", Kind: "DaemonSet"}}, want: `job 0 (default/w): kind "DaemonSet": is not a supported workload kind (allowed: Deployment or StatefulSet)`},
		{name: "no job name", jobs: []Job{{Namespace: "ml"}}, want: `job 0 (ml/): name is required (allowed: a non-empty string)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			if tt.mutate != nil {
				tt.mutate(&o)
			}
			jobs := job
			if tt.jobs != nil {
				jobs = tt.jobs
			}
			res, err := Record(context.Background(), o, jobs)
			require.Error(t, err)
			assert.Nil(t, res)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

// TestNewSendsNothing checks that New only validates: the server sees a
// request only once Run is called.
func TestNewSendsNothing(t *testing.T) {
	f := newFakeProm(t, func(w http.ResponseWriter, q promQuery) { writeMatrix(t, w, q, one(nil)) })
	rec, err := New(testOptions(f.URL), []Job{{Name: "w", Query: "demand"}})
	require.NoError(t, err)
	assert.Empty(t, f.requestsFor("demand"))
	res := rec.Run(context.Background())
	require.NoError(t, Errors(res))
	assert.Len(t, f.requestsFor("demand"), 1)
}

func TestErrors(t *testing.T) {
	assert.NoError(t, Errors(nil))
	assert.NoError(t, Errors([]Result{{}}))
	err := Errors([]Result{{Err: errors.New("a")}, {}, {Err: errors.New("b")}})
	assert.EqualError(t, err, "a\nb")
}

// TestRecordAddressCredentialsNeverShown gives addresses with credentials
// in their user information or query: the address is used as given, but
// no message shows the secret, whether the address is refused or the
// server echoes the credential back.
func TestRecordAddressCredentialsNeverShown(t *testing.T) {
	const secret = "S3cretAddressTok"
	for _, addr := range []string{
		"http://user:" + secret + "{@prom:9090",
		"ftp://prom:9090/?auth_token=" + secret,
		"http://prom:9090/api/v1?client_secret=" + secret,
		"http://admin:" + secret + "@prom:9090/api/v1",
	} {
		_, err := Record(context.Background(), testOptions(addr), []Job{{Namespace: "ml", Name: "w", Query: "up"}})
		require.Error(t, err, addr)
		require.NotContains(t, err.Error(), secret, addr)
		require.Contains(t, err.Error(), "REDACTED", addr)
	}

	f := newFakeProm(t, func(w http.ResponseWriter, q promQuery) {
		writeError(w, 400, "bad_data", "unknown parameter auth_token="+secret)
	})
	var progress bytes.Buffer
	opts := testOptions(f.URL + "/?auth_token=" + secret)
	opts.Progress = &progress
	res, err := Record(context.Background(), opts, []Job{{Namespace: "ml", Name: "w", Query: "up"}})
	require.NoError(t, err)
	require.Error(t, res[0].Err)
	everything := progress.String() + Errors(res).Error()
	require.NotContains(t, everything, secret)
	require.Contains(t, everything, "auth_token=REDACTED")
}
