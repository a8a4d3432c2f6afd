// Package backtest replays a recorded demand series against autoscaling
// strategies and measures what each costs (replica-hours) and how much
// demand it leaves unserved (under-provisioned replica-hours):
//
//   - reactive-only: a reactive autoscaler that sees demand Lag late and
//     scales down only after Cooldown (what KEDA + the HPA do on their own);
//   - static-p90: the same with a constant floor at the p90 of the training
//     demand;
//   - predictive: the same with the predictive schedule (pkg/predict, cron
//     windows that may nest) as the floor, re-planned every Replan on the
//     data up to that moment; predictive-runs: the same with one window per
//     run of the step function (the older model);
//   - live-daily, live-weekly, live-daily+weekly: the same with the live
//     seasonal floor (predict.LiveFloorAt), which reads the demand one day,
//     one week or both earlier, ahead by the lead, at every moment;
//   - predictive+live: the larger of the schedule and the weekly live floor;
//   - oracle: capacity equal to demand at every instant.
//
// Choose picks, from a report, the strategy that cuts under-provisioning
// most within a cost guard.
//
// Training is everything before the last Holdout of the series; the
// hold-out is simulated on a one-minute grid (demand of a sample holds for
// its whole step). The package is pure: CSV and charts go through
// io.Reader and io.Writer.
package backtest

import (
	"fmt"
	"math"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
)

// Strategy names as they appear in a Report.
const (
	// StrategyReactive is the reactive autoscaler alone.
	StrategyReactive = "reactive-only"
	// StrategyStatic is the reactive autoscaler over a constant floor.
	StrategyStatic = "static-p90"
	// StrategyPredictive is the reactive autoscaler over the predictive
	// schedule.
	StrategyPredictive = "predictive"
	// StrategyOracle is capacity equal to demand.
	StrategyOracle = "oracle"
)

// Config controls a backtest. Start from DefaultConfig.
type Config struct {
	// Holdout is the length of the simulated tail of the series (the rest
	// is training data).
	Holdout time.Duration
	// Replan is how often the predictive schedule is planned again, each
	// time from all data up to that moment.
	Replan time.Duration
	// Lag is how late the reactive autoscaler sees demand.
	Lag time.Duration
	// Cooldown is how long desired replicas must stay lower before the
	// reactive autoscaler scales down.
	Cooldown time.Duration
	// Resolution is the simulation step; a whole divisor of Lag, Cooldown
	// and Replan is best.
	Resolution time.Duration
	// StaticQuantile is the quantile of the training demand used as the
	// static floor.
	StaticQuantile float64
	// MaxReplicas caps the reactive autoscaler (0: no cap); the predictive
	// floor is capped by Options.MaxReplicas.
	MaxReplicas int
	// Options are the planning options; Options.MinReplicas is the floor of
	// every strategy except the oracle.
	Options predict.Options
	// Live holds the live floors' lead, window, headroom and quantile; their
	// offsets and bounds come from the strategy and from Options.
	Live predict.LiveOptions
}

// DefaultConfig returns the defaults of `ml-autoscaling backtest`: 7 days
// of hold-out, re-planning every 24 h, a 10-minute lag, a 5-minute cooldown,
// one-minute resolution, a p90 static floor, no replica cap and
// predict.DefaultOptions with MaxReplicas raised to 1000 (a backtest
// measures the schedule, not the workload's cap).
func DefaultConfig() Config {
	o := predict.DefaultOptions()
	o.MaxReplicas = 1000
	return Config{
		Holdout:        7 * 24 * time.Hour,
		Replan:         24 * time.Hour,
		Lag:            10 * time.Minute,
		Cooldown:       5 * time.Minute,
		Resolution:     time.Minute,
		StaticQuantile: 0.9,
		Options:        o,
		Live:           predict.DefaultLiveOptions(),
	}
}

// MaxLag bounds Lag and Cooldown: a day, the longest cooldown-period an
// annotation may set. The simulation's time grows with both.
const MaxLag = 24 * time.Hour

// Validate reports the first setting that is out of range.
func (c Config) Validate() error {
	switch {
	case c.Resolution <= 0:
		return fmt.Errorf("backtest: resolution %v is invalid: it must be positive, e.g. 1m", c.Resolution)
	case c.Holdout < c.Resolution:
		return fmt.Errorf("backtest: hold-out %v is invalid: it must be at least the resolution (%v), e.g. 7d = 168h", c.Holdout, c.Resolution)
	case c.Replan < c.Resolution:
		return fmt.Errorf("backtest: re-plan interval %v is invalid: it must be at least the resolution (%v), e.g. 24h", c.Replan, c.Resolution)
	case c.Lag < 0 || c.Lag > MaxLag:
		return fmt.Errorf("backtest: lag %v is out of range: it must be from 0 to %v, e.g. 10m", c.Lag, MaxLag)
	case c.Cooldown < 0 || c.Cooldown > MaxLag:
		return fmt.Errorf("backtest: cooldown %v is out of range: it must be from 0 to %v (the longest cooldown-period an annotation sets), e.g. 5m", c.Cooldown, MaxLag)
	case !(c.StaticQuantile > 0 && c.StaticQuantile <= 1):
		return fmt.Errorf("backtest: static quantile %v is out of range: it must be in (0, 1]", c.StaticQuantile)
	case c.MaxReplicas < 0:
		return fmt.Errorf("backtest: max replicas %d is negative: use 0 for no cap", c.MaxReplicas)
	}
	if err := c.Options.Validate(); err != nil {
		return err
	}
	return c.liveOptions(predict.Day, predict.Week).Validate()
}

