package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBacktestCommand(t *testing.T) {
	chart := filepath.Join(t.TempDir(), "holdout.svg")
	out, stderr, err := runFn("backtest", "--chart", chart, "../testdata/predictive-weekly/input-history.yaml")
	require.NoError(t, err, stderr)
	for _, s := range []string{"reactive-only", "static-p90", "predictive", "oracle", "under-provisioned replica-hours"} {
		require.Contains(t, out, s)
	}
	svg, err := os.ReadFile(chart)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(svg), "<?xml") || strings.Contains(string(svg[:200]), "<svg"))

	for name, args := range map[string][]string{
		"bad chart name":  {"backtest", "--chart", "out.gif", "../testdata/predictive-weekly/input-history.yaml"},
		"bad holdout":     {"backtest", "--holdout", "a week", "../testdata/predictive-weekly/input-history.yaml"},
		"corrupt history": {"backtest", "../testdata/err-history-corrupt/input-history.yaml"},
		"missing file":    {"backtest", "nonexistent.yaml"},
	} {
		_, stderr, err := runFn(args...)
		require.Error(t, err, name)
		require.Contains(t, stderr, "error:", name)
	}
}

// TestBacktestBoundsFromManifests: with --manifests, the bounds are the
// workload's as the function resolves them (here its annotations, 1 to 30),
// so the report equals one with those bounds given by hand.
func TestBacktestBoundsFromManifests(t *testing.T) {
	const hist = "../testdata/predictive-weekly/input-history.yaml"
	const manifests = "../testdata/predictive-weekly/input.yaml"
	byHand, stderr, err := runFn("backtest", "--min-replicas", "1", "--max-replicas", "30", hist)
	require.NoError(t, err, stderr)
	fromManifests, stderr, err := runFn("backtest", "--manifests", manifests, hist)
	require.NoError(t, err, stderr)
	require.Equal(t, byHand, fromManifests)
	other, _, err := runFn("backtest", "--min-replicas", "1", "--max-replicas", "5", hist)
	require.NoError(t, err)
	require.NotEqual(t, other, fromManifests, "the bounds matter")

	dir := t.TempDir()
	notOptedIn := filepath.Join(dir, "m.yaml")
	require.NoError(t, os.WriteFile(notOptedIn, []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: trip-pricer, namespace: ml, annotations: {ml-autoscaling.io/enabled: \"false\"}}\n"), 0o644))
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"not scaled":      {[]string{"backtest", "--manifests", notOptedIn, hist}, `Deployment/ml/trip-pricer is in the manifests but not scaled: annotation ml-autoscaling.io/enabled is not "true"`},
		"absent":          {[]string{"backtest", "--manifests", "../testdata/hpa-delete/input.yaml", hist}, "Deployment/ml/trip-pricer, the history's workload, is not in scope"},
		"bounds twice":    {[]string{"backtest", "--manifests", manifests, "--max-replicas", "9", hist}, "leave out --min-replicas and --max-replicas"},
		"csv has no name": {[]string{"backtest", "--manifests", manifests, "../testdata/traces/nab_nyc_taxi_30min.csv"}, "--manifests needs a ScalingHistory"},
	} {
		_, stderr, err := runFn(c.args...)
		require.Error(t, err, name)
		require.Contains(t, stderr, c.want, name)
	}
}
