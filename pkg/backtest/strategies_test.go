package backtest

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
)

func TestRunSimulatesEveryStrategy(t *testing.T) {
	d := dailyDemand(21)
	r, err := Run(d, DefaultConfig())
	require.NoError(t, err)
	for _, name := range Strategies {
		res := r.Result(name)
		require.NotNil(t, res, name)
		assert.Len(t, res.Capacity, len(r.Demand), name)
	}
	assert.Zero(t, r.LiveFallbacks[StrategyLiveWeekly], "three weeks of history: a week earlier is always recorded")
	// The weekly live floor at a moment of the hold-out is 1.1 × the
	// largest demand of (t − 1w − 5m, t − 1w + 25m].
	lo := DefaultConfig().liveOptions(predict.Week)
	lo.MaxReplicas = 1000
	for _, i := range []int{0, 600, 5000} {
		tm := r.Start.Add(time.Duration(i) * r.Resolution)
		want := predict.LiveFloorAt(d, tm, lo, nil)
		require.True(t, want.Live)
		assert.Equal(t, float64(want.Replicas), r.Floors[StrategyLiveWeekly][i], "step %d", i)
		assert.Equal(t, math.Max(r.Floors[StrategyPredictive][i], r.Floors[StrategyLiveWeekly][i]), r.Floors[StrategyPredictiveLive][i])
	}
	// A clean daily cycle: the live floors cut nearly all under-provisioning.
	for _, name := range []string{StrategyLiveDaily, StrategyLiveWeekly, StrategyLiveBoth} {
		c, err := r.Compare(name)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, c.UnderReduction, 0.9, name)
	}
}

func TestRunCountsLiveFallbacks(t *testing.T) {
	r, err := Run(dailyDemand(10), DefaultConfig()) // 3 days before the hold-out
	require.NoError(t, err)
	assert.Zero(t, r.LiveFallbacks[StrategyLiveDaily])
	// The series starts 3 days before the hold-out: from then on (less the
	// 25-minute lead) a week earlier is recorded.
	assert.Equal(t, 4*24*60-25, r.LiveFallbacks[StrategyLiveWeekly])
	var buf bytes.Buffer
	require.NoError(t, r.WriteTable(&buf))
	assert.Contains(t, buf.String(), "live-weekly: no demand recorded one period earlier for 95.6 of the 168.0 hours (too little history before them)")
	ch, err := Choose(r, DefaultGuard())
	require.NoError(t, err)
	for _, c := range ch.Candidates {
		if c.Strategy == StrategyLiveWeekly {
			assert.False(t, c.WithinGuard)
			assert.Contains(t, c.Why, "cannot be judged: no demand recorded one period earlier for 57 % of the hold-out")
		}
	}
}

// fakeReport holds results with the given replica-hours and
// under-provisioned replica-hours; reactive-only has 100 and 10,
// static-p90 150 and 1.
func fakeReport(rs map[string][2]float64) *Report {
	r := &Report{Demand: make([]float64, 100), LiveFallbacks: map[string]int{}}
	r.Results = []Result{{Strategy: StrategyReactive, ReplicaHours: 100, UnderReplicaHours: 10}, {Strategy: StrategyStatic, ReplicaHours: 150, UnderReplicaHours: 1}}
	for _, name := range Strategies {
		if v, ok := rs[name]; ok {
			r.Results = append(r.Results, Result{Strategy: name, ReplicaHours: v[0], UnderReplicaHours: v[1]})
		}
	}
	return r
}

