package main

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/internal/promtest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// recordEnd is where the backfilled data ends.
var recordEnd = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

const predictiveManifests = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: ml
  annotations:
    ml-autoscaling.io/enabled: "true"
    ml-autoscaling.io/predictive: "true"
    ml-autoscaling.io/rabbitmq-queue: jobs
    ml-autoscaling.io/rabbitmq-secret: rabbitmq-conn
    ml-autoscaling.io/max-replicas: "40"
spec:
  template:
    spec:
      containers: [{name: w, image: python:3.12-slim}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: not-predictive
  namespace: ml
  annotations:
    ml-autoscaling.io/enabled: "true"
    ml-autoscaling.io/rabbitmq-queue: other
    ml-autoscaling.io/rabbitmq-secret: rabbitmq-conn
spec:
  template:
    spec:
      containers: [{name: w, image: python:3.12-slim}]
`

// taxi returns 28 days of the NYC taxi trace as replicas, stamped to end at recordEnd.
func taxi(t *testing.T) ([]float64, []promtest.Sample) {
	f, err := os.Open("../testdata/traces/nab_nyc_taxi_30min.csv")
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	n := 28 * 48
	vals := make([]float64, n)
	samples := make([]promtest.Sample, n)
	for i := range vals {
		v, err := strconv.ParseFloat(rows[i+1][1], 64)
		require.NoError(t, err)
		vals[i] = math.Ceil(v / 1000)
		samples[i] = promtest.Sample{T: recordEnd.Add(-time.Duration(n-i) * 30 * time.Minute), V: vals[i]}
	}
	return vals, samples
}

// TestRecordThenPlan records history from a real Prometheus with the record
// command, then feeds it to the function: the workload gets cron triggers.
func TestRecordThenPlan(t *testing.T) {
	vals, samples := taxi(t)
	srv := promtest.Start(t, []promtest.Series{{
		Metric:  "kube_horizontalpodautoscaler_status_desired_replicas",
		Labels:  map[string]string{"namespace": "ml", "horizontalpodautoscaler": "keda-hpa-worker"},
		Samples: samples,
	}})
	dir := t.TempDir()
	manifests := filepath.Join(dir, "manifests.yaml")
	require.NoError(t, os.WriteFile(manifests, []byte(predictiveManifests), 0o644))
	out := filepath.Join(dir, "history")
	stdout, stderr, err := runFn("record", "--prometheus", srv.URL, "--since", "28d", "--step", "30m",
		"--end", recordEnd.Add(-30*time.Minute).Format(time.RFC3339), "--out", out, manifests)
	require.NoError(t, err, stderr)
	require.Contains(t, stdout, "ml.worker.yaml")
	require.Contains(t, stderr, "ml/worker", "a progress line per workload")
	files, _ := filepath.Glob(filepath.Join(out, "*.yaml"))
	require.Len(t, files, 1, "only the predictive workload is recorded")
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	h, err := history.Decode(raw)
	require.NoError(t, err)
	require.Equal(t, "worker", h.Target.Name)
	got := h.Floats()
	require.Len(t, got, len(vals))
	for i := range vals {
		require.Equal(t, vals[i], got[i], "value %d", i)
	}

	// the recorded history drives the predictive floor
	policy := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte("apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\n"), 0o644))
	rendered, stderr, err := runFn(policy, manifests, files[0])
	require.NoError(t, err, stderr)
	require.Contains(t, rendered, "type: cron")
	require.NotContains(t, rendered, "kind: ScalingHistory", "histories are consumed, not emitted")
	require.NoError(t, kedatest.ValidateStream([]byte(rendered)))
}

func TestRecordFailures(t *testing.T) {
	dir := t.TempDir()
	manifests := filepath.Join(dir, "manifests.yaml")
	require.NoError(t, os.WriteFile(manifests, []byte(predictiveManifests), 0o644))
	out := filepath.Join(dir, "history")
	require.NoError(t, os.MkdirAll(out, 0o755))
	old := filepath.Join(out, "ml.worker.yaml")
	require.NoError(t, os.WriteFile(old, []byte("earlier recording\n"), 0o644))

	// nothing listens on this port: refused, retried, then an error; the old file stays
	_, stderr, err := runFn("record", "--prometheus", "http://127.0.0.1:1", "--retries", "1", "--timeout", "2s", "--out", out, manifests)
	require.Error(t, err)
	require.Contains(t, stderr, "connection refused")
	b, err := os.ReadFile(old)
	require.NoError(t, err)
	require.Equal(t, "earlier recording\n", string(b))

	cases := map[string][]string{
		"missing flags": {"record", manifests},
		"bad since":     {"record", "--prometheus", "http://127.0.0.1:1", "--out", out, "--since", "4 weeks", manifests},
		"bad header":    {"record", "--prometheus", "http://127.0.0.1:1", "--out", out, "--header", "X-Scope-OrgID", manifests},
	}
	for name, args := range cases {
		_, stderr, err := runFn(args...)
		require.Error(t, err, name)
		require.NotEmpty(t, strings.TrimSpace(stderr), name)
	}
}

// TestRecordJobsReadKEDAsHPAName checks that record reads the HPA the
// transform names: the workload's ml-autoscaling.io/hpa-name when set.
func TestRecordJobsReadKEDAsHPAName(t *testing.T) {
	doc := func(name, extra string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: ml\n  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/predictive: \"true\"\n" + extra
	}
	items, err := (&kio.ByteReader{Reader: strings.NewReader(doc("a", "    ml-autoscaling.io/hpa-name: a-hpa\n") + "---\n" + doc("b", ""))}).Read()
	require.NoError(t, err)
	jobs, err := recordJobs(items, "", "")
	require.NoError(t, err)
	require.Len(t, jobs, 2)
	require.Equal(t, "a-hpa", jobs[0].HPAName)
	require.Empty(t, jobs[1].HPAName)
}
