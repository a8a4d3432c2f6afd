package backtest

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Comparison relates one strategy to reactive-only and static-p90.
type Comparison struct {
	// ExtraReplicaHours is (replica-hours ÷ reactive-only's) − 1.
	ExtraReplicaHours float64
	// UnderReduction is 1 − (under-provisioned replica-hours ÷ reactive-only's);
	// 0 when reactive-only had none (NothingToCut).
	UnderReduction float64
	// NothingToCut is set when reactive-only was never under-provisioned:
	// no strategy can cut anything.
	NothingToCut bool
	// VsStatic is replica-hours ÷ static-p90's replica-hours.
	VsStatic float64
}

// Compare returns how strategy did relative to reactive-only and static-p90.
func (r *Report) Compare(strategy string) (Comparison, error) {
	s, re, st := r.Result(strategy), r.Result(StrategyReactive), r.Result(StrategyStatic)
	if s == nil || re == nil || st == nil {
		return Comparison{}, fmt.Errorf("backtest: the report has no %q result: it has %s", strategy, strings.Join(r.strategies(), ", "))
	}
	c := Comparison{
		ExtraReplicaHours: s.ReplicaHours/re.ReplicaHours - 1,
		VsStatic:          s.ReplicaHours / st.ReplicaHours,
		NothingToCut:      !(re.UnderReplicaHours > 0),
	}
	if !c.NothingToCut {
		c.UnderReduction = 1 - s.UnderReplicaHours/re.UnderReplicaHours
	}
	return c, nil
}

func (r *Report) strategies() []string {
	var names []string
	for _, x := range r.Results {
		names = append(names, x.Strategy)
	}
	return names
}

// WriteTable writes the report as an aligned text table: replica-hours and
// under-provisioned replica-hours (and replica-minutes) per strategy, each
// relative to reactive-only, and for the strategies Choose picks from
// whether they keep to the default guard; then the planning summary, the
// live floors' fallbacks, the choice and any decline warnings.
func (r *Report) WriteTable(w io.Writer) error {
	var choice Choice
	if sel := r.selectable(); len(sel) > 0 {
		var err error
		if choice, err = Choose(r, DefaultGuard(), sel...); err != nil {
			return err
		}
	}
	guard := map[string]string{}
	for _, c := range choice.Candidates {
		guard[c.Strategy] = "within"
		if !c.WithinGuard {
			guard[c.Strategy] = "over"
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "strategy\treplica-hours\tvs reactive\tunder-provisioned replica-hours\t(replica-minutes)\tvs reactive\tguard\t\n")
	for _, x := range r.Results {
		c, err := r.Compare(x.Strategy)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%+.1f %%\t%.2f\t(%.0f)\t%s\t%s\t\n", x.Strategy, x.ReplicaHours, 100*c.ExtraReplicaHours,
			x.UnderReplicaHours, 60*x.UnderReplicaHours, fmtReduction(x.Strategy, c), guard[x.Strategy])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	days := float64(len(r.Demand)) * r.Resolution.Hours() / 24
	lines := []string{fmt.Sprintf("hold-out %s, %.1f days; static floor %d replicas; predictive schedule planned %d times, declined %d",
		r.Start.Format("2006-01-02 15:04 MST"), days, r.StaticFloor, r.Plans, r.Declines)}
	for _, name := range Strategies {
		if n := r.LiveFallbacks[name]; n > 0 {
			lines = append(lines, fmt.Sprintf("%s: no demand recorded one period earlier for %.1f of the %.1f hours (too little history before them)", name,
				float64(n)*r.Resolution.Hours(), days*24))
		}
	}
	if choice.Strategy != "" {
		lines = append(lines, "choice for this history: "+choice.Strategy+": "+choice.Reason)
	}
	for _, s := range r.Warnings {
		lines = append(lines, "warning: "+s)
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, l); err != nil {
			return err
		}
	}
	return nil
}

// selectable returns the strategies of Selectable the report holds.
func (r *Report) selectable() []string {
	var out []string
	for _, s := range Selectable {
		if r.Result(s) != nil {
			out = append(out, s)
		}
	}
	return out
}

func fmtReduction(name string, c Comparison) string {
	switch {
	case name == StrategyReactive:
		return "—"
	case c.NothingToCut:
		return "nothing to cut"
	}
	return fmt.Sprintf("%.1f %% less", 100*c.UnderReduction)
}
