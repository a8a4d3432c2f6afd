// Package scope decides which workloads of the input are the tool's, and
// with which settings. A workload opts in through, in this order of
// precedence, its own metadata.annotations, its pod template's annotations
// (what a chart's podAnnotations value sets), or the policy's rules, which
// select workloads by kind, name, namespace, labels and images without any
// change to the chart; its settings come from the same sources, then from
// the profile, the policy defaults and the built-in defaults, and each
// setting records where it came from. Workloads that carry ml-autoscaling.io/
// keys or that a rule selects, but that end up not scaled, are listed with
// the reason. Every door and command (the KRM function, the post-renderer and
// its cheap scan, plan, record, backtest) asks this package, so that they
// agree. It is pure: no I/O.
package scope

import (
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Sources of an opt-in or a setting, as shown in explanations.
const (
	// SourceAnnotation is the workload's metadata.annotations.
	SourceAnnotation = annotations.SourceAnnotation
	// SourcePodAnnotation is the pod template's metadata.annotations.
	SourcePodAnnotation = "pod-template annotation"
	// SourceRulePrefix starts the source of a setting given by a policy rule ("policy rule <name>").
	SourceRulePrefix = "policy rule "
)

// PodAnnotationsPath is the field path of the pod template's annotations.
const PodAnnotationsPath = "spec.template.metadata.annotations"

// Scope is the compiled scope rules of one policy and release namespace.
type Scope struct {
	policy *config.Policy
	// release is the namespace of resources that omit one; "" when unknown.
	release string
	rules   []*rule
}

// New compiles the scope rules of policy (nil: built-in defaults) for a
// release namespace ("" when unknown).
func New(policy *config.Policy, releaseNamespace string) *Scope {
	if policy == nil {
		policy = config.Default()
	}
	return &Scope{policy: policy, release: releaseNamespace, rules: compileRules(policy)}
}

// Workload is an in-scope workload with its resolved settings.
type Workload struct {
	*workload.Workload
	// Spec holds the resolved settings; Spec.Sources says where each came from.
	Spec *annotations.Spec
	// OptIn names what opted the workload in, and OptInDetail shows it.
	OptIn, OptInDetail string
	// Rules are the names of the policy rules that select the workload, in policy order.
	Rules []string
	// Namespace is the workload's namespace, or the release namespace when it
	// has none; "" when both are unknown.
	Namespace string
	// fields maps setting keys given below the workload's own annotations
	// (and enabled, when something else opted it in) to the field that gave them.
	fields map[string]string
}

// Locate rewrites the field of diagnostics about the workload that name an
// annotation (ml-autoscaling.io/<key>) to where that setting was given: the
// pod template's annotations or a policy rule.
func (w *Workload) Locate(l diag.List) diag.List {
	for i := range l {
		if key, ok := strings.CutPrefix(l[i].Field, annotations.Prefix); ok && l[i].Resource == w.Ref {
			if f, ok := w.fields[key]; ok {
				l[i].Field = f
			}
		}
	}
	return l
}

// ErrorsBelow is the reason given for a workload that is not scaled because
// of errors, which the diagnostics list.
const ErrorsBelow = "errors, listed below"

// NotScaled is a workload that carries ml-autoscaling.io/ keys or that a
// rule selects, but that the tool does not scale.
type NotScaled struct {
	Node   *yaml.RNode
	Ref    diag.Ref
	Reason string
}

// Decision is the scope decision over one input.
type Decision struct {
	// InScope are the workloads to scale, in input order.
	InScope []*Workload
	// NotScaled are the workloads that carry keys or that a rule selects but
	// that are not scaled, in input order, each with the reason.
	NotScaled []NotScaled
	// Candidates are the workload nodes the decision looked into: those in
	// InScope and NotScaled, those with errors, and those that mention
	// ml-autoscaling.io elsewhere (the transform checks their structure).
	Candidates map[*yaml.RNode]bool
	// Diagnostics are the errors the decision found.
	Diagnostics diag.List
}

// Decide returns the scope decision over items (Lists already expanded) for
// policy (nil: built-in defaults) and the release namespace ("" when unknown).
func Decide(items []*yaml.RNode, policy *config.Policy, releaseNamespace string) *Decision {
	return New(policy, releaseNamespace).Decide(items)
}

type wkey struct{ kind, namespace, name string }

// Decide returns the scope decision over items (Lists already expanded).
func (s *Scope) Decide(items []*yaml.RNode) *Decision {
	d := &Decision{Candidates: map[*yaml.RNode]bool{}}
	seen := map[wkey]*Workload{}
	for _, n := range items {
		if !isWorkload(n) {
			continue
		}
		v, ok := s.read(n, &d.Diagnostics)
		if !ok {
			continue
		}
		d.Candidates[n] = true
		if v == nil || !v.decides {
			continue // unreadable (reported), or nothing to decide
		}
		w := s.decide(v, &d.Diagnostics)
		switch {
		case w == nil:
			d.NotScaled = append(d.NotScaled, NotScaled{Node: n, Ref: v.ref, Reason: ErrorsBelow})
		case w.reason != "":
			d.NotScaled = append(d.NotScaled, NotScaled{Node: n, Ref: v.ref, Reason: w.reason})
		default:
			k := wkey{v.kind, w.in.Namespace, v.name}
			if prev, dup := seen[k]; dup {
				d.Diagnostics.Errorf(v.ref, "metadata.name", v.name, "one resource per kind, namespace and name", "duplicate of an earlier %s in the input", prev.Ref.Kind)
				d.NotScaled = append(d.NotScaled, NotScaled{Node: n, Ref: v.ref, Reason: ErrorsBelow})
				continue
			}
			seen[k] = w.in
			d.InScope = append(d.InScope, w.in)
		}
	}
	return d
}

func isWorkload(n *yaml.RNode) bool {
	return n.YNode().Kind == yaml.MappingNode && workload.IsScalable(n.GetApiVersion(), n.GetKind())
}

// Candidate reports whether the decision looks into workload node n: it
// carries ml-autoscaling.io/ keys on itself or its pod template, mentions
// ml-autoscaling.io anywhere, or a rule selects it or might.
func (s *Scope) Candidate(n *yaml.RNode) bool {
	if !isWorkload(n) {
		return false
	}
	var ignore diag.List
	_, ok := s.read(n, &ignore)
	return ok
}

// Namespace returns the namespace a resource is in: its own, else the
// release namespace; "" when both are unknown.
func (s *Scope) Namespace(own string) string {
	if own != "" {
		return own
	}
	return s.release
}

// Markers returns the byte strings of which a workload document must hold
// one for the decision to look into it, for the post-renderer's cheap scan.
// Escape sequences of double-quoted YAML can spell any key, name or kind,
// so a document that uses one is looked into too.
func (s *Scope) Markers() [][]byte {
	out := [][]byte{[]byte(strings.TrimSuffix(annotations.Prefix, "/")), []byte(`\x`), []byte(`\u`), []byte(`\U`)}
	if len(s.rules) == 0 {
		return out
	}
	// an escaped slash or line break can join the parts of a name or an image
	out = append(out, []byte(`\/`), []byte("\\\n"), []byte("\\\r\n"))
	seen := map[string]bool{}
	for _, r := range s.rules {
		for _, m := range r.markers() {
			if !seen[m] {
				seen[m] = true
				out = append(out, []byte(m))
			}
		}
	}
	return out
}

// HistoryNamespace returns the namespace a workload's recorded history
// names: the workload's own, else the release namespace, else
// history.DefaultNamespace. `record` writes histories with it and the
// transform matches them with it, so a history recorded without a namespace
// is found by a run that knows none either.
func (s *Scope) HistoryNamespace(own string) string {
	if ns := s.Namespace(own); ns != "" {
		return ns
	}
	return history.DefaultNamespace
}
