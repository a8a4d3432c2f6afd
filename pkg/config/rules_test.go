package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// ruleBodies are two rules without their names, in YAML.
var ruleBodies = map[string]string{
	"celery-workers": `match:
  kinds: [Deployment, StatefulSet]
  names: ["*-worker*"]
  namespaces: [ml]
  labels: {matchLabels: {app.kubernetes.io/component: worker}}
  podLabels: {matchExpressions: [{key: tier, operator: In, values: [a, b]}]}
  images: ["getsentry/sentry:*"]
exclude: {names: ["*-canary"]}
settings: {profile: celery, rabbitmqQueue: default, maxReplicas: 20}
`,
	"triton": "match: {images: [\"*tritonserver*\"]}\nsettings: {gpu: auto}\n",
}

func indent(s, by string) string {
	return by + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+by) + "\n"
}

// rulesPolicy holds the rules in the MLAutoscalingPolicy form, and
// rulesConfigMap in the ConfigMap form (one key per rule, rules.<name>,
// its value the rule as YAML), listed in the other order.
var (
	rulesPolicy = "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n" +
		"  profiles:\n    celery: {minReplicas: \"2\"}\n  rules:\n" +
		"  - name: celery-workers\n" + indent(ruleBodies["celery-workers"], "    ") +
		"  - name: triton\n" + indent(ruleBodies["triton"], "    ")
	rulesConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n  profiles.celery.minReplicas: \"2\"\n" +
		"  rules.triton: |\n" + indent(ruleBodies["triton"], "    ") +
		"  rules.celery-workers: |\n" + indent(ruleBodies["celery-workers"], "    ")
)

func TestRules(t *testing.T) {
	p := mustParse(t, rulesPolicy)
	require.Len(t, p.Spec.Rules, 2)
	r := p.Spec.Rules[0]
	require.Equal(t, "celery-workers", r.Name)
	require.Equal(t, []string{"*-worker*"}, r.Match.Names)
	require.Equal(t, "worker", r.Match.Labels.MatchLabels["app.kubernetes.io/component"])
	require.Equal(t, []LabelRequirement{{Key: "tier", Operator: OpIn, Values: []string{"a", "b"}}}, r.Match.PodLabels.MatchExpressions)
	require.Equal(t, []string{"*-canary"}, r.Exclude.Names)
	require.Equal(t, "celery", *r.Settings.Profile)
	require.Equal(t, []SettingEntry{{"max-replicas", "maxReplicas", "20"}, {"rabbitmq-queue", "rabbitmqQueue", "default"}}, r.Settings.Entries())

	// the ConfigMap form: one key per rule holding it as YAML, in the order of the names
	cm := mustParse(t, rulesConfigMap)
	require.Equal(t, p.Spec.Rules, cm.Spec.Rules)
}

func TestRuleErrors(t *testing.T) {
	head := "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n  rules:\n"
	cmHead := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n"
	for name, c := range map[string]struct{ policy, want string }{
		"unknown field":        {head + "  - name: w\n    mtach: {names: [a]}\n", "spec.rules[w].mtach: unknown field; did you mean match?"},
		"unknown match field":  {head + "  - name: w\n    match: {name: [a]}\n", "spec.rules[w].match.name: unknown field; did you mean names?"},
		"unknown setting":      {head + "  - name: w\n    match: {names: [a]}\n    settings: {minReplica: 1}\n", "spec.rules[w].settings.minReplica: unknown field; did you mean minReplicas?"},
		"bad setting value":    {head + "  - name: w\n    match: {names: [a]}\n    settings: {minReplicas: lots}\n", ""},
		"empty match":          {head + "  - name: w\n    match: {}\n", "spec.rules[w].match: empty match"},
		"no match":             {head + "  - name: w\n    settings: {minReplicas: 1}\n", "spec.rules[w].match: empty match"},
		"empty exclude":        {head + "  - name: w\n    match: {names: [a]}\n    exclude: {}\n", "spec.rules[w].exclude: empty exclude"},
		"bad glob":             {head + "  - name: w\n    match: {names: [\"web-[0-9]\"]}\n", `spec.rules[w].match.names[0]: "web-[0-9]": bad glob: '[' cannot match`},
		"empty glob":           {head + "  - name: w\n    match: {images: [\"\"]}\n", "spec.rules[w].match.images[0]: empty glob"},
		"upper-case name glob": {head + "  - name: w\n    match: {names: [Web]}\n", "bad glob"},
		"bad kind":             {head + "  - name: w\n    match: {kinds: [DaemonSet]}\n", `spec.rules[w].match.kinds[0]: "DaemonSet": not a kind the tool scales (allowed: Deployment, StatefulSet)`},
		"bad operator":         {head + "  - name: w\n    match: {labels: {matchExpressions: [{key: a, operator: Equals, values: [b]}]}}\n", `spec.rules[w].match.labels.matchExpressions[0].operator: "Equals": not a label selector operator`},
		"In without values":    {head + "  - name: w\n    match: {podLabels: {matchExpressions: [{key: a, operator: In}]}}\n", "spec.rules[w].match.podLabels.matchExpressions[0].values: no values"},
		"Exists with values":   {head + "  - name: w\n    match: {labels: {matchExpressions: [{key: a, operator: Exists, values: [b]}]}}\n", "values given"},
		"bad label key":        {head + "  - name: w\n    match: {labels: {matchLabels: {\"-a\": b}}}\n", "spec.rules[w].match.labels.matchLabels.-a"},
		"bad label value":      {head + "  - name: w\n    match: {labels: {matchLabels: {a: \"b c\"}}}\n", "not a valid label value"},
		"empty label selector": {head + "  - name: w\n    match: {labels: {}}\n", "spec.rules[w].match.labels: empty label selector"},
		"unknown profile":      {head + "  - name: w\n    match: {names: [a]}\n    settings: {profile: celery}\n", `spec.rules[w].settings.profile: "celery": no such profile in the policy`},
		"missing name":         {head + "  - match: {names: [a]}\n", "spec.rules[0].name: missing rule name"},
		"bad name":             {head + "  - name: Web_Workers\n    match: {names: [a]}\n", `spec.rules[0].name: "Web_Workers": invalid rule name`},
		"duplicate name":       {head + "  - name: w\n    match: {names: [a]}\n  - name: w\n    match: {names: [b]}\n", `spec.rules[w].name: "w": a second rule with this name`},
		"configmap flattened":  {cmHead + "  rules.w.match.names: a\n", `key "rules.w.match.names": a rule is one key rules.<name>`},
		"configmap bare rules": {cmHead + "  rules: a\n", `key "rules": a rule is one key`},
		"configmap not yaml":   {cmHead + "  rules.w: \"match: [\"\n", `key "rules.w": the rule is not valid YAML`},
		"configmap name":       {cmHead + "  rules.w: \"name: x\\nmatch: {names: [a]}\"\n", "remove name from the value"},
		"configmap unknown":    {cmHead + "  rules.w: \"match: {names: [a]}\\nexclud: {names: [b]}\"\n", "data.rules[w].exclud: unknown field; did you mean exclude?"},
	} {
		p, msg := parse(t, c.policy)
		if c.want == "" {
			// setting values are checked with the annotation rules (pkg/annotations)
			require.NotNil(t, p, name)
			continue
		}
		require.Nil(t, p, name)
		require.Contains(t, msg, c.want, name)
		require.True(t, strings.HasPrefix(msg, "error: "), name)
	}
}
