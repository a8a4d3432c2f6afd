package main

import (
	"encoding/csv"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/internal/promtest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
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

// TestRecordRejectsOptionsBeforeCreating: every invalid flag is reported
// (naming the flag, the value and what is allowed) before anything is
// created, and a credential given in a flag never appears in the message.
func TestRecordRejectsOptionsBeforeCreating(t *testing.T) {
	dir := t.TempDir()
	manifests := filepath.Join(dir, "manifests.yaml")
	require.NoError(t, os.WriteFile(manifests, []byte(predictiveManifests), 0o644))
	aFile := filepath.Join(dir, "a-file")
	require.NoError(t, os.WriteFile(aFile, []byte("x"), 0o644))
	const prom = "http://127.0.0.1:1"
	tests := []struct {
		name   string
		flags  []string
		want   []string
		secret string // must not appear in the output
	}{
		{name: "since overflows", flags: []string{"--since", "1000000d"},
			want: []string{`--since "1000000d": too long (allowed: whole days (28d) or a Go duration (336h, 90m, 5m) from 1s to 106751d)`}},
		{name: "since overflows as hours", flags: []string{"--since", "99999999999h"}, want: []string{`--since "99999999999h": not a positive duration, or too long`}},
		{name: "since too many digits", flags: []string{"--since", "99999999999999999999d"}, want: []string{`--since "99999999999999999999d": not a positive number of days`}},
		{name: "since negative", flags: []string{"--since", "-5d"}, want: []string{`--since "-5d": not a positive number of days`}},
		{name: "since under a second", flags: []string{"--since", "500ms"}, want: []string{`--since "500ms": out of range (allowed: whole days (28d) or a Go duration (336h, 90m, 5m) from 1s to 106751d)`}},
		{name: "since at one step too many values", flags: []string{"--since", "106751d", "--step", "1s"}, want: []string{"at most 1000000 are allowed"}},
		{name: "step too long", flags: []string{"--step", "2d"}, want: []string{`--step "2d": too long (allowed: whole days (28d) or a Go duration (336h, 90m, 5m) from 1s to 24h)`}},
		{name: "zero timeout", flags: []string{"--timeout", "0s"}, want: []string{"--timeout 0s: must be positive"}},
		{name: "concurrency out of range", flags: []string{"--concurrency", "1000"}, want: []string{"--concurrency 1000: must be between 1 and 64"}},
		{name: "zero concurrency", flags: []string{"--concurrency", "0"}, want: []string{"--concurrency 0: must be between 1 and 64"}},
		{name: "retries out of range", flags: []string{"--retries", "1000"}, want: []string{"--retries 1000: must be between 0 and 20"}},
		{name: "response cap too small", flags: []string{"--max-response-bytes", "10"},
			want: []string{"--max-response-bytes 10: must be between 1024 (1 KiB) and 1073741824 (1 GiB)"}},
		{name: "response cap zero", flags: []string{"--max-response-bytes", "0"}, want: []string{"--max-response-bytes 0: must be between"}},
		{name: "several at once", flags: []string{"--since", "1000000d", "--timeout", "-1s", "--end", "yesterday"},
			want: []string{`--since "1000000d"`, "--timeout -1s", `--end "yesterday"`}},
		{name: "unparseable address with a password", flags: []string{"--prometheus", "http://u:hunter2/x@127.0.0.1:1"},
			want: []string{`"http://REDACTED@127.0.0.1:1" is not a URL`}, secret: "hunter2"},
		{name: "address with user information and a token file", flags: []string{"--prometheus", "http://u:hunter2@127.0.0.1:1", "--bearer-token-file", aFile},
			want: []string{"both a bearer token file and a user name in the Prometheus address are set"}, secret: "hunter2"},
		{name: "malformed header with a credential", flags: []string{"--header", "Authorization: Bearer hunter2"},
			want: []string{`--header "Authorization…": use NAME=VALUE`}, secret: "hunter2"},
		{name: "header without a name", flags: []string{"--header", "=hunter2"},
			want: []string{`--header "…": use NAME=VALUE`}, secret: "hunter2"},
		{name: "missing token file", flags: []string{"--bearer-token-file", filepath.Join(dir, "nope")}, want: []string{"bearer token file: open"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "history")
			args := append([]string{"record", "--prometheus", prom, "--out", out}, tt.flags...)
			stdout, stderr, err := runFn(append(args, manifests)...)
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, stderr, w)
			}
			if tt.secret != "" {
				require.NotContains(t, stdout+stderr+err.Error(), tt.secret)
			}
			require.NoDirExists(t, out, "nothing is created when the options are invalid")
		})
	}

	t.Run("out is a file", func(t *testing.T) {
		_, stderr, err := runFn("record", "--prometheus", prom, "--out", aFile, manifests)
		require.Error(t, err)
		require.Contains(t, stderr, "not a directory")
		b, err := os.ReadFile(aFile)
		require.NoError(t, err)
		require.Equal(t, "x", string(b))
	})
}

