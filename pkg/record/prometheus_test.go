package record

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ml-autoscaling/ml-autoscaling/internal/promtest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
)

// tracePath is the NYC taxi trace (NAB, 30-minute buckets); origin and
// licence in testdata/traces/README.md.
const tracePath = "../../testdata/traces/nab_nyc_taxi_30min.csv"

const (
	hpaMetric = "kube_horizontalpodautoscaler_status_desired_replicas"
	// capacity is taxi passengers per replica: the first 28 days need 2 to 30.
	capacity = 1000
	days28   = 28 * 24 * time.Hour
)

// fixedNow ends the backfilled data: a Monday before any real clock these
// tests run on, so Prometheus keeps the blocks and nothing is in the future.
var fixedNow = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// taxiReplicas returns the first n values of the taxi trace as replicas,
// ceil(passengers / capacity).
func taxiReplicas(t testing.TB, n int) []float64 {
	t.Helper()
	f, err := os.Open(tracePath)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Greater(t, len(rows), n, "the trace is shorter than expected")
	out := make([]float64, n)
	for i := range out {
		v, err := strconv.ParseFloat(rows[i+1][1], 64) // rows[0] is the header
		require.NoError(t, err, "trace row %d", i+2)
		out[i] = math.Ceil(v / capacity)
	}
	return out
}

// restamp places values every interval so that the last one is at
// fixedNow - interval.
func restamp(values []float64, interval time.Duration) []promtest.Sample {
	out := make([]promtest.Sample, len(values))
	for i, v := range values {
		out[i] = promtest.Sample{T: fixedNow.Add(-time.Duration(len(values)-i) * interval), V: v}
	}
	return out
}

func hpaSeries(name string, samples []promtest.Sample) promtest.Series {
	return promtest.Series{Metric: hpaMetric, Labels: map[string]string{"namespace": "ml", "horizontalpodautoscaler": "keda-hpa-" + name}, Samples: samples}
}

func TestRecordAgainstPrometheus(t *testing.T) {
	replicas := taxiReplicas(t, 28*48)
	samples := restamp(replicas, 30*time.Minute)
	other := restamp([]float64{3, 4, 5}, 7*24*time.Hour)
	srv := promtest.Start(t, []promtest.Series{hpaSeries("worker", samples), hpaSeries("other", other)})
	t.Logf("Prometheus %s at %s", srv.Version, srv.URL)

	tests := []struct {
		step     time.Duration
		wantN    int
		wantGaps int // -1: as computed from the lookback
	}{
		// Every 30-minute sample is seen at its own step and, on Prometheus 2
		// (lookback window closed on the left), 5 minutes later too.
		{step: 5 * time.Minute, wantN: 8064, wantGaps: -1},
		{step: 30 * time.Minute, wantN: 1344, wantGaps: 1}, // only the last step, 30m after the last sample
		{step: time.Hour, wantN: 672, wantGaps: 1},
		{step: time.Minute, wantN: 40320, wantGaps: -1}, // five query_range chunks
	}
	for _, tt := range tests {
		t.Run(tt.step.String(), func(t *testing.T) {
			var progress bytes.Buffer
			opts := Options{Address: srv.URL, Since: days28, Step: tt.step, Now: fixedNow, Progress: &progress}
			res, err := Record(context.Background(), opts, []Job{{Namespace: "ml", Name: "worker"}})
			require.NoError(t, err)
			require.NoError(t, res[0].Err)
			t.Log(progress.String())
			h := res[0].History
			require.Len(t, h.Values, tt.wantN)
			assert.Equal(t, fixedNow, h.At(tt.wantN-1), "the last value is at Now")

			gaps := 0
			for i, at := range h.Times() {
				want, ok := srv.Visible(samples, at)
				if !ok {
					gaps++
					require.True(t, math.IsNaN(h.Values[i]), "value %d at %s: want a gap, got %v", i, at, h.Values[i])
					continue
				}
				require.Equal(t, want, h.Values[i], "value %d at %s", i, at)
			}
			if tt.wantGaps >= 0 {
				assert.Equal(t, tt.wantGaps, gaps)
			}
			assert.Equal(t, gaps, h.Gaps())
			if tt.step == 30*time.Minute { // independent of the lookback rule
				assert.Equal(t, replicas[1:], h.Values[:len(h.Values)-1])
			}
			if tt.step == 5*time.Minute && srv.Major() == 2 {
				assert.Equal(t, 8064-2*1344+1, gaps, "two steps per sample; the first sample is 5m before the first step")
			}

			data, err := history.Encode(h)
			require.NoError(t, err)
			back, err := history.Decode(data)
			require.NoError(t, err)
			assert.Equal(t, h.Len(), back.Len())
			t.Logf("%s: %d bytes as a ScalingHistory", tt.step, len(data))
		})
	}
}