// Result is what one strategy did over the hold-out.
type Result struct {
	// Strategy is one of the Strategy… names.
	Strategy string
	// ReplicaHours is the capacity provided, summed over the hold-out.
	ReplicaHours float64
	// UnderReplicaHours is the demand not covered by capacity, summed.
	UnderReplicaHours float64
	// Capacity is the replicas at every step of the report's grid.
	Capacity []float64
}

// Report is the outcome of Run.
type Report struct {
	// Start is the beginning of the hold-out; Resolution the grid step.
	Start      time.Time
	Resolution time.Duration
	// Demand is the demand in replicas at every step (NaN: gap, not
	// counted by any strategy).
	Demand []float64
	// Results holds reactive-only, static-p90, predictive, the other
	// predictive strategies (Strategies) and oracle, in that order.
	Results []Result
	// Floor is the predictive floor at every step (MinReplicas when the
	// plan declined).
	Floor []float64
	// Floors holds the floor of every strategy that has one, by name.
	Floors map[string][]float64
	// LiveFallbacks counts, per strategy with a live floor, the hold-out
	// steps at which some offset had no demand recorded one period earlier
	// (the floor used the other offset, or none).
	LiveFallbacks map[string]int
	// StaticFloor is the static floor's level.
	StaticFloor int
	// Plans is how many times the schedule was planned; Declines how many
	// of those declined, and Warnings their distinct reasons.
	Plans, Declines int
	Warnings        []string
	// Schedules are the schedules that were planned, in order (nil for a
	// decline).
	Schedules []*predict.Schedule
}

// Result returns the result of the named strategy (nil if absent).
func (r *Report) Result(strategy string) *Result {
	for i := range r.Results {
		if r.Results[i].Strategy == strategy {
			return &r.Results[i]
		}
	}
	return nil
}