// TestRecordHostileServer runs the command against a server that redirects
// to another origin or answers without end: it fails naming the redirect
// target or the --max-response-bytes limit, writes no file and never shows
// the token.
func TestRecordHostileServer(t *testing.T) {
	const token = "cli-T0KEN-0123456789"
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("mode") == "redirect" {
			http.Redirect(w, r, other.URL+"/api/v1/query_range?echo="+url.QueryEscape(r.Header.Get("Authorization")), http.StatusTemporaryRedirect)
			return
		}
		chunk := []byte(strings.Repeat(" ", 16<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	manifests := filepath.Join(dir, "manifests.yaml")
	require.NoError(t, os.WriteFile(manifests, []byte(predictiveManifests), 0o644))
	tokenFile := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token), 0o600))
	tests := []struct {
		mode string
		want string
	}{
		{mode: "redirect", want: "redirected the POST (HTTP 307) to " + other.URL + "/api/v1/query_range?echo=Bearer+REDACTED, which was not followed"},
		{mode: "endless", want: "the answer is larger than the limit of 4 KiB (--max-response-bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "history")
			began := time.Now()
			stdout, stderr, err := runFn("record", "--prometheus", srv.URL+"/?mode="+tt.mode, "--bearer-token-file", tokenFile,
				"--max-response-bytes", "4096", "--timeout", "5s", "--out", out, manifests)
			require.Error(t, err)
			require.Less(t, time.Since(began), 4*time.Second)
			require.Contains(t, stderr, tt.want)
			require.NotContains(t, stdout+stderr, token)
			files, _ := filepath.Glob(filepath.Join(out, "*"))
			require.Empty(t, files)
			require.Zero(t, otherHits.Load(), "nothing reaches the other origin")
		})
	}
}

// TestRecordJobsReadKEDAsHPAName checks that record reads the HPA the
// transform names: the workload's ml-autoscaling.io/hpa-name when set, on
// the workload or on its pod template.
func TestRecordJobsReadKEDAsHPAName(t *testing.T) {
	doc := func(name, extra string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: ml\n  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/predictive: \"true\"\n" + extra
	}
	onPod := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c, namespace: ml}\nspec:\n  template:\n    metadata:\n      annotations:\n" +
		"        ml-autoscaling.io/enabled: \"true\"\n        ml-autoscaling.io/predictive: \"true\"\n        ml-autoscaling.io/hpa-name: c-hpa\n"
	items, err := (&kio.ByteReader{Reader: strings.NewReader(doc("a", "    ml-autoscaling.io/hpa-name: a-hpa\n") + "---\n" + doc("b", "") + "---\n" + onPod)}).Read()
	require.NoError(t, err)
	jobs, _, err := recordJobs(items, config.Default(), "")
	require.NoError(t, err)
	require.Len(t, jobs, 3)
	require.Equal(t, "a-hpa", jobs[0].HPAName)
	require.Empty(t, jobs[1].HPAName)
	require.Equal(t, "c-hpa", jobs[2].HPAName)
}