func TestChoose(t *testing.T) {
	tests := []struct {
		name       string
		results    map[string][2]float64
		guard      Guard
		fallbacks  map[string]int
		want       string
		reason     string
		outOfGuard map[string]string
	}{
		{"the largest cut within the guard", map[string][2]float64{StrategyPredictive: {115, 4}, StrategyLiveWeekly: {119, 2}, StrategyLiveBoth: {125, 1}},
			DefaultGuard(), nil, StrategyLiveWeekly, "live-weekly cuts under-provisioned replica-hours by 80.0 % at +19.0 % replica-hours",
			map[string]string{StrategyLiveBoth: "+25.0 % replica-hours is above the guard's +20 %"}},
		{"without a margin the guard is +30 %", map[string][2]float64{StrategyPredictive: {115, 4}, StrategyLiveBoth: {125, 1}},
			Guard{MaxExtra: 0.3, NotAboveStatic: true}, nil, StrategyLiveBoth, "the largest cut within the guard (≤ +30 % replica-hours vs reactive-only, never above a static p90 floor)", nil},
		{"a tie goes to fewer replica-hours", map[string][2]float64{StrategyPredictive: {118, 3}, StrategyLiveDaily: {112, 3}},
			DefaultGuard(), nil, StrategyLiveDaily, "", nil},
		{"never above the static floor", map[string][2]float64{StrategyPredictive: {115, 4}, StrategyLiveWeekly: {160, 0}},
			Guard{MaxExtra: 1, NotAboveStatic: true}, nil, StrategyPredictive, "", map[string]string{StrategyLiveWeekly: "1.07× the replica-hours of a static p90 floor"}},
		{"a live floor without history cannot be judged", map[string][2]float64{StrategyPredictive: {115, 4}, StrategyLiveWeekly: {110, 1}},
			DefaultGuard(), map[string]int{StrategyLiveWeekly: 50}, StrategyPredictive, "", map[string]string{StrategyLiveWeekly: "cannot be judged: no demand recorded one period earlier for 50 % of the hold-out"}},
		{"nothing within the guard: reactive only", map[string][2]float64{StrategyPredictive: {140, 4}},
			DefaultGuard(), nil, StrategyReactive, "no strategy cuts under-provisioning within the guard (≤ +30 % replica-hours vs reactive-only (live floors: ≤ +20 % on this history), never above a static p90 floor): reactive scaling only; e.g. predictive: +40.0 % replica-hours is above the guard's +30 %", nil},
		{"nothing cuts anything: reactive only", map[string][2]float64{StrategyPredictive: {100, 10}},
			DefaultGuard(), nil, StrategyReactive, "no strategy cuts under-provisioning", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fakeReport(tc.results)
			for k, v := range tc.fallbacks {
				r.LiveFallbacks[k] = v
			}
			var names []string
			for _, s := range Selectable {
				if _, ok := tc.results[s]; ok {
					names = append(names, s)
				}
			}
			ch, err := Choose(r, tc.guard, names...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ch.Strategy)
			assert.Contains(t, ch.Reason, tc.reason)
			assert.Len(t, ch.Candidates, len(names))
			for _, c := range ch.Candidates {
				if why, out := tc.outOfGuard[c.Strategy]; out {
					assert.False(t, c.WithinGuard, c.Strategy)
					assert.Contains(t, c.Why, why)
				}
			}
		})
	}
	r := fakeReport(map[string][2]float64{StrategyPredictive: {115, 4}})
	_, err := Choose(r, DefaultGuard(), StrategyStatic)
	assert.ErrorContains(t, err, `"static-p90" cannot be chosen: pick from predictive, live-weekly`)
	_, err = Choose(r, Guard{MaxExtra: 0.1, Margin: 0.2})
	assert.ErrorContains(t, err, "the guard's extra replica-hours 0.1 or margin 0.2 is invalid")
	_, err = Choose(r, DefaultGuard(), StrategyLiveDaily)
	assert.ErrorContains(t, err, `the report has no "live-daily" result`)
}

func TestChooseBeforeHoldout(t *testing.T) {
	d := dailyDemand(28)
	cfg := DefaultConfig()
	full, err := Run(d, cfg)
	require.NoError(t, err)
	held, err := ChooseBeforeHoldout(d, cfg, full, DefaultGuard())
	require.NoError(t, err)
	assert.Equal(t, cfg.Holdout, held.SelectionHoldout)
	assert.True(t, held.Selection.Start.Before(full.Start), "the choice is made before the hold-out")
	assert.Equal(t, full.Start, held.Selection.Start.Add(cfg.Holdout))
	want, err := full.Compare(held.Choice.Strategy)
	require.NoError(t, err)
	assert.Equal(t, want, held.Comparison)
	assert.NotEqual(t, StrategyReactive, held.Choice.Strategy, "a clean daily cycle gets a floor")

	short, err := Run(dailyDemand(12), cfg)
	require.NoError(t, err)
	held, err = ChooseBeforeHoldout(dailyDemand(12), cfg, short, DefaultGuard())
	require.NoError(t, err)
	assert.Equal(t, 60*time.Hour, held.SelectionHoldout, "half of the 5 days before the hold-out")
}

func TestChartDrawsEveryStrategy(t *testing.T) {
	r, err := Run(dailyDemand(14), DefaultConfig())
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, Chart(&buf, "svg", "every strategy", r))
	for _, name := range Strategies {
		if name != StrategyOracle {
			assert.Contains(t, buf.String(), name)
		}
	}
}

func TestRunRejectsALiveFloorThatReadsTheFuture(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*predict.LiveOptions)
		want string
	}{
		{"lead longer than a day", func(o *predict.LiveOptions) { o.Lead = 25 * time.Hour }, "live offset 24h0m0s with lead 25h0m0s would read the future"},
		{"no window", func(o *predict.LiveOptions) { o.Window = 0 }, "live window 0s is out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.mod(&cfg.Live)
			_, err := Run(dailyDemand(14), cfg)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestNothingToCut checks a hold-out on which reactive-only is never
// under-provisioned: no strategy is said to cut anything (it used to read
// "100.0 % less" everywhere and choose a strategy for a "100 %" cut).
func TestNothingToCut(t *testing.T) {
	r := fakeReport(map[string][2]float64{StrategyPredictive: {100, 0}, StrategyLiveWeekly: {110, 0}})
	r.Results[0].UnderReplicaHours, r.Results[1].UnderReplicaHours = 0, 0
	c, err := r.Compare(StrategyPredictive)
	require.NoError(t, err)
	assert.True(t, c.NothingToCut)
	assert.Zero(t, c.UnderReduction)
	ch, err := Choose(r, DefaultGuard(), StrategyPredictive, StrategyLiveWeekly)
	require.NoError(t, err)
	assert.Equal(t, StrategyReactive, ch.Strategy)
	assert.Equal(t, "reactive-only is never under-provisioned on this hold-out: there is nothing to cut; reactive scaling only", ch.Reason)
	var table bytes.Buffer
	require.NoError(t, r.WriteTable(&table))
	assert.Contains(t, table.String(), "nothing to cut")
	assert.NotContains(t, table.String(), "% less")
}
