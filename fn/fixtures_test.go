package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/backtest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/stretchr/testify/require"
)

// historyFixtures are the recorded histories of the predictive golden
// cases, cut from the real traces in testdata/traces (origin and licence in its README):
// the last days of a trace, demand = ceil(value / perReplica).
var historyFixtures = []struct {
	dir, trace, column string
	perReplica         float64
	days               int
	name, namespace    string
}{
	{"predictive-weekly", "nab_nyc_taxi_30min.csv", "", 1500, 28, "trip-pricer", "ml"},
	{"predictive-daily", "servegen_llm_rps_10min.csv", "m_small_rps", 50, 14, "llm-small", "ml"},
	{"predictive-declines", "nab_asg_cpu_util_5min.csv", "", 5, 28, "batch-api", "ml"},
}

// TestWriteHistoryFixtures regenerates testdata/golden/<case>/input-history.yaml
// from the real traces under UPDATE_GOLDEN=1; otherwise it checks that the
// committed fixtures still decode.
func TestWriteHistoryFixtures(t *testing.T) {
	for _, f := range historyFixtures {
		path := filepath.Join(goldenDir, f.dir, "input-history.yaml")
		if os.Getenv("UPDATE_GOLDEN") != "1" {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			_, err = history.Decode(b)
			require.NoError(t, err, path)
			continue
		}
		file, err := os.Open(filepath.Join("../testdata/traces", f.trace))
		require.NoError(t, err)
		s, err := backtest.ReadCSV(file, f.column)
		file.Close()
		require.NoError(t, err)
		n := int(time.Duration(f.days) * 24 * time.Hour / s.Step)
		vals := s.Values[len(s.Values)-n:]
		start := s.At(len(s.Values) - n)
		out := make([]float64, len(vals))
		for i, v := range vals {
			out[i] = math.NaN()
			if !math.IsNaN(v) {
				out[i] = math.Ceil(v / f.perReplica)
			}
		}
		h := &history.History{
			Name: f.name, Namespace: f.namespace,
			Target: history.Target{APIVersion: "apps/v1", Kind: "Deployment", Name: f.name, Namespace: f.namespace},
			Query:  "kube_horizontalpodautoscaler_status_desired_replicas{namespace=\"" + f.namespace + "\",horizontalpodautoscaler=\"keda-hpa-" + f.name + "\"}",
			Start:  start.UTC(), Step: s.Step, Values: out,
		}
		b, err := history.Encode(h)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, b, 0o644))
	}
}
