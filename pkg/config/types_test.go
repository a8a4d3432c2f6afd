package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTypeErrorsNameTheKey checks that a value of the wrong type is reported
// at its key, in both policy forms, never as a bare decoding error.
func TestTypeErrorsNameTheKey(t *testing.T) {
	policyHead := "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n"
	cmHead := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n"
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"int", policyHead + "  gpu: {utilizationTarget: high}\n", []string{`spec.gpu.utilizationTarget: "high": not an integer`}},
		{"int in a ConfigMap", cmHead + "  gpu.utilizationTarget: high\n", []string{`data.gpu.utilizationTarget: "high": not an integer (allowed: an integer`}},
		{"float in a ConfigMap", cmHead + "  predictive.quantile: most\n", []string{`data.predictive.quantile: "most": not a number`}},
		{"bool in a ConfigMap", cmHead + "  keepReplicas: maybe\n", []string{`data.keepReplicas: "maybe": not true or false`}},
		{"duration in a ConfigMap", cmHead + "  gpu.coldStart: soon\n", []string{`data.gpu.coldStart: "soon": is not a duration`}},
		{"negative duration", policyHead + "  predictive: {leadTime: \"-5\"}\n", []string{`spec.predictive.leadTime: "-5": is negative`}},
		{"list for a duration", policyHead + "  gpu: {coldStart: [1]}\n", []string{`spec.gpu.coldStart: "[1]": is a sequence, not a single value`}},
		{"scalar for a struct", policyHead + "  defaults: 5\n", []string{`spec.defaults: "5": is a single value, not a mapping`}},
		{"list for a map", policyHead + "  profiles: [a, b]\n", []string{`spec.profiles: "[a, b]": is a sequence, not a mapping`}},
		{"mapping for a setting", policyHead + "  profiles: {w: {minReplicas: {a: 1}}}\n", []string{`spec.profiles.w.minReplicas: "{a: 1}": is a mapping, not a single value`}},
		{"several at once", cmHead + "  gpu.utilizationTarget: high\n  keepReplicas: maybe\n", []string{"data.gpu.utilizationTarget", "data.keepReplicas"}},
		{"ConfigMap value not a string", cmHead + "  gpu.utilizationTarget: {x: 1}\n", []string{`data.gpu.utilizationTarget: "{x: 1}": cannot read ConfigMap data: the value is a mapping`}},
		{"ConfigMap data not a mapping", cmHead + "  - a\n", []string{`data: "[a]": cannot read ConfigMap data: it is a sequence`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, msg := parse(t, c.doc)
			require.Nil(t, p)
			for _, w := range c.want {
				require.Contains(t, msg, w)
			}
			require.NotContains(t, msg, "unmarshal")
			require.NotContains(t, msg, "line 0")
			require.Equal(t, len(c.want), strings.Count(msg, "error: "), msg)
		})
	}
}

// TestAliasesAreFollowed checks that a setting shared through a YAML anchor
// is read like a written-out one, and a wrong value behind an alias is
// still reported.
func TestAliasesAreFollowed(t *testing.T) {
	head := "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n"
	p, msg := parse(t, head+"  profiles:\n    a: &base {minReplicas: \"2\"}\n    b: *base\n")
	require.NotNil(t, p, msg)
	require.Equal(t, "2", *p.Spec.Profiles["b"].MinReplicas)
	_, msg = parse(t, head+"  gpu: {coldStart: &c soon, scaleUpPeriod: *c}\n")
	require.Contains(t, msg, `spec.gpu.coldStart: "soon": is not a duration`)
}
