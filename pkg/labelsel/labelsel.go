// Package labelsel reads Kubernetes label selectors (matchLabels and
// matchExpressions) from manifests and evaluates them against a pod
// template's labels with Kubernetes' semantics, so that overlapping
// selectors are found at render time.
package labelsel

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Operators of matchExpressions.
const (
	In           = "In"
	NotIn        = "NotIn"
	Exists       = "Exists"
	DoesNotExist = "DoesNotExist"
)

// Selector is a metav1.LabelSelector. A nil *Selector selects nothing;
// an empty one selects everything (metav1.LabelSelectorAsSelector).
type Selector struct {
	MatchLabels map[string]string
	Expressions []Requirement
}

// Requirement is one entry of matchExpressions.
type Requirement struct {
	Key      string
	Operator string
	Values   []string
}

// Problem is a selector Kubernetes would refuse.
type Problem struct {
	Field, Value, Allowed, Message string
}

// Error implements error.
func (p *Problem) Error() string {
	return fmt.Sprintf("%s: %q: %s (allowed: %s)", p.Field, p.Value, p.Message, p.Allowed)
}

// FromNode reads the selector at n; field is its path for messages. A
// missing or null node gives nil.
func FromNode(n *yaml.RNode, field string) (*Selector, *Problem) {
	if absent(n) {
		return nil, nil
	}
	if n.YNode().Kind != yaml.MappingNode {
		return nil, &Problem{Field: field, Allowed: "a mapping with matchLabels and/or matchExpressions", Message: "not a mapping"}
	}
	s := &Selector{}
	labels, p := stringMap(n.Field("matchLabels"), field+".matchLabels")
	if p != nil {
		return nil, p
	}
	s.MatchLabels = labels
	if f := n.Field("matchExpressions"); f != nil && !absent(f.Value) {
		items, err := f.Value.Elements()
		if err != nil {
			return nil, &Problem{Field: field + ".matchExpressions", Allowed: "a list of {key, operator, values}", Message: "not a list"}
		}
		for i, e := range items {
			r, p := requirement(e, fmt.Sprintf("%s.matchExpressions[%d]", field, i))
			if p != nil {
				return nil, p
			}
			s.Expressions = append(s.Expressions, r)
		}
	}
	return s, nil
}

func requirement(n *yaml.RNode, field string) (Requirement, *Problem) {
	if n.YNode().Kind != yaml.MappingNode {
		return Requirement{}, &Problem{Field: field, Allowed: "{key, operator, values}", Message: "not a mapping"}
	}
	r := Requirement{Key: scalar(n, "key"), Operator: scalar(n, "operator")}
	if f := n.Field("values"); f != nil && !absent(f.Value) {
		vals, err := f.Value.Elements()
		if err != nil {
			return r, &Problem{Field: field + ".values", Allowed: "a list of strings", Message: "not a list"}
		}
		for _, v := range vals {
			r.Values = append(r.Values, yaml.GetValue(v))
		}
	}
	switch {
	case r.Key == "":
		return r, &Problem{Field: field + ".key", Allowed: "a label key", Message: "missing key"}
	case r.Operator != In && r.Operator != NotIn && r.Operator != Exists && r.Operator != DoesNotExist:
		return r, &Problem{Field: field + ".operator", Value: r.Operator, Allowed: "In, NotIn, Exists, DoesNotExist", Message: "not a label selector operator"}
	case (r.Operator == In || r.Operator == NotIn) && len(r.Values) == 0:
		return r, &Problem{Field: field + ".values", Allowed: "at least one value for " + r.Operator, Message: "no values"}
	case (r.Operator == Exists || r.Operator == DoesNotExist) && len(r.Values) > 0:
		return r, &Problem{Field: field + ".values", Value: strings.Join(r.Values, ","), Allowed: "no values for " + r.Operator, Message: "values given"}
	}
	return r, nil
}

// StringMap reads a mapping of strings (labels); a missing or null node gives nil.
func StringMap(n *yaml.RNode, field string) (map[string]string, *Problem) {
	if n == nil {
		return nil, nil
	}
	return stringMap(&yaml.MapNode{Value: n}, field)
}

func stringMap(f *yaml.MapNode, field string) (map[string]string, *Problem) {
	if f == nil || absent(f.Value) {
		return nil, nil
	}
	y := f.Value.YNode()
	if y.Kind != yaml.MappingNode {
		return nil, &Problem{Field: field, Allowed: "a mapping of label keys to values", Message: "not a mapping"}
	}
	out := make(map[string]string, len(y.Content)/2)
	for i := 0; i+1 < len(y.Content); i += 2 {
		if y.Content[i+1].Kind != yaml.ScalarNode {
			return nil, &Problem{Field: field + "." + y.Content[i].Value, Allowed: "a string", Message: "not a string"}
		}
		out[y.Content[i].Value] = y.Content[i+1].Value
	}
	return out, nil
}

// absent reports whether n is missing or null.
func absent(n *yaml.RNode) bool {
	return n == nil || n.IsNil() || yaml.IsYNodeTaggedNull(n.YNode())
}

func scalar(n *yaml.RNode, field string) string {
	f := n.Field(field)
	if f == nil || f.Value == nil {
		return ""
	}
	return yaml.GetValue(f.Value)
}

// Matches reports whether s selects a pod with these labels: every
// matchLabels pair is present and every expression holds.
func (s *Selector) Matches(labels map[string]string) bool {
	if s == nil {
		return false
	}
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, r := range s.Expressions {
		if !r.Matches(labels) {
			return false
		}
	}
	return true
}

// Matches reports whether the requirement holds for labels.
func (r Requirement) Matches(labels map[string]string) bool {
	v, ok := labels[r.Key]
	switch r.Operator {
	case In:
		return ok && slices.Contains(r.Values, v)
	case NotIn:
		return !ok || !slices.Contains(r.Values, v)
	case Exists:
		return ok
	case DoesNotExist:
		return !ok
	}
	return false
}

// String renders s in kubectl's selector syntax (app=x,tier in (a,b),!debug).
func (s *Selector) String() string {
	if s == nil {
		return "<none>"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(s.MatchLabels)) {
		parts = append(parts, k+"="+s.MatchLabels[k])
	}
	for _, r := range s.Expressions {
		switch r.Operator {
		case In, NotIn:
			parts = append(parts, fmt.Sprintf("%s %s (%s)", r.Key, strings.ToLower(r.Operator), strings.Join(r.Values, ",")))
		case Exists:
			parts = append(parts, r.Key)
		case DoesNotExist:
			parts = append(parts, "!"+r.Key)
		}
	}
	if len(parts) == 0 {
		return "<everything>"
	}
	return strings.Join(parts, ",")
}

// Format renders labels as k=v pairs in key order.
func Format(labels map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		parts = append(parts, k+"="+labels[k])
	}
	return strings.Join(parts, ",")
}
