package backtest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
)

// TestTradeOffSweep prints the trade-off curve behind the default settings:
// each row changes one knob from the defaults (or the simulated lag) and
// shows, per trace, the reduction of under-provisioned replica-hours and
// the extra replica-hours against reactive-only ("!" marks more than
// static-p90). It only runs with BACKTEST_SWEEP=1 (about 10 s).
func TestTradeOffSweep(t *testing.T) {
	if os.Getenv("BACKTEST_SWEEP") == "" {
		t.Skip("optional: set BACKTEST_SWEEP=1 to print the trade-off sweep")
	}
	var demands []predict.Series
	var names []string
	for _, tc := range traceCases {
		if tc.control {
			continue
		}
		demands = append(demands, loadDemand(t, tc))
		names = append(names, tc.name)
	}
	type variant struct {
		name string
		mod  func(*Config)
	}
	variants := []variant{{"defaults", func(*Config) {}}}
	add := func(name string, mod func(*predict.Options)) {
		variants = append(variants, variant{name, func(c *Config) { mod(&c.Options) }})
	}
	for _, q := range []float64{0.7, 0.8, 0.95} {
		add(fmt.Sprintf("quantile %.2f", q), func(o *predict.Options) { o.Quantile = q })
	}
	for _, b := range []float64{0, 0.1, 0.15, 0.25, 0.3} {
		add(fmt.Sprintf("max extra cost %.2f", b), func(o *predict.Options) { o.MaxExtraCost = b })
	}
	add("no budget, no cap", func(o *predict.Options) { o.MaxExtraCost, o.CapQuantile = 0, 0 })
	add("no cap", func(o *predict.Options) { o.CapQuantile = 0 })
	add("plain demand (reactive lag 0)", func(o *predict.Options) { o.ReactiveLag = 0 })
	add("plain demand, no budget, no cap", func(o *predict.Options) { o.ReactiveLag, o.MaxExtraCost, o.CapQuantile = 0, 0, 0 })
	for _, la := range []float64{0, 1} {
		add(fmt.Sprintf("level adjustment %.1f", la), func(o *predict.Options) { o.LevelAdjustment = la })
	}
	for _, l := range []time.Duration{0, 15 * time.Minute} {
		add(fmt.Sprintf("lead %v", l), func(o *predict.Options) { o.LeadTime = l })
	}
	add("headroom 0.1", func(o *predict.Options) { o.Headroom = 0.1 })
	for _, k := range []int{4, 16, 48} {
		add(fmt.Sprintf("max windows %d", k), func(o *predict.Options) { o.MaxWindows = k })
	}
	// The same budgets with one window per run (no nesting).
	for _, k := range []int{4, 8, 16} {
		add(fmt.Sprintf("run windows, max %d", k), func(o *predict.Options) { o.MaxWindows, o.Windows = k, predict.WindowsRuns })
	}
	for _, hl := range []time.Duration{72 * time.Hour, 336 * time.Hour} {
		add(fmt.Sprintf("half-life %v", hl), func(o *predict.Options) { o.HalfLife = hl })
	}
	add("min autocorrelation 0.1", func(o *predict.Options) { o.MinAutocorrelation = 0.1 })
	add("min autocorrelation 0.1, no budget", func(o *predict.Options) { o.MinAutocorrelation, o.MaxExtraCost = 0.1, 0 })
	for _, lag := range []time.Duration{5 * time.Minute, 15 * time.Minute} {
		variants = append(variants, variant{fmt.Sprintf("simulated lag %v (planner assumes 10m)", lag), func(c *Config) { c.Lag = lag }})
	}

	var out strings.Builder
	fmt.Fprintf(&out, "\n%-40s", "variant")
	for _, n := range names {
		fmt.Fprintf(&out, " %16s", n)
	}
	fmt.Fprintln(&out, "   target met")
	for _, v := range variants {
		cfg := DefaultConfig()
		v.mod(&cfg)
		fmt.Fprintf(&out, "%-40s", v.name)
		met := 0
		for _, d := range demands {
			r, err := Run(d, cfg)
			require.NoError(t, err)
			c, err := r.Compare(StrategyPredictive)
			require.NoError(t, err)
			mark := " "
			switch {
			case c.VsStatic > 1:
				mark = "!"
			case c.UnderReduction >= 0.7 && c.ExtraReplicaHours <= 0.3:
				mark, met = "*", met+1
			}
			fmt.Fprintf(&out, "  %5.1f%% %+6.1f%%%s", 100*c.UnderReduction, 100*c.ExtraReplicaHours, mark)
		}
		fmt.Fprintf(&out, "   %d\n", met)
	}
	t.Log(out.String())
}

// TestWindowModelExcess prints, per trace, how far above its profile the
// step function of each window model lies (replica-hours of the step
// function over those of the profile, less 1, averaged over the plans of
// the hold-out) at the default budget of 8 windows: one window per run,
// nested windows, and one window per run with twice the budget (a bound
// nested windows cannot beat). It only runs with BACKTEST_SWEEP=1.
func TestWindowModelExcess(t *testing.T) {
	if os.Getenv("BACKTEST_SWEEP") == "" {
		t.Skip("optional: set BACKTEST_SWEEP=1 to print the window models' excess over the profile")
	}
	var out strings.Builder
	fmt.Fprintf(&out, "\n%-18s %6s %14s %14s %14s\n", "trace", "plans", "runs, 8", "nested, 8", "runs, 16")
	for _, tc := range traceCases {
		if tc.declines {
			continue
		}
		d := loadDemand(t, tc)
		cfg := DefaultConfig()
		hold := d.End().Add(-cfg.Holdout)
		var sums [3]float64
		plans := 0
		for at := hold; at.Before(d.End()); at = at.Add(cfg.Replan) {
			sc, err := predict.Plan(d.Slice(d.Start, at), cfg.Options)
			require.NoError(t, err)
			var prof int64
			for _, v := range sc.SlotProfile {
				prof += int64(v)
			}
			minR, k := cfg.Options.MinReplicas, cfg.Options.MaxWindows
			_, runs := predict.OptimalSteps(sc.SlotProfile, minR, k)
			_, nested := predict.OptimalNestedSteps(sc.SlotProfile, minR, k)
			_, runs2 := predict.OptimalSteps(sc.SlotProfile, minR, 2*k)
			for i, c := range []int64{runs, nested, runs2} {
				sums[i] += float64(c)/float64(prof) - 1
			}
			plans++
		}
		fmt.Fprintf(&out, "%-18s %6d %13.1f%% %13.1f%% %13.1f%%\n", tc.name, plans,
			100*sums[0]/float64(plans), 100*sums[1]/float64(plans), 100*sums[2]/float64(plans))
	}
	t.Log(out.String())
}
