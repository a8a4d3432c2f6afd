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