func TestRecordAgainstPrometheusErrors(t *testing.T) {
	srv := promtest.Start(t, []promtest.Series{
		hpaSeries("worker", restamp([]float64{1, 2, 3, 4}, 5*time.Minute)),
		hpaSeries("other", restamp([]float64{3, 4}, 5*time.Minute)),
	})
	tests := []struct {
		name string
		job  Job
		want []string
	}{
		{name: "two series", job: Job{Namespace: "ml", Name: "worker", Query: hpaMetric + `{namespace="ml"}`},
			want: []string{"the query returned 2 series, one is needed: ",
				hpaMetric + `{horizontalpodautoscaler="keda-hpa-other", namespace="ml"}`,
				hpaMetric + `{horizontalpodautoscaler="keda-hpa-worker", namespace="ml"}`}},
		{name: "bad query", job: Job{Namespace: "ml", Name: "worker", Query: "sum(" + hpaMetric},
			want: []string{"the server rejected the query (HTTP 400 bad_data): ", "parse error", "fix the query: sum("}},
		{name: "no data", job: Job{Namespace: "ml", Name: "gone"},
			want: []string{"ml/gone: the query returned no data from 2026-03-01T23:05:00Z to 2026-03-02T00:00:00Z", "keda-hpa-gone exists"}},
		{name: "NaN", job: Job{Namespace: "ml", Name: "worker", Query: DefaultQuery("ml", "worker") + " * 0 / 0"},
			want: []string{"samples that are not replica counts: NaN at 2026-03-01T23:40:00Z, NaN at 2026-03-01T23:45:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Address: srv.URL, Since: time.Hour, Step: 5 * time.Minute, Now: fixedNow, Retries: -1}
			res, err := Record(context.Background(), opts, []Job{tt.job})
			require.NoError(t, err)
			require.Error(t, res[0].Err)
			t.Log(res[0].Err)
			for _, w := range tt.want {
				assert.Contains(t, res[0].Err.Error(), w)
			}
		})
	}
}

// BenchmarkRecord28d1m records 28 days at 1-minute steps for one workload
// from a real Prometheus holding a sample every minute: 40,320 values in
// five query_range requests. Target: at most 2 s per operation.
func BenchmarkRecord28d1m(b *testing.B) {
	const n = 28 * 24 * 60
	halfHours := taxiReplicas(b, n/30)
	perMinute := make([]float64, n)
	for i := range perMinute {
		perMinute[i] = halfHours[i/30]
	}
	srv := promtest.Start(b, []promtest.Series{hpaSeries("worker", restamp(perMinute, time.Minute))})
	opts := Options{Address: srv.URL, Since: days28, Step: time.Minute, Now: fixedNow}
	jobs := []Job{{Namespace: "ml", Name: "worker"}}
	b.ReportAllocs()
	for b.Loop() {
		res, err := Record(context.Background(), opts, jobs)
		if err != nil || res[0].Err != nil {
			b.Fatal(err, res[0].Err)
		}
		if h := res[0].History; h.Len() != n || h.Gaps() != 0 {
			b.Fatalf("got %d values with %d gaps, want %d without gaps", h.Len(), h.Gaps(), n)
		}
	}
}
