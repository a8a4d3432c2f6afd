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
