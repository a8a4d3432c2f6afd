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

// Render writes the plans as text tables.
func Render(w io.Writer, plans []*Plan) error {
	if len(plans) == 0 {
		_, err := fmt.Fprintln(w, "No workload opts in (annotation ml-autoscaling.io/enabled: \"true\").")
		return err
	}
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
