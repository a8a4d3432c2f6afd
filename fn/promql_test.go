package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/promtest"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestGeneratedQueriesParse sends every PromQL query any golden case
// generates (Prometheus, DCGM and inference-server triggers) to a real
// Prometheus server, which must accept it (an empty result is fine; a parse
// error is not).
func TestGeneratedQueriesParse(t *testing.T) {
	queries := map[string]string{}
	for _, c := range goldenCases(t, true) {
		for _, tr := range scaledObjectTriggers(expectedOutput(t, c)) {
			if q, _ := tr.Pipe(yaml.Lookup("metadata", "query")); q != nil {
				queries[yaml.GetValue(q)] = c.name
			}
		}
	}
	require.Greater(t, len(queries), 15)
	srv := promtest.Start(t, []promtest.Series{{Metric: "up", Labels: map[string]string{"job": "x"},
		Samples: []promtest.Sample{{T: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), V: 1}}}})
	keys := make([]string, 0, len(queries))
	for q := range queries {
		keys = append(keys, q)
	}
	sort.Strings(keys)
	for _, q := range keys {
		resp, err := http.Get(srv.URL + "/api/v1/query?query=" + url.QueryEscape(q))
		require.NoError(t, err)
		var body struct {
			Status, ErrorType, Error string
			Data                     struct{ ResultType string }
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		require.Equal(t, "success", body.Status, "%s (case %s): %s %s", q, queries[q], body.ErrorType, body.Error)
		require.Contains(t, []string{"vector", "scalar"}, body.Data.ResultType, q)
	}
	t.Logf("%d distinct generated queries accepted by Prometheus %s", len(keys), srv.Version)
}
