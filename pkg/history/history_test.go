package history

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/history")

const goldenDir = "../../testdata/history"

var nan = math.NaN()

// example is the history in testdata/history/ml.worker.yaml.
func example() *History {
	return &History{
		Name:      "worker",
		Namespace: "ml",
		Target:    Target{APIVersion: "apps/v1", Kind: KindDeployment, Name: "worker", Namespace: "ml"},
		Query:     `kube_horizontalpodautoscaler_status_desired_replicas{namespace="ml",horizontalpodautoscaler="keda-hpa-worker"}`,
		Start:     time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC),
		Step:      5 * time.Minute,
		Values:    []float64{3, 3, 4, 4, 5, nan, 5, 6, 6, 6, 7, 7, 7, 6.5, nan, 0, 12},
	}
}

// synthetic returns n values at 5m steps shaped like a daily cycle between
// 1 and 40 replicas, with a gap every 997 values.
func synthetic(n int) *History {
	h := example()
	h.Values = make([]float64, n)
	for i := range h.Values {
		day := float64(i%288) / 288
		h.Values[i] = math.Ceil(20.5 + 19.5*math.Sin(2*math.Pi*day))
		if i%997 == 996 {
			h.Values[i] = nan
		}
	}
	return h
}

// assertSameHistory compares two histories, treating NaN gaps as equal.
func assertSameHistory(t *testing.T, want, got *History) {
	t.Helper()
	w, g := *want, *got
	w.Values, g.Values = nil, nil
	w.Start, g.Start = w.Start.UTC(), g.Start.UTC()
	assert.Equal(t, w, g)
	require.Len(t, got.Values, len(want.Values))
	for i := range want.Values {
		if math.IsNaN(want.Values[i]) {
			assert.True(t, math.IsNaN(got.Values[i]), "value %d: want a gap, got %v", i, got.Values[i])
			continue
		}
		assert.Equal(t, want.Values[i], got.Values[i], "value %d", i)
	}
}

func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		file string
		h    *History
	}{
		{file: "ml.worker.yaml", h: example()},
		{file: "default.embedder.yaml", h: &History{
			Name:   "embedder",
			Target: Target{Kind: KindStatefulSet, Name: "embedder", Namespace: DefaultNamespace},
			Query:  "max(vllm:num_requests_waiting{pod=~\"embedder-.*\"}) / 4",
			Start:  time.Date(2026, 5, 4, 0, 0, 30, 0, time.UTC),
			Step:   90 * time.Minute,
			Values: []float64{1, 0.25, nan, 1e21, 1234567},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Encode(tt.h)
			require.NoError(t, err)
			path := filepath.Join(goldenDir, tt.file)
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./pkg/history -update to create it")
			assert.Equal(t, string(want), string(got))
			assert.Equal(t, tt.file, FileName(tt.h.Namespace, tt.h.Name))
		})
	}
}

func TestRoundTrip(t *testing.T) {
	long := example()
	long.Query = "sum by (queue) (rate(x{a=\"b: c\", d='#e'}[5m]))\n  # and a comment\n  * on() group_left 2\t\"quoted\" \\ back"
	tests := []struct {
		name   string
		mutate func(h *History)
	}{
		{name: "example", mutate: func(*History) {}},
		{name: "one value", mutate: func(h *History) { h.Values = []float64{2} }},
		{name: "all gaps", mutate: func(h *History) { h.Values = []float64{nan, nan, nan} }},
		{name: "exactly one line", mutate: func(h *History) { h.Values = h.Values[:ValuesPerLine] }},
		{name: "one line and one value", mutate: func(h *History) { h.Values = h.Values[:ValuesPerLine+1] }},
		{name: "fractions and extremes", mutate: func(h *History) {
			h.Values = []float64{0.1, 1.0 / 3, 5e-324, math.MaxFloat64, 1e21, 123456789012, 0}
		}},
		{name: "no namespace, no apiVersion", mutate: func(h *History) { h.Namespace, h.Target.APIVersion = "", "" }},
		{name: "statefulset", mutate: func(h *History) { h.Target.Kind = KindStatefulSet }},
		{name: "step 30s", mutate: func(h *History) { h.Step = 30 * time.Second }},
		{name: "step 1h30m", mutate: func(h *History) { h.Step = 90 * time.Minute }},
		{name: "step 24h", mutate: func(h *History) { h.Step = 24 * time.Hour }},
		{name: "sub-second start", mutate: func(h *History) { h.Start = h.Start.Add(123456789) }},
		{name: "start in another zone", mutate: func(h *History) {
			h.Start = h.Start.In(time.FixedZone("EST", -5*3600))
		}},
		{name: "query needing quotes", mutate: func(h *History) { h.Query = long.Query }},
		{name: "query looking like YAML", mutate: func(h *History) { h.Query = "true" }},
		{name: "names looking like numbers", mutate: func(h *History) { h.Name, h.Target.Name = "123", "0.5" }},
		{name: "28 days at 5m", mutate: func(h *History) { *h = *synthetic(28 * 288) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := example()
			tt.mutate(h)
			data, err := Encode(h)
			require.NoError(t, err)
			got, err := Decode(data)
			require.NoError(t, err, "%s", data)
			assertSameHistory(t, h, got)
			again, err := Encode(got)
			require.NoError(t, err)
			assert.Equal(t, string(data), string(again), "Encode is not deterministic")

			// The same bytes after a kyaml round trip (what kustomize and kpt
			// do to function inputs) decode to the same history.
			rn, err := yaml.Parse(string(data))
			require.NoError(t, err)
			text, err := rn.String()
			require.NoError(t, err)
			viaKyaml, err := Decode([]byte(text))
			require.NoError(t, err)
			assertSameHistory(t, h, viaKyaml)
			fromNode, err := FromRNode(rn)
			require.NoError(t, err)
			assertSameHistory(t, h, fromNode)
		})
	}
}

