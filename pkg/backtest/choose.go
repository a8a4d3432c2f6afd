package backtest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
)

// Guard is the cost a chosen strategy may add.
type Guard struct {
	// MaxExtra is the most replica-hours over reactive-only, as a fraction
	// of reactive-only's (0.3 = +30 %).
	MaxExtra float64
	// NotAboveStatic also requires no more replica-hours than static-p90.
	NotAboveStatic bool
	// Margin is kept below MaxExtra by the strategies with a live floor on
	// the backtest a choice is made on: they qualify with at most
	// MaxExtra − Margin, since nothing else bounds what they cost in the
	// weeks after (a live floor copies last week's load; the schedule
	// fits its own cost budget when it is planned).
	Margin float64
}

// DefaultGuard is +30 % replica-hours over reactive-only and never more
// than a static p90 floor, with a margin of 10 points for live floors (at
// most +20 % on the backtest).
func DefaultGuard() Guard { return Guard{MaxExtra: 0.3, NotAboveStatic: true, Margin: 0.1} }

// hasLive tells whether a strategy includes a live floor.
func hasLive(name string) bool {
	return name == StrategyLiveDaily || name == StrategyLiveWeekly || name == StrategyLiveBoth || name == StrategyPredictiveLive
}

// Selectable lists the strategies Choose picks from by default: those the
// tool can emit (a cron schedule, a live floor, or both).
var Selectable = []string{StrategyPredictive, StrategyLiveWeekly, StrategyLiveDaily, StrategyLiveBoth, StrategyPredictiveLive}

// maxFallback is the largest share of the hold-out on which a live floor
// may have fallen back for want of history and still be judged.
const maxFallback = 0.1

// Candidate is one strategy's figures against reactive-only and the guard.
type Candidate struct {
	// Strategy is the strategy's name.
	Strategy string
	Comparison
	// WithinGuard tells whether the strategy keeps to the guard; Why says
	// which limit it broke otherwise.
	WithinGuard bool
	Why         string
}

// Choice is the outcome of Choose.
type Choice struct {
	// Strategy is the chosen strategy, StrategyReactive when none qualifies.
	Strategy string
	// Reason says why, with the figures.
	Reason string
	// Candidates are the strategies considered, in the order asked.
	Candidates []Candidate
}

// Choose picks, among strategies (Selectable when empty), the one with the
// largest cut of under-provisioned replica-hours that keeps to guard
// (ties: fewer replica-hours, then the earlier in strategies). When none
// keeps to the guard or none cuts anything, it chooses reactive-only, and
// says so.
func Choose(r *Report, guard Guard, strategies ...string) (Choice, error) {
	if len(strategies) == 0 {
		strategies = Selectable
	}
	if !(guard.MaxExtra >= 0) || !(guard.Margin >= 0 && guard.Margin <= guard.MaxExtra) {
		return Choice{}, fmt.Errorf("backtest: the guard's extra replica-hours %v or margin %v is invalid: the extra must be 0 or more (0.3 = +30 %%) and the margin from 0 to the extra", guard.MaxExtra, guard.Margin)
	}

	ch := Choice{Strategy: StrategyReactive}
	best := -1
	for _, name := range strategies {
		if name == StrategyReactive || name == StrategyOracle || name == StrategyStatic {
			return Choice{}, fmt.Errorf("backtest: %q cannot be chosen: pick from %s", name, strings.Join(Selectable, ", "))
		}
		c, err := r.Compare(name)
		if err != nil {
			return Choice{}, err
		}
		cand := Candidate{Strategy: name, Comparison: c, WithinGuard: true}
		limit := guard.MaxExtra
		if hasLive(name) {
			limit -= guard.Margin
		}
		fell := float64(r.LiveFallbacks[name]) / float64(max(1, len(r.Demand)))
		switch {
		case fell > maxFallback:
			cand.WithinGuard, cand.Why = false, fmt.Sprintf("cannot be judged: no demand recorded one period earlier for %.0f %% of the hold-out (too little history before it)", 100*fell)
		case c.ExtraReplicaHours > limit+1e-9:
			cand.WithinGuard, cand.Why = false, fmt.Sprintf("%+.1f %% replica-hours is above the guard's %+.0f %%", 100*c.ExtraReplicaHours, 100*limit)
		case guard.NotAboveStatic && c.VsStatic > 1+1e-9:
			cand.WithinGuard, cand.Why = false, fmt.Sprintf("%.2f× the replica-hours of a static p90 floor", c.VsStatic)
		}
		ch.Candidates = append(ch.Candidates, cand)
		if cand.WithinGuard && c.UnderReduction > 0 && (best < 0 || better(cand, ch.Candidates[best])) {
			best = len(ch.Candidates) - 1
		}
	}
	if best < 0 && len(ch.Candidates) > 0 && ch.Candidates[0].NothingToCut {
		ch.Reason = "reactive-only is never under-provisioned on this hold-out: there is nothing to cut; reactive scaling only"
		return ch, nil
	}
	if best < 0 {
		ch.Reason = "no strategy cuts under-provisioning within the guard (" + guardText(guard) + "): reactive scaling only"
		if i := slices.IndexFunc(ch.Candidates, func(c Candidate) bool { return !c.WithinGuard }); i >= 0 {
			ch.Reason += "; e.g. " + ch.Candidates[i].Strategy + ": " + ch.Candidates[i].Why
		}
		return ch, nil
	}
	b := ch.Candidates[best]
	ch.Strategy = b.Strategy
	ch.Reason = fmt.Sprintf("%s cuts under-provisioned replica-hours by %.1f %% at %+.1f %% replica-hours (%.2f× static p90), the largest cut within the guard (%s)",
		b.Strategy, 100*b.UnderReduction, 100*b.ExtraReplicaHours, b.VsStatic, guardText(guard))
	return ch, nil
}

