package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBacktestCommand(t *testing.T) {
	chart := filepath.Join(t.TempDir(), "holdout.svg")
	out, stderr, err := runFn("backtest", "--chart", chart, "../testdata/golden/predictive-weekly/input-history.yaml")
	require.NoError(t, err, stderr)
	for _, s := range []string{"reactive-only", "static-p90", "predictive", "oracle", "under-provisioned replica-hours"} {
		require.Contains(t, out, s)
	}
	svg, err := os.ReadFile(chart)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(svg), "<?xml") || strings.Contains(string(svg[:200]), "<svg"))

	for name, args := range map[string][]string{
		"bad chart name":  {"backtest", "--chart", "out.gif", "../testdata/golden/predictive-weekly/input-history.yaml"},
		"bad holdout":     {"backtest", "--holdout", "a week", "../testdata/golden/predictive-weekly/input-history.yaml"},
		"corrupt history": {"backtest", "../testdata/golden/err-history-corrupt/input-history.yaml"},
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
	const hist = "../testdata/golden/predictive-weekly/input-history.yaml"
	const manifests = "../testdata/golden/predictive-weekly/input.yaml"
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
		"absent":          {[]string{"backtest", "--manifests", "../testdata/golden/hpa-delete/input.yaml", hist}, "Deployment/ml/trip-pricer, the history's workload, is not in scope"},
		"bounds twice":    {[]string{"backtest", "--manifests", manifests, "--max-replicas", "9", hist}, "leave out --min-replicas and --max-replicas"},
		"csv has no name": {[]string{"backtest", "--manifests", manifests, "../testdata/traces/nab_nyc_taxi_30min.csv"}, "--manifests needs a ScalingHistory"},
	} {
		_, stderr, err := runFn(c.args...)
		require.Error(t, err, name)
		require.Contains(t, stderr, c.want, name)
	}
}

// TestBacktestRefuses runs backtest on inputs it must refuse: each fails
// with one message naming the problem, and prints nothing on stdout.
func TestBacktestRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	hist, err := os.ReadFile("../testdata/golden/predictive-weekly/input-history.yaml")
	require.NoError(t, err)
	head := string(hist[:strings.Index(string(hist), "  values: [")])
	nulls := write("null.yaml", head+"  values: ["+strings.TrimSuffix(strings.Repeat("null, ", 48*21), ", ")+"]\n")
	var rows strings.Builder
	rows.WriteString("timestamp,value\n")
	for i := range 48 * 21 {
		fmt.Fprintf(&rows, "%s,%d\n", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*30*time.Minute).Format(time.DateTime), 5+i%7)
	}
	good := rows.String()
	lines := strings.Split(good, "\n")
	zeroCSV := filepath.Join(dir, "zero.csv")
	require.NoError(t, os.Symlink("/dev/zero", zeroCSV))
	svgDir := filepath.Join(dir, "out.svg")
	require.NoError(t, os.Mkdir(svgDir, 0o755))
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"all gaps", []string{nulls}, []string{"holds no recorded demand, only gaps"}},
		{"negative CSV value", []string{write("neg.csv", strings.Replace(good, ",5\n", ",-5\n", 1))}, []string{`neg.csv: backtest: CSV line 2, column "value": value "-5" is negative`}},
		{"duplicated timestamp", []string{write("dup.csv", good+lines[3]+"\n")}, []string{"repeats the timestamp 2024-01-01 01:00:00 of line 4"}},
		{"CSV without .csv", []string{write("demand.txt", good)}, []string{"demand.txt is not a ScalingHistory", "or a CSV of demand whose file name ends in .csv"}},
		{"chart into a missing directory", []string{"--chart", filepath.Join(dir, "missing", "out.svg"), write("ok.csv", good)}, []string{"the directory " + filepath.Join(dir, "missing") + " does not exist"}},
		{"chart is a directory", []string{"--chart", svgDir, write("ok2.csv", good)}, []string{"out.svg: is a directory"}},
		{"chart with another suffix", []string{"--chart", filepath.Join(dir, "out.gif"), write("ok3.csv", good)}, []string{"--chart: the file name must end in .svg or .png"}},
		{"cooldown past a day", []string{"--cooldown", "1000h", write("ok5.csv", good)}, []string{"backtest: cooldown 1000h0m0s is out of range: it must be from 0 to 24h0m0s"}},
		{"lag past a day", []string{"--lag", "100000h", write("ok6.csv", good)}, []string{"backtest: lag 100000h0m0s is out of range"}},
		{"negative per-replica", []string{"--per-replica", "-1", write("ok7.csv", good)}, []string{"--per-replica -1: must be a positive number"}},
		{"infinite per-replica", []string{"--per-replica", "Inf", write("ok8.csv", good)}, []string{"--per-replica +Inf: must be a positive number"}},
		{"endless history", []string{"/dev/zero"}, []string{"/dev/zero: larger than 33554432 bytes (32 MiB), the most a ScalingHistory may hold (limit: backtest input size)"}},
		{"endless CSV", []string{zeroCSV}, []string{"zero.csv: larger than 67108864 bytes (64 MiB), the most a CSV of demand may hold"}},
		{"endless policy", []string{"--config", "/dev/zero", write("ok4.csv", good)}, []string{"policy /dev/zero: larger than 1048576 bytes (1 MiB)", "(limit: policy size)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, stderr, err := runFn(append([]string{"backtest"}, c.args...)...)
			require.Error(t, err)
			require.Empty(t, out, "nothing on stdout before the error")
			for _, w := range c.want {
				require.Contains(t, stderr, w)
			}
			require.Equal(t, 1, strings.Count(stderr, "error:"), stderr)
			require.NotContains(t, stderr, "NaN")
		})
	}
	out, stderr, err := runFn("backtest", write("good.csv", good))
	require.NoError(t, err, stderr)
	require.Contains(t, out, "reactive-only")
}
