package scope

import (
	"slices"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
)

// selects reports whether the label selector holds for labels, with
// Kubernetes' semantics: every matchLabels entry present with its value,
// In and NotIn on the value (NotIn also holds when the label is absent),
// Exists and DoesNotExist on the key. Selectors are checked by config when
// the policy is read, and an empty one is refused there.
func selects(s *config.LabelSelector, labels map[string]string) bool {
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, e := range s.MatchExpressions {
		v, ok := labels[e.Key]
		var holds bool
		switch e.Operator {
		case config.OpIn:
			holds = ok && slices.Contains(e.Values, v)
		case config.OpNotIn:
			holds = !ok || !slices.Contains(e.Values, v)
		case config.OpExists:
			holds = ok
		case config.OpDoesNotExist:
			holds = !ok
		}
		if !holds {
			return false
		}
	}
	return true
}
