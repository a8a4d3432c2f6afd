package backtest

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
)

func TestSimulate(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name          string
		demand, floor []float64
		lag, cooldown int
		minR, maxR    int
		want          []float64
	}{
		{"follows demand lag steps late", []float64{1, 3, 3, 3, 1, 1, 1}, nil, 2, 1, 1, 0, []float64{1, 1, 1, 3, 3, 3, 1}},
		{"scales down only after the cooldown", []float64{5, 1, 1, 1, 1}, nil, 0, 3, 1, 0, []float64{5, 5, 5, 1, 1}},
		{"min replicas", []float64{0, 0, 4}, nil, 0, 1, 2, 0, []float64{2, 2, 4}},
		{"max replicas caps the reactive part", []float64{9, 9}, nil, 0, 1, 1, 5, []float64{5, 5}},
		{"the floor applies with no lag", []float64{1, 1, 1, 1}, []float64{1, 6, 6, 1}, 2, 1, 1, 0, []float64{1, 6, 6, 1}},
		{"a gap holds the last value seen", []float64{4, nan, nan, nan}, nil, 1, 1, 1, 0, []float64{1, 4, 4, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Simulate(tc.demand, tc.floor, tc.lag, tc.cooldown, tc.minR, tc.maxR))
		})
	}
}

func TestScore(t *testing.T) {
	rh, under := Score([]float64{2, 4, math.NaN(), 1}, []float64{3, 3, 9, 1}, 30*time.Minute)
	assert.InDelta(t, 3.5, rh, 1e-12, "gaps are not counted")
	assert.InDelta(t, 0.5, under, 1e-12)
}

// dailyDemand is a clean daily cycle (2 → 14 replicas, peak in the
// afternoon) at 5-minute steps.
func dailyDemand(days int) predict.Series {
	start := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	s := predict.Series{Start: start, Step: 5 * time.Minute, Values: make([]float64, days*288)}
	for i := range s.Values {
		x := float64(i%288) / 288
		s.Values[i] = math.Ceil(2 + 12*math.Max(0, math.Sin(math.Pi*(x-0.25)/0.6)))
	}
	return s
}

func TestRunOnADailyCycle(t *testing.T) {
	r, err := Run(dailyDemand(21), DefaultConfig())
	require.NoError(t, err)
	require.Len(t, r.Results, len(Strategies))
	assert.Equal(t, 7, r.Plans)
	assert.Zero(t, r.Declines)
	assert.Len(t, r.Demand, 7*24*60)
	assert.Len(t, r.Floor, len(r.Demand))
	for _, res := range r.Results {
		assert.Len(t, res.Capacity, len(r.Demand), res.Strategy)
	}
	re, pr, or := r.Result(StrategyReactive), r.Result(StrategyPredictive), r.Result(StrategyOracle)
	assert.Zero(t, or.UnderReplicaHours)
	assert.Greater(t, re.UnderReplicaHours, 0.0)
	c, err := r.Compare(StrategyPredictive)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, c.UnderReduction, 0.7, "a clean cycle is what the schedule is for")
	assert.LessOrEqual(t, c.ExtraReplicaHours, 0.3)
	assert.LessOrEqual(t, pr.ReplicaHours, r.Result(StrategyStatic).ReplicaHours)

	var buf bytes.Buffer
	require.NoError(t, r.WriteTable(&buf))
	out := buf.String()
	for _, want := range []string{"strategy", "replica-hours", "reactive-only", "static-p90", "predictive", "oracle", "% less", "planned 7 times, declined 0"} {
		assert.Contains(t, out, want)
	}
}

func TestRunDeclines(t *testing.T) {
	s := dailyDemand(10)
	for i := range s.Values {
		s.Values[i] = float64(3 + (i*7919)%5) // no daily pattern
	}
	r, err := Run(s, DefaultConfig())
	require.NoError(t, err)
	assert.Equal(t, r.Plans, r.Declines)
	require.NotEmpty(t, r.Warnings)
	assert.Contains(t, r.Warnings[0], "no predictive schedule")
	assert.Equal(t, r.Result(StrategyReactive).ReplicaHours, r.Result(StrategyPredictive).ReplicaHours)
	var buf bytes.Buffer
	require.NoError(t, r.WriteTable(&buf))
	assert.Contains(t, buf.String(), "warning: no predictive schedule")
}

