package scope

import (
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// view is what the decision reads of one workload node.
type view struct {
	node        *yaml.RNode
	ref         diag.Ref
	kind, name  string
	ann, podAnn map[string]string
	subject     subject
	// outcomes holds each rule's answer, in policy order.
	outcomes []outcome
	// decides is true when the workload carries keys or a rule selects it
	// (or might): the decision resolves it and lists it if not scaled.
	decides bool
}

// read returns the view of workload node n and whether n is a candidate
// (see Candidate). A candidate whose metadata or pod-template metadata
// cannot be read gives a nil view and an error in diags.
// A workload that mentions ml-autoscaling.io only outside its annotations
// (say, twice-given metadata of which the first has none) is a candidate,
// so that its structure is checked, but it is not decided on.
func (s *Scope) read(n *yaml.RNode, diags *diag.List) (*view, bool) {
	kind := n.GetKind()
	images := containerImages(n)
	if bad := unreadable(n); bad != "" {
		// rules see no name and no labels of such a workload
		blank := subject{kind: kind, images: images}
		if !mentions(n.YNode(), annotations.Prefix, 0) && !s.anyRule(blank) {
			return nil, false
		}
		diags.Errorf(workload.RefOf(n), bad, "", "a mapping (metadata: {name: …, namespace: …, labels: {…}, annotations: {…}})", "%s is not a mapping", bad)
		return nil, true
	}
	pod := podMetadata(n)
	v := &view{
		node: n, ref: workload.RefOf(n), kind: kind, name: n.GetName(),
		ann: n.GetAnnotations(), podAnn: stringMap(pod, "annotations"),
	}
	v.subject = subject{kind: kind, name: v.name, namespace: s.Namespace(n.GetNamespace()),
		labels: n.GetLabels(), podLabels: stringMap(pod, "labels"), images: images}
	v.decides = annotations.HasAny(v.ann) || annotations.HasAny(v.podAnn)
	v.outcomes = make([]outcome, len(s.rules))
	for i, r := range s.rules {
		v.outcomes[i] = r.apply(v.subject)
		v.decides = v.decides || v.outcomes[i] != notSelected
	}
	return v, v.decides || mentions(n.YNode(), annotations.Prefix, 0)
}

func (s *Scope) anyRule(w subject) bool {
	for _, r := range s.rules {
		if r.apply(w) != notSelected {
			return true
		}
	}
	return false
}

// unreadable returns the path of metadata the decision must read that is
// present but not a mapping, or "".
func unreadable(n *yaml.RNode) string {
	if bad := workload.MalformedMetadata(n); bad != "" {
		return bad
	}
	tmpl, _ := n.Pipe(yaml.Lookup("spec", "template"))
	if tmpl == nil || isNull(tmpl.YNode()) {
		return ""
	}
	if tmpl.YNode().Kind != yaml.MappingNode {
		return "spec.template"
	}
	if bad := workload.MalformedMetadata(tmpl); bad != "" {
		return "spec.template." + bad
	}
	return ""
}

func isNull(y *yaml.Node) bool { return y.Kind == yaml.ScalarNode && y.Tag == "!!null" }

// podMetadata returns the pod template's metadata mapping, or nil.
func podMetadata(n *yaml.RNode) *yaml.RNode {
	md, _ := n.Pipe(yaml.Lookup("spec", "template", "metadata"))
	if md == nil || md.YNode().Kind != yaml.MappingNode {
		return nil
	}
	return md
}

// stringMap reads a mapping of scalars under field of md (labels, annotations).
func stringMap(md *yaml.RNode, field string) map[string]string {
	out := map[string]string{}
	if md == nil {
		return out
	}
	f := md.Field(field)
	if f == nil || f.Value == nil || f.Value.YNode().Kind != yaml.MappingNode {
		return out
	}
	c := f.Value.YNode().Content
	for i := 0; i+1 < len(c); i += 2 {
		out[c[i].Value] = c[i+1].Value
	}
	return out
}

// containerImages lists the images of the pod template's (non-init) containers.
func containerImages(n *yaml.RNode) []string {
	cs, _ := n.Pipe(yaml.Lookup("spec", "template", "spec", "containers"))
	if cs == nil || cs.YNode().Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, c := range cs.YNode().Content {
		if c.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(c.Content); i += 2 {
			if c.Content[i].Value == "image" && c.Content[i+1].Kind == yaml.ScalarNode {
				out = append(out, c.Content[i+1].Value)
			}
		}
	}
	return out
}

// mentions reports whether any key or scalar value under y contains s.
// Aliases are not followed: what they refer to is walked where it is defined.
func mentions(y *yaml.Node, s string, depth int) bool {
	if y == nil || depth > maxDepth {
		return depth > maxDepth // too deep to tell: look into it
	}
	if y.Kind == yaml.ScalarNode {
		return strings.Contains(y.Value, s)
	}
	for _, c := range y.Content {
		if mentions(c, s, depth+1) {
			return true
		}
	}
	return false
}

// maxDepth bounds the walk of mentions.
const maxDepth = 1000
