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
	// 1 when reactive-only had none and neither has this strategy.
	UnderReduction float64
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
		UnderReduction:    1,
	}
	if re.UnderReplicaHours > 0 {
		c.UnderReduction = 1 - s.UnderReplicaHours/re.UnderReplicaHours
	} else if s.UnderReplicaHours > 0 {
		c.UnderReduction = 0
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
// relative to reactive-only, followed by the planning summary and any
// decline warnings.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "strategy\treplica-hours\tvs reactive\tunder-provisioned replica-hours\t(replica-minutes)\tvs reactive\t\n")
	for _, x := range r.Results {
		c, err := r.Compare(x.Strategy)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%+.1f %%\t%.2f\t(%.0f)\t%s\t\n", x.Strategy, x.ReplicaHours, 100*c.ExtraReplicaHours,
			x.UnderReplicaHours, 60*x.UnderReplicaHours, fmtReduction(x.Strategy, c.UnderReduction))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	days := float64(len(r.Demand)) * r.Resolution.Hours() / 24
	if _, err := fmt.Fprintf(w, "hold-out %s, %.1f days; static floor %d replicas; planned %d times, declined %d\n",
		r.Start.Format("2006-01-02 15:04 MST"), days, r.StaticFloor, r.Plans, r.Declines); err != nil {
		return err
	}
	for _, s := range r.Warnings {
		if _, err := fmt.Fprintf(w, "warning: %s\n", s); err != nil {
			return err
		}
	}
	return nil
}

func fmtReduction(name string, red float64) string {
	if name == StrategyReactive {
		return "—"
	}
	return fmt.Sprintf("%.1f %% less", 100*red)
}
