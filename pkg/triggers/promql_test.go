package triggers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/promtest"
	"github.com/stretchr/testify/require"
)

// vllmPod returns the series of one vLLM pod: each metric name given is
// exported with the value given, with the labels vLLM and a pod scrape add.
func vllmPod(namespace, pod string, at time.Time, values map[string]float64) []promtest.Series {
	var out []promtest.Series
	for metric, v := range values {
		out = append(out, promtest.Series{Metric: metric,
			Labels:  map[string]string{"namespace": namespace, "pod": pod, "model_name": "m", "engine": "0", "job": "vllm"},
			Samples: []promtest.Sample{{T: at, V: v}}})
	}
	return out
}

// TestRenamedMetricQueriesOnPrometheus backfills a real Prometheus with vLLM
// pods that export only the KV-cache gauge's old name (vLLM before 0.9), only
// the new one (after the old was dropped), both (0.9 and 0.10), and a mix
// of them during a rolling upgrade, and checks that the generated KV-cache
// and queue queries each return exactly one series with the right sum.
func TestRenamedMetricQueriesOnPrometheus(t *testing.T) {
	const (
		oldKV = "vllm:gpu_cache_usage_perc"
		newKV = "vllm:kv_cache_usage_perc"
		queue = "vllm:num_requests_waiting"
	)
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var series []promtest.Series
	add := func(ns, pod string, v map[string]float64) { series = append(series, vllmPod(ns, pod, at, v)...) }
	add("old", "llm-5d8f7b9c4-x7q2k", map[string]float64{oldKV: 0.5, queue: 3})
	add("old", "llm-5d8f7b9c4-bbbbb", map[string]float64{oldKV: 0.25, queue: 1})
	add("new", "llm-6c9d8b7f5-x7q2k", map[string]float64{newKV: 0.75, queue: 2})
	add("both", "llm-7b8c9d4f5-x7q2k", map[string]float64{newKV: 0.4, oldKV: 0.4, queue: 5})
	add("both", "llm-7b8c9d4f5-bbbbb", map[string]float64{newKV: 0.5, oldKV: 0.5, queue: 0})
	add("mixed", "llm-5d8f7b9c4-x7q2k", map[string]float64{oldKV: 0.3, queue: 1})
	add("mixed", "llm-7b8c9d4f5-bbbbb", map[string]float64{newKV: 0.6, oldKV: 0.6, queue: 2})
	add("mixed", "llm-8c9d5b6f7-ccccc", map[string]float64{newKV: 0.2, queue: 4})
	// pods of another workload, and the same names in another namespace, are not counted
	add("mixed", "llm-small-5d8f7b9c4-x7q2k", map[string]float64{newKV: 0.9, oldKV: 0.9, queue: 9})
	add("elsewhere", "llm-5d8f7b9c4-x7q2k", map[string]float64{newKV: 0.9, queue: 9})
	srv := promtest.Start(t, series)

	cases := []struct {
		namespace   string
		kv, waiting float64
	}{
		{"old", 0.75, 4},
		{"new", 0.75, 2},
		{"both", 0.9, 5},
		{"mixed", 1.1, 7},
	}
	for _, c := range cases {
		t.Run(c.namespace, func(t *testing.T) {
			set, d := build(t, nil, "", "      - {name: vllm, image: vllm/vllm-openai:v0.8.5, resources: {limits: {nvidia.com/gpu: 1}}}\n")
			require.Empty(t, d)
			got := map[string]float64{}
			for _, tr := range set.Triggers {
				q := tr.Metadata["query"]
				if tr.Name == "gpu-utilization" {
					continue
				}
				got[tr.Name] = instant(t, srv, replaceNamespace(q, c.namespace), at.Add(time.Minute))
			}
			require.InDelta(t, c.kv, got["vllm-kv-cache"], 1e-9)
			require.InDelta(t, c.waiting, got["vllm-queue"], 1e-9)
		})
	}
}

// replaceNamespace points a query built for namespace ml at another namespace.
func replaceNamespace(q, ns string) string {
	return strings.ReplaceAll(q, `namespace="ml"`, `namespace="`+ns+`"`)
}

// instant evaluates q at time at and requires exactly one series, whose value it returns.
func instant(t *testing.T, srv *promtest.Server, q string, at time.Time) float64 {
	t.Helper()
	resp, err := http.Get(srv.URL + "/api/v1/query?query=" + url.QueryEscape(q) + "&time=" + strconv.FormatInt(at.Unix(), 10))
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Status, Error string
		Data          struct {
			ResultType string
			Result     []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "success", body.Status, "%s: %s", q, body.Error)
	require.Equal(t, "vector", body.Data.ResultType, q)
	require.Len(t, body.Data.Result, 1, "%s must return exactly one series: %+v", q, body.Data.Result)
	v, err := strconv.ParseFloat(body.Data.Result[0].Value[1].(string), 64)
	require.NoError(t, err)
	return v
}
