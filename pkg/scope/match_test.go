package scope

import (
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/stretchr/testify/require"
)

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		glob, s string
		want    bool
	}{
		{"*", "", true},
		{"*", "anything/at:all", true},
		{"web", "web", true},
		{"web", "web2", false},
		{"*-worker", "celery-worker", true},
		{"*-worker", "celery-worker-2", false},
		{"*-worker*", "celery-worker-2", true},
		{"w?b", "web", true},
		{"w?b", "wb", false},
		{"nvcr.io/nvidia/*", "nvcr.io/nvidia/tritonserver:24.01-py3", true},
		{"*tritonserver:*", "gcr.io/nvidia-ngc-public/tritonserver:24.01", true},
		{"a*b*c", "abxbxc", true},
		{"a*b*c", "abxbx", false},
	} {
		require.Equal(t, c.want, glob(c.glob).match(c.s), "%q ~ %q", c.glob, c.s)
	}
	for g, lit := range map[string]string{"*-worker*": "-worker", "*": "", "nvcr.io/*/triton*": "nvcr.io/", "a?bcd": "bcd"} {
		require.Equal(t, lit, glob(g).literal(), g)
	}
}

func TestSelects(t *testing.T) {
	labels := map[string]string{"app": "web", "tier": "front"}
	for _, c := range []struct {
		name string
		sel  config.LabelSelector
		want bool
	}{
		{"matchLabels", config.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, true},
		{"matchLabels other value", config.LabelSelector{MatchLabels: map[string]string{"app": "api"}}, false},
		{"matchLabels missing", config.LabelSelector{MatchLabels: map[string]string{"team": "x"}}, false},
		{"In", config.LabelSelector{MatchExpressions: []config.LabelRequirement{{Key: "tier", Operator: "In", Values: []string{"back", "front"}}}}, true},
		{"In absent", config.LabelSelector{MatchExpressions: []config.LabelRequirement{{Key: "team", Operator: "In", Values: []string{"x"}}}}, false},
		{"NotIn", config.LabelSelector{MatchExpressions: []config.LabelRequirement{{Key: "tier", Operator: "NotIn", Values: []string{"front"}}}}, false},
		{"NotIn absent", config.LabelSelector{MatchExpressions: []config.LabelRequirement{{Key: "team", Operator: "NotIn", Values: []string{"x"}}}}, true},
		{"Exists", config.LabelSelector{MatchExpressions: []config.LabelRequirement{{Key: "app", Operator: "Exists"}}}, true},
		{"DoesNotExist", config.LabelSelector{MatchExpressions: []config.LabelRequirement{{Key: "app", Operator: "DoesNotExist"}}}, false},
		{"all must hold", config.LabelSelector{MatchLabels: map[string]string{"app": "web"}, MatchExpressions: []config.LabelRequirement{{Key: "tier", Operator: "DoesNotExist"}}}, false},
	} {
		require.Equal(t, c.want, selects(&c.sel, labels), c.name)
	}
}

func TestRuleApply(t *testing.T) {
	w := subject{kind: "Deployment", name: "celery-worker", namespace: "ml", labels: map[string]string{"app": "celery"}, images: []string{"busybox", "python:3.12"}}
	for _, c := range []struct {
		name string
		rule config.Rule
		want outcome
	}{
		{"kinds", config.Rule{Match: config.Selector{Kinds: []string{"StatefulSet"}}}, notSelected},
		{"names and images", config.Rule{Match: config.Selector{Names: []string{"*-worker"}, Images: []string{"python:*"}}}, selected},
		{"second image matches", config.Rule{Match: config.Selector{Images: []string{"python*"}}}, selected},
		{"one field fails", config.Rule{Match: config.Selector{Names: []string{"*-worker"}, Namespaces: []string{"prod"}}}, notSelected},
		{"excluded", config.Rule{Match: config.Selector{Names: []string{"*"}}, Exclude: &config.Selector{Labels: &config.LabelSelector{MatchLabels: map[string]string{"app": "celery"}}}}, excluded},
		{"exclude does not hold", config.Rule{Match: config.Selector{Names: []string{"*"}}, Exclude: &config.Selector{Names: []string{"web"}}}, selected},
	} {
		r := compileRules(&config.Policy{Spec: config.Spec{Rules: []config.Rule{c.rule}}})[0]
		require.Equal(t, c.want, r.apply(w), c.name)
	}
	unknown := w
	unknown.namespace = ""
	r := compileRules(&config.Policy{Spec: config.Spec{Rules: []config.Rule{{Match: config.Selector{Namespaces: []string{"ml"}}}}}})[0]
	require.Equal(t, undecided, r.apply(unknown))
	r = compileRules(&config.Policy{Spec: config.Spec{Rules: []config.Rule{{Match: config.Selector{Names: []string{"web"}, Namespaces: []string{"ml"}}}}}})[0]
	require.Equal(t, notSelected, r.apply(unknown), "decided by the name without the namespace")
}
