package transform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// scaledObjects returns the generated ScaledObjects of out by name.
func scaledObjects(t *testing.T, out *Output) map[string]*yaml.RNode {
	t.Helper()
	require.False(t, out.Diagnostics.HasErrors(), out.Diagnostics.Error())
	m := map[string]*yaml.RNode{}
	for _, n := range out.Items {
		if n.GetKind() == keda.KindScaledObject {
			m[n.GetName()] = n
		}
	}
	return m
}

// warningsOf returns the warnings annotation of the named ScaledObject.
func warningsOf(t *testing.T, out *Output, name string) string {
	t.Helper()
	so := scaledObjects(t, out)[name]
	require.NotNil(t, so, "no ScaledObject %s", name)
	return so.GetAnnotations()[WarningsAnnotation]
}

// rabbitWorkload is an opted-in workload with a RabbitMQ trigger only.
const rabbitWorkload = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: rabbit
  namespace: ml
  annotations:
    ml-autoscaling.io/enabled: "true"
    ml-autoscaling.io/rabbitmq-queue: q
    ml-autoscaling.io/rabbitmq-secret: s
spec:
  template:
    spec:
      containers: [{name: c, image: x}]
`

func TestWarningsAnnotation(t *testing.T) {
	unqualified := "  prometheus: {serverAddress: \"http://prometheus:9090\"}\n"
	cases := []struct {
		name   string
		query  string
		policy string
		// want maps ScaledObject names to the lines of their annotation; "" means none
		want map[string][]string
	}{
		{"no warnings", "sum(x)", "", map[string][]string{"w": nil, "rabbit": nil}},
		{"a warning about the workload", "rate(x[5m])", "", map[string][]string{
			"w":      {`Deployment/ml/w: ml-autoscaling.io/prometheus-query: query "rate(x[5m])" may return several series`},
			"rabbit": nil,
		}},
		{"a policy warning goes to the ScaledObjects it concerns only", "sum(x)", unqualified, map[string][]string{
			"w":      {`MLAutoscalingPolicy/p: spec.prometheus.serverAddress: "http://prometheus:9090" is not namespace-qualified`},
			"rabbit": nil,
		}},
		{"both, sorted", "rate(x[5m])", unqualified, map[string][]string{
			"w": {
				`Deployment/ml/w: ml-autoscaling.io/prometheus-query: query "rate(x[5m])" may return several series`,
				`MLAutoscalingPolicy/p: spec.prometheus.serverAddress: "http://prometheus:9090" is not namespace-qualified`,
			},
			"rabbit": nil,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := strings.Replace(promWorkload, "%s", c.query, 1) + "---\n" + rabbitWorkload
			out := Run(items(t, in), Options{Policy: policy(t, c.policy+"  rabbitmq: {secret: s}\n"), PolicyRef: diag.Ref{Kind: "MLAutoscalingPolicy", Name: "p"}})
			for name, want := range c.want {
				got := warningsOf(t, out, name)
				if want == nil {
					require.Empty(t, got, name)
					continue
				}
				lines := strings.Split(got, "\n")
				require.Len(t, lines, len(want), got)
				for i, prefix := range want {
					require.True(t, strings.HasPrefix(lines[i], prefix), "line %d of %s: %q does not start with %q", i, name, lines[i], prefix)
				}
			}
		})
	}
}

func TestWarningsAnnotationOnGPUBudget(t *testing.T) {
	gpu := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: g\n  namespace: ml\n  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/max-replicas: \"9\"\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: vllm/vllm-openai:v1, resources: {limits: {nvidia.com/gpu: 1}}}]\n"
	out := Run(items(t, gpu+"---\n"+rabbitWorkload), Options{Policy: policy(t, "  gpu: {clusterBudget: 4}\n  rabbitmq: {secret: s}\n")})
	require.Contains(t, warningsOf(t, out, "g"), "claim 9 GPUs, more than the cluster budget of 4")
	require.Empty(t, warningsOf(t, out, "rabbit"), "a CPU workload has no part in the GPU budget")
}

// rerun feeds the output of a run back in, as a GitOps re-render does.
func rerun(t *testing.T, out *Output, opts Options) *Output {
	t.Helper()
	var b strings.Builder
	for _, n := range out.Items {
		s, err := n.String()
		require.NoError(t, err)
		b.WriteString("---\n" + s)
	}
	return Run(items(t, b.String()), opts)
}

func TestWarningsAnnotationIsRegenerated(t *testing.T) {
	opts := Options{}
	out := Run(items(t, strings.Replace(promWorkload, "%s", "rate(x[5m])", 1)), opts)
	first := warningsOf(t, out, "w")
	require.Contains(t, first, "may return several series")
	again := rerun(t, out, opts)
	require.Equal(t, first, warningsOf(t, again, "w"), "re-rendered: the same text, not appended")

	// the cause fixed: the earlier ScaledObject (with its annotation) is replaced by one without
	var fixed strings.Builder
	for _, n := range again.Items {
		s, err := n.String()
		require.NoError(t, err)
		fixed.WriteString("---\n" + strings.Replace(s, "prometheus-query: rate(x[5m])", "prometheus-query: sum(x)", 1))
	}
	require.Empty(t, warningsOf(t, Run(items(t, fixed.String()), opts), "w"))
}

func TestWarningsText(t *testing.T) {
	long := strings.Repeat("x", 1000)
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf("%02d %s", 39-i, long)
	}
	cases := []struct {
		name  string
		lines []string
		check func(t *testing.T, got string)
	}{
		{"sorted and each once", []string{"b", "a", "b"}, func(t *testing.T, got string) { require.Equal(t, "a\nb", got) }},
		{"one line per warning", []string{"a\nb"}, func(t *testing.T, got string) { require.Equal(t, "a b", got) }},
		{"credentials redacted", []string{`query "up{x=\"amqp://u:secret@h\"}" http://h/?token=abc`}, func(t *testing.T, got string) {
			require.NotContains(t, got, "secret")
			require.NotContains(t, got, "abc")
			require.Contains(t, got, "REDACTED")
		}},
		{"bounded", many, func(t *testing.T, got string) {
			require.LessOrEqual(t, len(got), maxWarningsText)
			require.True(t, strings.HasPrefix(got, "00 "), "sorted before cutting")
			lines := strings.Split(got, "\n")
			shown := len(lines) - 1
			require.Less(t, shown, 40)
			require.Equal(t, fmt.Sprintf("… and %d more warning(s): run ml-autoscaling plan to see them all", 40-shown), lines[shown])
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.check(t, warningsText(c.lines)) })
	}
}