// gaps returns a copy of s with the values from index i to j (exclusive) set to NaN.
func gaps(s predict.Series, i, j int) predict.Series {
	s.Values = append([]float64(nil), s.Values...)
	for k := i; k < j && k < len(s.Values); k++ {
		s.Values[k] = math.NaN()
	}
	return s
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name string
		s    predict.Series
		mod  func(*Config)
		want string
	}{
		{"too short", dailyDemand(7), nil, "not more than the hold-out 168h0m0s: there is no training data"},
		{"no step", predict.Series{Values: []float64{1}}, nil, "series step 0s is invalid"},
		{"all gaps", gaps(dailyDemand(14), 0, 14*288), nil, "the training data (before the hold-out, 2026-05-04 00:00 to 2026-05-11 00:00) holds no recorded demand, only gaps"},
		{"hold-out all gaps", gaps(dailyDemand(14), 7*288, 14*288), nil, "the hold-out (the last 168h0m0s, 2026-05-11 00:00 to 2026-05-18 00:00) holds no recorded demand"},
		{"training all gaps", gaps(dailyDemand(14), 0, 7*288), nil, "the training data (before the hold-out"},
		{"resolution", dailyDemand(14), func(c *Config) { c.Resolution = 0 }, "resolution 0s is invalid"},
		{"hold-out", dailyDemand(14), func(c *Config) { c.Holdout = 0 }, "hold-out 0s is invalid"},
		{"replan", dailyDemand(14), func(c *Config) { c.Replan = 0 }, "re-plan interval 0s is invalid"},
		{"lag", dailyDemand(14), func(c *Config) { c.Lag = -time.Minute }, "lag -1m0s is out of range: it must be from 0 to 24h0m0s"},
		{"cooldown", dailyDemand(14), func(c *Config) { c.Cooldown = -time.Minute }, "cooldown -1m0s is out of range"},
		{"lag past a day", dailyDemand(14), func(c *Config) { c.Lag = MaxLag + time.Minute }, "lag 24h1m0s is out of range"},
		{"cooldown past a day", dailyDemand(14), func(c *Config) { c.Cooldown = MaxLag + time.Minute }, "cooldown 24h1m0s is out of range"},
		{"static quantile", dailyDemand(14), func(c *Config) { c.StaticQuantile = 1.5 }, "static quantile 1.5 is out of range"},
		{"max replicas", dailyDemand(14), func(c *Config) { c.MaxReplicas = -1 }, "max replicas -1 is negative"},
		{"planning options", dailyDemand(14), func(c *Config) { c.Options.MaxWindows = 0 }, "max windows 0 is out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.mod != nil {
				tc.mod(&cfg)
			}
			_, err := Run(tc.s, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	var r Report
	_, err := r.Compare(StrategyPredictive)
	assert.ErrorContains(t, err, `the report has no "predictive" result`)
}

func TestChart(t *testing.T) {
	r, err := Run(dailyDemand(14), DefaultConfig())
	require.NoError(t, err)
	tests := []struct {
		format string
		magic  []byte
	}{
		{"svg", []byte("<?xml")},
		{"SVG", []byte("<?xml")},
		{"png", []byte("\x89PNG\r\n\x1a\n")},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, Chart(&buf, tc.format, "daily cycle", r))
			assert.True(t, bytes.HasPrefix(buf.Bytes(), tc.magic), "starts with %q", buf.Bytes()[:min(8, buf.Len())])
			if strings.EqualFold(tc.format, "svg") {
				for _, want := range []string{"predictive floor", "reactive-only", "demand"} {
					assert.Contains(t, buf.String(), want)
				}
			}
		})
	}
	var buf bytes.Buffer
	assert.ErrorContains(t, Chart(&buf, "gif", "x", r), `chart format "gif" is not supported: use svg or png`)
	assert.ErrorContains(t, Chart(&buf, "svg", "x", &Report{}), "no hold-out data")
}
