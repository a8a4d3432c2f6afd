package transform

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/testkit"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func items(t *testing.T, s string) []*yaml.RNode { return testkit.Items(t, s) }

func policy(t *testing.T, spec string) *config.Policy { return testkit.Policy(t, spec) }

const promWorkload = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: w
  namespace: ml
  annotations:
    ml-autoscaling.io/enabled: "true"
    ml-autoscaling.io/prometheus-query: %s
    ml-autoscaling.io/prometheus-threshold: "5"
spec:
  template:
    spec:
      containers: [{name: c, image: x}]
`

func warnings(d diag.List) string {
	var b strings.Builder
	for _, x := range d {
		if x.Severity == diag.Warning {
			b.WriteString(x.Error() + "\n")
		}
	}
	return b.String()
}

func TestWarnings(t *testing.T) {
	out := Run(items(t, strings.Replace(promWorkload, "%s", "rate(x[5m])", 1)), Options{Policy: policy(t, "  prometheus: {serverAddress: \"http://prometheus:9090\"}\n")})
	require.False(t, out.Diagnostics.HasErrors())
	w := warnings(out.Diagnostics)
	require.Contains(t, w, `"http://prometheus:9090" is not namespace-qualified`)
	require.Contains(t, w, "may return several series")

	out = Run(items(t, strings.Replace(promWorkload, "%s", "sum(x)", 1)), Options{})
	require.Empty(t, warnings(out.Diagnostics), "built-in address is qualified and sum() is one series")
}

func TestClusterGPUBudgetWarning(t *testing.T) {
	gpu := func(name, max string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: ml\n  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/max-replicas: \"" + max + "\"\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: vllm/vllm-openai:v1, resources: {limits: {nvidia.com/gpu: 2}}}]\n"
	}
	in := gpu("a", "3") + "---\n" + gpu("b", "2")
	out := Run(items(t, in), Options{Policy: policy(t, "  gpu: {clusterBudget: 8}\n")})
	require.False(t, out.Diagnostics.HasErrors(), out.Diagnostics.Error())
	w := warnings(out.Diagnostics)
	require.Contains(t, w, "claim 10 GPUs, more than the cluster budget of 8")
	require.Contains(t, w, "Deployment/ml/a up to 6")
	require.Contains(t, w, "Deployment/ml/b up to 4")
	out = Run(items(t, in), Options{Policy: policy(t, "  gpu: {clusterBudget: 10}\n")})
	require.Empty(t, warnings(out.Diagnostics))
}

func TestConflictErrors(t *testing.T) {
	wl := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/rabbitmq-queue: q\n    ml-autoscaling.io/rabbitmq-secret: s\n    ml-autoscaling.io/hpa-conflict: adopt\nspec: {}\n"
	hpa := func(name string) string {
		return "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: " + name + "}\nspec: {scaleTargetRef: {kind: Deployment, name: w}, maxReplicas: 2}\n"
	}
	cases := map[string]struct{ in, want string }{
		"two HPAs to adopt":      {wl + hpa("a") + hpa("b"), "several HPAs (a, b) target the workload; KEDA can adopt only one"},
		"duplicate workload":     {wl + "---\n" + wl, "duplicate of an earlier Deployment"},
		"hand-written auth name": {wl + "---\napiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata: {name: w-rabbitmq}\nspec: {secretTargetRef: [{parameter: host, name: x, key: host}]}\n", "hand-written TriggerAuthentication w-rabbitmq already exists"},
		"hand-written SO name":   {wl + "---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: w}\nspec: {scaleTargetRef: {name: other}, triggers: [{type: cpu, metadata: {value: \"1\"}}]}\n", "a hand-written ScaledObject has the name the tool needs"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out := Run(items(t, c.in), Options{})
			require.True(t, out.Diagnostics.HasErrors())
			require.Nil(t, out.Items)
			require.Contains(t, out.Diagnostics.Error(), c.want)
		})
	}
}

func TestHookWorkloadIsNotValidated(t *testing.T) {
	in := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  annotations:\n    helm.sh/hook: post-install\n    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/bogus: x\nspec: {replicas: 1}\n"
	out := Run(items(t, in), Options{})
	require.False(t, out.Diagnostics.HasErrors())
	require.Len(t, out.Items, 1)
	require.Empty(t, out.Changed)
}

func TestSameNameDeploymentAndStatefulSetClash(t *testing.T) {
	wl := func(kind string) string {
		return "apiVersion: apps/v1\nkind: " + kind + "\nmetadata:\n  name: worker\n  namespace: ml\n  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/cpu-utilization: \"60\"\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: x, resources: {requests: {cpu: 1}}}]\n"
	}
	out := Run(items(t, wl("Deployment")+"---\n"+wl("StatefulSet")), Options{})
	require.True(t, out.Diagnostics.HasErrors())
	require.Contains(t, out.Diagnostics.Error(), "ScaledObject worker would be generated for both Deployment/ml/worker and StatefulSet/ml/worker")
}