func TestStrictMode(t *testing.T) {
	warned := strings.Replace(promWorkload, "%s", "rate(x[5m])", 1)
	clean := strings.Replace(promWorkload, "%s", "sum(x)", 1)
	on := &Switch{On: true, Source: "--strict"}
	off := &Switch{On: false, Source: "ML_AUTOSCALING_STRICT=false"}
	cases := []struct {
		name   string
		in     string
		spec   string
		given  *Switch
		source string // "" means the run succeeds
	}{
		{"off by default", warned, "", nil, ""},
		{"policy turns it on", warned, "  strict: true\n", nil, "policy spec.strict: true"},
		{"flag turns it on", warned, "", on, "--strict"},
		{"flag or environment turns the policy's off", warned, "  strict: true\n", off, ""},
		{"no warning, no failure", clean, "  strict: true\n", on, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := Run(items(t, c.in), Options{Policy: policy(t, c.spec), Strict: c.given})
			if c.source == "" {
				require.False(t, out.Diagnostics.HasErrors(), out.Diagnostics.Error())
				require.NotNil(t, out.Items)
				return
			}
			require.Nil(t, out.Items, "nothing written")
			errs := out.Diagnostics.Errors()
			require.Len(t, errs, 1)
			require.Equal(t, "ml-autoscaling.io/prometheus-query", errs[0].Field)
			require.Contains(t, errs[0].Message, "strict mode: query \"rate(x[5m])\" may return several series")
			require.Contains(t, errs[0].Allowed, "no warnings in strict mode, which "+c.source+" turns on")
			require.Empty(t, warnings(out.Diagnostics), "every warning became an error")
		})
	}
}

func TestPredictiveDecisionKept(t *testing.T) {
	// the earlier output: a generated ScaledObject that records why no
	// schedule was made from the history it was rendered with
	ref := "Deployment/ml/w: ml-autoscaling.io/predictive: "
	earlier := func(lines ...string) string {
		return "---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: w\n  namespace: ml\n  annotations:\n    ml-autoscaling.io/generated-for: Deployment/w\n    ml-autoscaling.io/warnings: " +
			yamlString(strings.Join(lines, "\n")) + "\nspec: {scaleTargetRef: {name: w}, triggers: []}\n"
	}
	wl := strings.Replace(promWorkload, "%s", "sum(x)", 1)
	wl = strings.Replace(wl, "    ml-autoscaling.io/enabled: \"true\"\n", "    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/predictive: \"true\"\n", 1)
	declined := ref + "no predictive schedule: no daily or weekly pattern (history ScalingHistory/ml/w)"
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"no earlier output", wl, ref + "no ScalingHistory for this workload in the input"},
		{"the earlier decision is kept", wl + earlier(declined), declined},
		{"only this workload's predictive lines are kept", wl + earlier("Deployment/ml/other: ml-autoscaling.io/predictive: x", ref[:len(ref)-2]+"x: y"), ref + "no ScalingHistory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := Run(items(t, c.in), Options{})
			got := warningsOf(t, out, "w")
			require.True(t, strings.HasPrefix(got, c.want), "got %q", got)
			require.NotContains(t, got, "\n", "one warning")
			require.Contains(t, warnings(out.Diagnostics), got, "reported again, not only kept")
		})
	}
}

// yamlString quotes s as a YAML double-quoted scalar.
func yamlString(s string) string {
	n := yaml.NewScalarRNode(s)
	n.YNode().Style = yaml.DoubleQuotedStyle
	out, _ := n.String()
	return strings.TrimSpace(out)
}