// better orders candidates within the guard: larger cut, then fewer
// replica-hours.
func better(a, b Candidate) bool {
	if d := a.UnderReduction - b.UnderReduction; d > 1e-9 || d < -1e-9 {
		return d > 0
	}
	return a.ExtraReplicaHours < b.ExtraReplicaHours-1e-9
}

func guardText(g Guard) string {
	s := fmt.Sprintf("≤ %+.0f %% replica-hours vs reactive-only", 100*g.MaxExtra)
	if g.Margin > 0 {
		s += fmt.Sprintf(" (live floors: ≤ %+.0f %% on this history)", 100*(g.MaxExtra-g.Margin))
	}
	if g.NotAboveStatic {
		s += ", never above a static p90 floor"
	}
	return s
}

// Held is a strategy chosen on the data before the hold-out and measured on
// the hold-out: what choosing per workload would have done, without
// knowing the hold-out.
type Held struct {
	// Choice is the choice made on Selection.
	Choice Choice
	// Selection is the backtest the choice was made on: the series up to
	// the hold-out, its own last SelectionHoldout held out.
	Selection        *Report
	SelectionHoldout time.Duration
	// Comparison is the chosen strategy on the full report's hold-out.
	Comparison Comparison
}

// ChooseBeforeHoldout runs the backtest of the series up to full's hold-out
// (holding out the last cfg.Holdout of it, or half of it when it is
// shorter than twice that), chooses there under guard, and returns the
// chosen strategy's figures on full's hold-out.
func ChooseBeforeHoldout(demand predict.Series, cfg Config, full *Report, guard Guard) (Held, error) {
	before := demand.Slice(demand.Start, full.Start)
	span := before.End().Sub(before.Start)
	sel := cfg
	sel.Holdout = min(cfg.Holdout, (span / 2).Truncate(cfg.Resolution))
	r, err := Run(before, sel)
	if err != nil {
		return Held{}, fmt.Errorf("backtest: choosing on the data before the hold-out: %w", err)
	}
	ch, err := Choose(r, guard, r.selectable()...)
	if err != nil {
		return Held{}, err
	}
	c, err := full.Compare(ch.Strategy)
	if err != nil {
		return Held{}, err
	}
	return Held{Choice: ch, Selection: r, SelectionHoldout: sel.Holdout, Comparison: c}, nil
}
