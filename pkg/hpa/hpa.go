// Package hpa finds HorizontalPodAutoscalers (autoscaling/v1 and v2) that
// target a workload the tool scales. Two HPAs, or an HPA and KEDA's HPA, on
// one workload make the HPA controller report AmbiguousSelector and stop
// scaling; the transform removes, adopts or reports them.
package hpa

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Kind is the HPA kind.
const Kind = "HorizontalPodAutoscaler"

// HPA is an HPA found in the input.
type HPA struct {
	Node      *yaml.RNode
	Name      string
	Namespace string
	Target    Target
}

// Target is an HPA's scaleTargetRef.
type Target struct {
	APIVersion string
	Kind       string
	Name       string
}

// IsHPA reports whether apiVersion/kind is an HPA of any served version.
func IsHPA(apiVersion, kind string) bool {
	return kind == Kind && strings.HasPrefix(apiVersion, "autoscaling/")
}

// FromNode reads an HPA node.
func FromNode(n *yaml.RNode) *HPA {
	h := &HPA{Node: n, Name: n.GetName(), Namespace: n.GetNamespace()}
	ref, _ := n.Pipe(yaml.Lookup("spec", "scaleTargetRef"))
	if ref != nil {
		h.Target = Target{
			APIVersion: str(ref, "apiVersion"),
			Kind:       str(ref, "kind"),
			Name:       str(ref, "name"),
		}
	}
	return h
}

func str(n *yaml.RNode, field string) string {
	f := n.Field(field)
	if f == nil || f.Value == nil {
		return ""
	}
	return yaml.GetValue(f.Value)
}

// Targets reports whether the HPA scales the workload of the given kind and
// name. Namespaces are compared by the caller (an omitted namespace means
// the release's). An HPA whose scaleTargetRef names another API group than
// apps does not target an apps/v1 workload.
func (h *HPA) Targets(kind, name string) bool {
	if h.Target.Kind != kind || h.Target.Name != name {
		return false
	}
	if h.Target.APIVersion == "" {
		return true
	}
	group, _, _ := strings.Cut(h.Target.APIVersion, "/")
	return group == "apps" || h.Target.APIVersion == "extensions/v1beta1"
}

// NamespaceMatch says whether an HPA and a workload are in one namespace.
type NamespaceMatch int

const (
	// OtherNamespace: they are in different namespaces.
	OtherNamespace NamespaceMatch = iota
	// SameNamespace: they are in the same namespace (an omitted namespace
	// being the release namespace).
	SameNamespace
	// AssumedNamespace: the release namespace is unknown and exactly one of
	// the two omits its namespace, so they share a namespace whenever the
	// release is installed into the other one's. The render cannot tell;
	// the safe reading is that they do.
	AssumedNamespace
)

// MatchNamespace compares an HPA's namespace with a workload's. An omitted
// namespace is the release namespace. When the release namespace is unknown
// too (Helm 3 does not pass it to post-renderers) and only one of them names
// a namespace, the answer is AssumedNamespace: keeping an HPA that does fight
// KEDA's would stop the workload's scaling without a word.
func MatchNamespace(hpaNamespace, workloadNamespace, releaseNamespace string) NamespaceMatch {
	h, w := hpaNamespace, workloadNamespace
	if h == "" {
		h = releaseNamespace
	}
	if w == "" {
		w = releaseNamespace
	}
	switch {
	case h == w:
		return SameNamespace
	case releaseNamespace == "" && (hpaNamespace == "" || workloadNamespace == ""):
		return AssumedNamespace
	default:
		return OtherNamespace
	}
}

// Claim is an HPA that targets a workload.
type Claim struct {
	HPA *HPA
	// Assumed is true when the namespaces match only by assumption
	// (AssumedNamespace).
	Assumed bool
}

// Index finds the HPAs that target a workload, in time linear in the
// number of HPAs of the same target name.
type Index struct {
	byTarget         map[string][]*HPA
	releaseNamespace string
	// exact reports whether an opted-in workload of that kind, namespace
	// (as written) and name is in the input.
	exact func(kind, namespace, name string) bool
}

// NewIndex indexes hpas. releaseNamespace is empty when unknown. exact
// reports whether an opted-in workload of the given kind, namespace and name
// is in the input: an HPA that has such a workload in its own namespace
// targets that one, and is never assumed to target another.
func NewIndex(hpas []*HPA, releaseNamespace string, exact func(kind, namespace, name string) bool) *Index {
	ix := &Index{byTarget: map[string][]*HPA{}, releaseNamespace: releaseNamespace, exact: exact}
	for _, h := range hpas {
		ix.byTarget[h.Target.Name] = append(ix.byTarget[h.Target.Name], h)
	}
	return ix
}

// Targeting returns the HPAs that target the workload, in input order.
func (ix *Index) Targeting(kind, namespace, name string) []Claim {
	var out []Claim
	for _, h := range ix.byTarget[name] {
		if !h.Targets(kind, name) {
			continue
		}
		switch MatchNamespace(h.Namespace, namespace, ix.releaseNamespace) {
		case SameNamespace:
			out = append(out, Claim{HPA: h})
		case AssumedNamespace:
			if ix.exact == nil || !ix.exact(kind, h.Namespace, name) {
				out = append(out, Claim{HPA: h, Assumed: true})
			}
		}
	}
	return out
}
