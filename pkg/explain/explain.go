// Package explain records, per workload, every decision the transform made
// and why, and renders it as a readable table for the plan command and the
// --explain flag.
package explain

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

// Plan is the explanation for one workload.
type Plan struct {
	Workload diag.Ref
	// Class says what kind of workload was detected (e.g. "CPU workload", "GPU workload").
	Class string
	// Rows hold settings: bounds, behaviour, HPA handling.
	Rows []Row
	// Triggers hold one line per trigger.
	Triggers []Trigger
	// NotScaled, when set, says why the workload is not scaled although it
	// carries ml-autoscaling.io/ keys or a policy rule selects it; such a
	// plan has no rows or triggers.
	NotScaled string
}

// Row is one decided setting and the reason for it.
type Row struct {
	Setting string
	Value   string
	Why     string
}

// Trigger describes one generated trigger.
type Trigger struct {
	Name   string
	Type   string
	Detail string
}

// Add appends a setting row.
func (p *Plan) Add(setting, value, why string) {
	p.Rows = append(p.Rows, Row{Setting: setting, Value: value, Why: why})
}

// NoneOptsIn is what Render writes when no workload is scaled and none is
// listed as not scaled either.
const NoneOptsIn = "No workload opts in (ml-autoscaling.io/enabled: \"true\" on the workload or its pod template, or a policy rule that selects it)."

// NoneScaled is what Render writes when no workload is scaled but some are
// listed, with the reason, as not scaled (one may have opted in and have
// errors).
const NoneScaled = "No workload is scaled."

// Render writes the plans of scaled workloads as text tables, then the
// workloads that are not scaled, each with the reason.
func Render(w io.Writer, plans []*Plan) error {
	var scaled, skipped []*Plan
	for _, p := range plans {
		if p.NotScaled != "" {
			skipped = append(skipped, p)
		} else {
			scaled = append(scaled, p)
		}
	}
	if len(scaled) == 0 {
		headline := NoneOptsIn
		if len(skipped) > 0 {
			headline = NoneScaled
		}
		if _, err := fmt.Fprintln(w, headline); err != nil {
			return err
		}
	}
	if err := renderScaled(w, scaled); err != nil {
		return err
	}
	if len(skipped) == 0 {
		return nil
	}
	if len(scaled) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Not scaled:")
	for _, p := range skipped {
		if _, err := fmt.Fprintf(w, "  %s: %s\n", p.Workload.String(), oneLine(p.NotScaled)); err != nil {
			return err
		}
	}
	return nil
}

func renderScaled(w io.Writer, plans []*Plan) error {
	for i, p := range plans {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s  [%s]\n", p.Workload.String(), p.Class)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  SETTING\tVALUE\tWHY")
		for _, r := range p.Rows {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Setting, oneLine(r.Value), r.Why)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w, "  TRIGGERS")
		for _, t := range p.Triggers {
			fmt.Fprintf(w, "  - %s (%s): %s\n", t.Name, t.Type, oneLine(t.Detail))
		}
	}
	return nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
