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
