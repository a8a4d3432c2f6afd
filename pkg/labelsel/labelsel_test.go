package labelsel

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func parse(t *testing.T, text string) (*Selector, *Problem) {
	t.Helper()
	n, err := yaml.Parse(text)
	require.NoError(t, err)
	return FromNode(n, "spec.selector")
}

func TestFromNode(t *testing.T) {
	for _, c := range []struct {
		text, want, problem string
	}{
		{"matchLabels: {app: a, tier: web}", "app=a,tier=web", ""},
		{"matchExpressions: [{key: app, operator: In, values: [a, b]}, {key: canary, operator: DoesNotExist}]", "app in (a,b),!canary", ""},
		{"matchExpressions: [{key: env, operator: NotIn, values: [dev]}, {key: gpu, operator: Exists}]", "env notin (dev),gpu", ""},
		{"{}", "<everything>", ""},
		{"matchExpressions: [{key: app, operator: Gt, values: ['1']}]", "", "spec.selector.matchExpressions[0].operator"},
		{"matchExpressions: [{key: app, operator: In}]", "", "spec.selector.matchExpressions[0].values"},
		{"matchExpressions: [{key: app, operator: Exists, values: [x]}]", "", "spec.selector.matchExpressions[0].values"},
		{"matchExpressions: [{operator: Exists}]", "", "spec.selector.matchExpressions[0].key"},
		{"matchLabels: [app]", "", "spec.selector.matchLabels"},
		{"matchLabels: {app: {x: y}}", "", "spec.selector.matchLabels.app"},
		{"matchExpressions: {key: app}", "", "spec.selector.matchExpressions"},
	} {
		s, p := parse(t, c.text)
		if c.problem != "" {
			require.NotNil(t, p, c.text)
			require.Equal(t, c.problem, p.Field, c.text)
			continue
		}
		require.Nil(t, p, c.text)
		require.Equal(t, c.want, s.String(), c.text)
	}
	s, p := FromNode(nil, "spec.selector")
	require.Nil(t, p)
	require.Nil(t, s)
	require.False(t, s.Matches(map[string]string{"app": "a"}), "a missing selector selects nothing")
}

// TestMatchesLikeKubernetes compares Matches with apimachinery's
// metav1.LabelSelectorAsSelector on random selectors and label sets.
func TestMatchesLikeKubernetes(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	keys, values := []string{"app", "tier", "canary", "example.com/team"}, []string{"a", "b", "c"}
	pick := func(from []string) string { return from[r.Intn(len(from))] }
	ops := []metav1.LabelSelectorOperator{metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist}
	compared := 0
	for range 3000 {
		ks := &metav1.LabelSelector{}
		s := &Selector{}
		if r.Intn(2) == 0 {
			ks.MatchLabels, s.MatchLabels = map[string]string{}, map[string]string{}
			for range 1 + r.Intn(2) {
				k, v := pick(keys), pick(values)
				ks.MatchLabels[k], s.MatchLabels[k] = v, v
			}
		}
		for range r.Intn(3) {
			op := ops[r.Intn(len(ops))]
			req := metav1.LabelSelectorRequirement{Key: pick(keys), Operator: op}
			if op == metav1.LabelSelectorOpIn || op == metav1.LabelSelectorOpNotIn {
				req.Values = []string{pick(values), pick(values)}
			}
			ks.MatchExpressions = append(ks.MatchExpressions, req)
			s.Expressions = append(s.Expressions, Requirement{Key: req.Key, Operator: string(op), Values: req.Values})
		}
		want, err := metav1.LabelSelectorAsSelector(ks)
		require.NoError(t, err)
		for range 5 {
			pod := map[string]string{}
			for _, k := range keys {
				if r.Intn(2) == 0 {
					pod[k] = pick(values)
				}
			}
			require.Equal(t, want.Matches(labels.Set(pod)), s.Matches(pod), "selector %s (kubernetes: %s) on %s", s, want, Format(pod))
			compared++
		}
	}
	require.Equal(t, 15000, compared)
}

func TestRequirementMatches(t *testing.T) {
	pod := map[string]string{"app": "a", "canary": "true"}
	for _, c := range []struct {
		r    Requirement
		want bool
	}{
		{Requirement{"app", In, []string{"a", "b"}}, true},
		{Requirement{"app", In, []string{"b"}}, false},
		{Requirement{"tier", In, []string{"a"}}, false},
		{Requirement{"app", NotIn, []string{"b"}}, true},
		{Requirement{"tier", NotIn, []string{"b"}}, true},
		{Requirement{"app", NotIn, []string{"a"}}, false},
		{Requirement{"canary", Exists, nil}, true},
		{Requirement{"tier", Exists, nil}, false},
		{Requirement{"canary", DoesNotExist, nil}, false},
		{Requirement{"tier", DoesNotExist, nil}, true},
	} {
		require.Equal(t, c.want, c.r.Matches(pod), "%s %s %s", c.r.Key, c.r.Operator, strings.Join(c.r.Values, ","))
	}
}
