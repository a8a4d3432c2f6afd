package backtest

import (
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
)

// Names of the strategies beyond reactive-only, static-p90, predictive and
// oracle.
const (
	// StrategyPredictiveRuns is the predictive schedule with one cron
	// window per run of the step function (no nesting).
	StrategyPredictiveRuns = "predictive-runs"
	// StrategyLiveDaily is the live floor one day back.
	StrategyLiveDaily = "live-daily"
	// StrategyLiveWeekly is the live floor one week back.
	StrategyLiveWeekly = "live-weekly"
	// StrategyLiveBoth is the larger of the daily and weekly live floors.
	StrategyLiveBoth = "live-daily+weekly"
	// StrategyPredictiveLive is the larger of the predictive schedule and
	// the weekly live floor.
	StrategyPredictiveLive = "predictive+live"
)

// Strategies lists every strategy Run simulates, in report order.
var Strategies = []string{StrategyReactive, StrategyStatic, StrategyPredictive, StrategyPredictiveRuns,
	StrategyLiveDaily, StrategyLiveWeekly, StrategyLiveBoth, StrategyPredictiveLive, StrategyOracle}

// namedFloor is one strategy's floor on the grid.
type namedFloor struct {
	name  string
	floor []float64
}

// liveOptions returns cfg's live floor with the given offsets, bounded by
// the planning options' replicas.
func (c Config) liveOptions(offsets ...time.Duration) predict.LiveOptions {
	lo := c.Live
	lo.Offsets = offsets
	lo.MinReplicas, lo.MaxReplicas = c.Options.MinReplicas, c.Options.MaxReplicas
	return lo
}

// otherFloors returns the floors of predictive-runs, the live strategies
// and predictive+live on the grid, given the predictive schedule's floor,
// and counts the live floors' fallbacks in rep.
func otherFloors(demand predict.Series, cfg Config, g grid, sched []float64, rep *Report) ([]namedFloor, error) {
	ro := cfg.Options
	ro.Windows = predict.WindowsRuns
	runs, err := planFloor(demand, cfg, ro, g, nil)
	if err != nil {
		return nil, err
	}
	out := []namedFloor{{StrategyPredictiveRuns, runs}}
	rep.LiveFallbacks = map[string]int{}
	for _, l := range []struct {
		name    string
		offsets []time.Duration
	}{
		{StrategyLiveDaily, []time.Duration{predict.Day}},
		{StrategyLiveWeekly, []time.Duration{predict.Week}},
		{StrategyLiveBoth, []time.Duration{predict.Day, predict.Week}},
	} {
		f, fallbacks := liveFloor(demand, cfg.liveOptions(l.offsets...), g)
		out = append(out, namedFloor{l.name, f})
		rep.LiveFallbacks[l.name] = fallbacks
	}
	rep.LiveFallbacks[StrategyPredictiveLive] = rep.LiveFallbacks[StrategyLiveWeekly]
	both := make([]float64, g.n)
	for i := range both {
		both[i] = max(sched[i], out[2].floor[i]) // the weekly live floor
	}
	return append(out, namedFloor{StrategyPredictiveLive, both}), nil
}

// liveFloor evaluates the live floor at every grid step of the hold-out
// (and the warm-up before it) over all of demand — it reads only what was
// recorded before each step — and counts the hold-out steps at which some
// offset had no data (the floor then used the other offset, or none).
func liveFloor(demand predict.Series, lo predict.LiveOptions, g grid) (floor []float64, fallbacks int) {
	floor = make([]float64, g.n)
	for i := range floor {
		v := predict.LiveFloorAt(demand, g.at(i), lo, nil)
		floor[i] = float64(v.Replicas)
		if v.Reason != "" && !g.at(i).Before(g.hold) {
			fallbacks++
		}
	}
	return floor, fallbacks
}