// Run backtests a demand series in replicas under cfg.
func Run(demand predict.Series, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if demand.Step <= 0 {
		return nil, fmt.Errorf("backtest: series step %v is invalid: it must be positive", demand.Step)
	}
	end := demand.End()
	hold := end.Add(-cfg.Holdout)
	if !hold.After(demand.Start) {
		return nil, fmt.Errorf("backtest: the series spans %v, not more than the hold-out %v: there is no training data", end.Sub(demand.Start), cfg.Holdout)
	}
	res := cfg.Resolution
	warm := int((cfg.Lag + cfg.Cooldown + res - 1) / res)
	gridStart := hold.Add(-time.Duration(warm) * res)
	n := int(end.Sub(gridStart) / res)
	dem := make([]float64, n)
	for i := range dem {
		t := gridStart.Add(time.Duration(i) * res)
		dem[i] = math.NaN()
		if !t.Before(demand.Start) {
			if j := int(t.Sub(demand.Start) / demand.Step); j < len(demand.Values) {
				dem[i] = demand.Values[j]
			}
		}
	}
	minR := cfg.Options.MinReplicas
	train := demand.Slice(demand.Start, hold)
	if err := requireData(train.Values, "training data (before the hold-out", demand.Start, hold); err != nil {
		return nil, err
	}
	if err := requireData(dem[warm:], "hold-out (the last "+cfg.Holdout.String(), hold, end); err != nil {
		return nil, err
	}
	static := minR
	if q := Quantile(train.Values, cfg.StaticQuantile); !math.IsNaN(q) {
		static = max(minR, int(math.Ceil(q-1e-9)))
	}

	rep := &Report{Start: hold, Resolution: res, StaticFloor: static}
	g := grid{start: gridStart, res: res, n: n, hold: hold, end: end}
	floor, err := planFloor(demand, cfg, cfg.Options, g, rep)
	if err != nil {
		return nil, err
	}
	staticFloor := make([]float64, n)
	for i := range staticFloor {
		staticFloor[i] = float64(static)
	}
	floors, err := otherFloors(demand, cfg, g, floor, rep)
	if err != nil {
		return nil, err
	}
	lag := int(cfg.Lag / res)
	cool := int(cfg.Cooldown / res)
	sims := []struct {
		name string
		cap  []float64
	}{
		{StrategyReactive, Simulate(dem, nil, lag, cool, minR, cfg.MaxReplicas)},
		{StrategyStatic, Simulate(dem, staticFloor, lag, cool, minR, cfg.MaxReplicas)},
		{StrategyPredictive, Simulate(dem, floor, lag, cool, minR, cfg.MaxReplicas)},
	}
	for _, f := range floors {
		sims = append(sims, struct {
			name string
			cap  []float64
		}{f.name, Simulate(dem, f.floor, lag, cool, minR, cfg.MaxReplicas)})
	}
	sims = append(sims, struct {
		name string
		cap  []float64
	}{StrategyOracle, oracle(dem, minR)})
	rep.Demand = dem[warm:]
	rep.Floor = floor[warm:]
	rep.Floors = map[string][]float64{StrategyPredictive: rep.Floor}
	for _, f := range floors {
		rep.Floors[f.name] = f.floor[warm:]
	}
	for _, s := range sims {
		r := Result{Strategy: s.name, Capacity: s.cap[warm:]}
		r.ReplicaHours, r.UnderReplicaHours = Score(rep.Demand, r.Capacity, res)
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

// requireData fails when values holds no recorded demand (every value is a
// gap): no strategy could be measured, and every ratio would be NaN.
func requireData(values []float64, part string, from, to time.Time) error {
	for _, v := range values {
		if !math.IsNaN(v) {
			return nil
		}
	}
	return fmt.Errorf("backtest: the %s, %s to %s) holds no recorded demand, only gaps: nothing to measure; record a history with data there, or change --holdout",
		part, from.Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04"))
}

// grid is the simulation grid: n steps of res from start; the hold-out is
// [hold, end).
type grid struct {
	start     time.Time
	res       time.Duration
	n         int
	hold, end time.Time
}

// at returns the time of grid step i.
func (g grid) at(i int) time.Time { return g.start.Add(time.Duration(i) * g.res) }

// planFloor plans the schedule with o every Replan over the hold-out, on
// the data up to that moment, and returns its floor on the grid
// (MinReplicas after a decline). With rep it records the plans, declines
// and warnings there.
func planFloor(demand predict.Series, cfg Config, o predict.Options, g grid, rep *Report) ([]float64, error) {
	floor := make([]float64, g.n)
	for i := range floor {
		floor[i] = float64(o.MinReplicas)
	}
	seen := map[string]bool{}
	for t := g.hold; t.Before(g.end); t = t.Add(cfg.Replan) {
		sc, err := predict.Plan(demand.Slice(demand.Start, t), o)
		if rep != nil {
			rep.Plans++
			rep.Schedules = append(rep.Schedules, sc)
		}
		if err != nil {
			if !predict.IsDecline(err) {
				return nil, err
			}
			if rep != nil {
				rep.Declines++
				if !seen[err.Error()] {
					seen[err.Error()] = true
					rep.Warnings = append(rep.Warnings, err.Error())
				}
			}
			continue
		}
		lo := int(t.Sub(g.start) / g.res)
		hi := min(g.n, int(t.Add(cfg.Replan).Sub(g.start)/g.res))
		for i := lo; i < hi; i++ {
			floor[i] = float64(sc.ReplicasAt(g.at(i)))
		}
	}
	return floor, nil
}

// Simulate runs the reactive autoscaler over demand (one value per grid
// step, NaN for a gap): at step t it wants max(demand[t-lag], floor[t],
// minR) — a gap holds the last value it saw; the floor applies with no lag
// — capped at maxR (0: no cap), and it keeps the largest of those wishes over
// the last cooldown steps, so it scales down only once demand has stayed
// lower for the cooldown. A nil floor means none.
func Simulate(demand, floor []float64, lag, cooldown, minR, maxR int) []float64 {
	n := len(demand)
	want := make([]float64, n)
	last := float64(minR)
	for t := range n {
		if j := t - lag; j >= 0 && !math.IsNaN(demand[j]) {
			last = demand[j]
		}
		w := max(last, float64(minR))
		if maxR > 0 {
			w = min(w, float64(maxR))
		}
		if floor != nil {
			w = max(w, floor[t])
		}
		want[t] = w
	}
	out := make([]float64, n)
	for t := range n {
		c := want[t]
		for j := max(0, t-cooldown+1); j < t; j++ {
			c = max(c, want[j])
		}
		out[t] = c
	}
	return out
}

func oracle(demand []float64, minR int) []float64 {
	out := make([]float64, len(demand))
	for i, d := range demand {
		out[i] = float64(minR)
		if !math.IsNaN(d) {
			out[i] = max(d, float64(minR))
		}
	}
	return out
}

// Score returns the replica-hours of capacity and the under-provisioned
// replica-hours (demand above capacity) over the steps where demand is
// known.
func Score(demand, capacity []float64, step time.Duration) (replicaHours, underHours float64) {
	h := step.Hours()
	for i, d := range demand {
		if math.IsNaN(d) {
			continue
		}
		replicaHours += capacity[i] * h
		underHours += math.Max(0, d-capacity[i]) * h
	}
	return replicaHours, underHours
}