func TestEncodedSize(t *testing.T) {
	tests := []struct {
		name    string
		values  int
		maxSize int
	}{
		{name: "28 days at 5m", values: 28 * 288, maxSize: 80_000},
		{name: "28 days at 1m", values: 28 * 1440, maxSize: 400_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Encode(synthetic(tt.values))
			require.NoError(t, err)
			t.Logf("%d values: %d bytes, %d lines", tt.values, len(data), strings.Count(string(data), "\n"))
			assert.Less(t, len(data), tt.maxSize)
			for i, line := range strings.Split(string(data), "\n") {
				assert.LessOrEqual(t, len(line), 200, "line %d is long: %q", i+1, line)
			}
		})
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(h *History)
		want   []string
	}{
		{name: "infinite value", mutate: func(h *History) { h.Values[2] = math.Inf(1) }, want: []string{"spec.values[2] (2026-05-04T00:10:00Z)", `"+Inf"`, "a finite number ≥ 0, or null for a gap"}},
		{name: "negative value", mutate: func(h *History) { h.Values[13] = -1 }, want: []string{"spec.values[13] (2026-05-04T01:05:00Z)", `"-1"`}},
		{name: "no values", mutate: func(h *History) { h.Values = nil }, want: []string{"spec.values: is empty"}},
		{name: "too many values", mutate: func(h *History) { h.Values = make([]float64, MaxValues+1) }, want: []string{"has 1000001 values", "at most 1000000"}},
		{name: "zero step", mutate: func(h *History) { h.Step = 0 }, want: []string{"spec.step: is missing or zero", "e.g. 5m"}},
		{name: "negative step", mutate: func(h *History) { h.Step = -5 * time.Minute }, want: []string{`spec.step: "-5m": must be positive`}},
		{name: "fractional step", mutate: func(h *History) { h.Step = 1500 * time.Millisecond }, want: []string{`spec.step: "1.5s": is not a whole number of seconds`}},
		{name: "step over a day", mutate: func(h *History) { h.Step = 25 * time.Hour }, want: []string{`"25h": is longer than 24h`}},
		{name: "no start", mutate: func(h *History) { h.Start = time.Time{} }, want: []string{"spec.start: is required"}},
		{name: "no name", mutate: func(h *History) { h.Name = "" }, want: []string{"metadata.name: is required"}},
		{name: "bad name", mutate: func(h *History) { h.Name = "Worker/1" }, want: []string{`metadata.name: "Worker/1": is not a valid Kubernetes name`}},
		{name: "bad kind", mutate: func(h *History) { h.Target.Kind = "DaemonSet" }, want: []string{`spec.target.kind: "DaemonSet": is not a supported workload kind (allowed: Deployment or StatefulSet)`}},
		{name: "no target namespace", mutate: func(h *History) { h.Target.Namespace = "" }, want: []string{"spec.target.namespace: is required"}},
		{name: "no query", mutate: func(h *History) { h.Query = "" }, want: []string{"spec.query: is required"}},
		{name: "query not UTF-8", mutate: func(h *History) { h.Query = "up\xff" }, want: []string{"spec.query: is not valid UTF-8"}},
		{name: "errors capped", mutate: func(h *History) {
			for i := range h.Values {
				h.Values[i] = -1
			}
		}, want: []string{"spec.values[9]", "7 more errors not shown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := example()
			tt.mutate(h)
			_, err := Encode(h)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			if h.Name == "worker" {
				assert.Contains(t, err.Error(), "ScalingHistory/ml/worker: ")
			}
		})
	}
	_, err := Encode(nil)
	assert.Error(t, err)
}

func TestHelpers(t *testing.T) {
	h := example()
	h.Values = []float64{1, nan, 3}
	assert.Equal(t, []time.Time{
		time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 5, 4, 0, 5, 0, 0, time.UTC),
		time.Date(2026, 5, 4, 0, 10, 0, 0, time.UTC),
	}, h.Times())
	assert.Equal(t, time.Date(2026, 5, 4, 0, 15, 0, 0, time.UTC), h.End())
	assert.Equal(t, 15*time.Minute, h.End().Sub(h.Start))
	assert.Equal(t, 3, h.Len())
	assert.Equal(t, 1, h.Gaps())

	f := h.Floats()
	require.Len(t, f, 3)
	assert.Equal(t, 1.0, f[0])
	assert.True(t, math.IsNaN(f[1]))
	f[0] = 99
	assert.Equal(t, 1.0, h.Values[0], "Floats must return a copy")
}

func TestFileName(t *testing.T) {
	tests := []struct{ namespace, name, want string }{
		{"ml", "worker", "ml.worker.yaml"},
		{"", "worker", "default.worker.yaml"},
		{"team-a", "api.v2", "team-a.api.v2.yaml"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, FileName(tt.namespace, tt.name))
	}
}

func TestFormatFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {3, "3"}, {2.5, "2.5"}, {0.1, "0.1"},
		{1.0 / 3, "0.3333333333333333"}, {1e6, "1e+06"}, {123456, "123456"},
		{1e21, "1e+21"}, {0.0001, "0.0001"}, {0.00001, "1e-05"}, {nan, "null"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, formatFloat(tt.in), "%v", tt.in)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{5 * time.Minute, "5m"}, {30 * time.Second, "30s"}, {time.Hour, "1h"},
		{90 * time.Minute, "1h30m"}, {time.Hour + time.Second, "1h0m1s"}, {0, "0s"},
		{-5 * time.Minute, "-5m"}, {24 * time.Hour, "24h"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, FormatDuration(tt.in), "%v", tt.in)
	}
}
