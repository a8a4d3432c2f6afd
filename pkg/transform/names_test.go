package transform

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/explain"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// named renders a CPU-scaled Deployment with extra annotations.
func named(name, extra string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: ml\n  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/cpu-utilization: \"60\"\n" + extra +
		"spec:\n  selector: {matchLabels: {app: " + name[:min(len(name), 63)] + "}}\n  template:\n    metadata: {labels: {app: " + name[:min(len(name), 63)] + "}}\n    spec:\n      containers: [{name: c, image: x, resources: {requests: {cpu: 100m}}}]\n"
}

func namedHPA(name, target string) string {
	return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: " + name + ", namespace: ml}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: " + target + "}\n  minReplicas: 1\n  maxReplicas: 3\n"
}

// scaledObject returns the generated ScaledObject and the plan of the first workload.
func scaledObject(t *testing.T, out *Output) (*yaml.RNode, *explain.Plan) {
	t.Helper()
	require.False(t, out.Diagnostics.HasErrors(), out.Diagnostics.Error())
	for _, n := range out.Items {
		if n.GetKind() == keda.KindScaledObject {
			return n, out.Plans[0]
		}
	}
	t.Fatal("no ScaledObject")
	return nil, nil
}

func field(t *testing.T, n *yaml.RNode, path ...string) string {
	t.Helper()
	v, err := n.Pipe(yaml.Lookup(path...))
	require.NoError(t, err)
	if v == nil {
		return ""
	}
	return yaml.GetValue(v)
}

func row(p *explain.Plan, setting string) string {
	for _, r := range p.Rows {
		if r.Setting == setting {
			return r.Value + " | " + r.Why
		}
	}
	return ""
}

func TestHPANames(t *testing.T) {
	name55 := "prod-llama-3-1-8b-instruct-fp8-deployment-vllm-inferenc" // keda-hpa-<it>: 64
	name70 := name55 + "-serving-canary"
	hpaPath := []string{"spec", "advanced", "horizontalPodAutoscalerConfig", "name"}
	for _, c := range []struct {
		name, doc, policy string
		soName, hpaName   string
		why               string
	}{
		{"KEDA's default fits", named("worker", ""), "", "worker", "", ""},
		{"54 characters: KEDA's default still fits", named(name55[:54], ""), "", name55[:54], "", ""},
		{"55 characters: shortened", named(name55, ""), "", name55, keda.Shorten("keda-hpa-"+name55, 63), "KEDA's default keda-hpa-" + name55 + " would have 64 characters, KEDA allows 63: shortened"},
		{"70 characters: the ScaledObject too", named(name70, ""), "", keda.Shorten(name70, 63), keda.Shorten("keda-hpa-"+keda.Shorten(name70, 63), 63), "would have 72 characters"},
		{"chosen by annotation", named(name55, "    ml-autoscaling.io/hpa-name: llama-hpa\n"), "", name55, "llama-hpa", "annotation ml-autoscaling.io/hpa-name"},
		{"adopted, long workload name", named(name55, "") + "---\n" + namedHPA("llama", name55), "  hpaConflict: adopt\n", name55, "llama", "the adopted HPA's"},
		{"adopted, annotation names it", named(name55, "    ml-autoscaling.io/hpa-name: llama\n") + "---\n" + namedHPA("llama", name55), "  hpaConflict: adopt\n", name55, "llama", "the adopted HPA's"},
	} {
		out := Run(items(t, c.doc), Options{Policy: policy(t, orDefault(c.policy))})
		so, plan := scaledObject(t, out)
		require.Equal(t, c.soName, so.GetName(), c.name)
		require.Equal(t, c.hpaName, field(t, so, hpaPath...), c.name)
		require.Contains(t, row(plan, "HPA name"), c.why, c.name)
		require.LessOrEqual(t, len(so.GetName()), 63, c.name)
		if c.hpaName == "" {
			require.Empty(t, row(plan, "HPA name"), c.name)
		}
	}
}

func orDefault(p string) string {
	if p == "" {
		return "  hpaConflict: delete\n"
	}
	return p
}

func TestHPANameErrors(t *testing.T) {
	name55 := "prod-llama-3-1-8b-instruct-fp8-deployment-vllm-inferenc"
	long := strings.Repeat("h", 64)
	for _, c := range []struct {
		name, docs, policy string
		errors             int
		want               []string
	}{
		{"adopting under another name than hpa-name", named(name55, "    ml-autoscaling.io/hpa-name: mine\n") + "---\n" + namedHPA("theirs", name55), "  hpaConflict: adopt\n", 1,
			[]string{`ml-autoscaling.io/hpa-name: "mine": KEDA takes over the existing HPA theirs only under its own name`, `allowed: "theirs", the name of the HPA KEDA adopts, or hpa-conflict: delete`}},
		{"adopting an HPA whose name is too long", named("worker", "") + "---\n" + namedHPA(long, "worker"), "  hpaConflict: adopt\n", 1,
			[]string{"HorizontalPodAutoscaler/ml/" + long + `: metadata.name: "` + long + `": KEDA adopts an HPA under its own name, and allows HPA names of at most 63 characters (this one has 64)`}},
		{"two workloads choosing one name", named("a", "    ml-autoscaling.io/hpa-name: shared\n") + "---\n" + named("b", "    ml-autoscaling.io/hpa-name: shared\n"), "", 1,
			[]string{`Deployment/ml/b: ml-autoscaling.io/hpa-name: "shared": KEDA's HPAs for Deployment/ml/a and Deployment/ml/b would both be called shared`}},
		{"an HPA of another workload with KEDA's name", named("a", "") + "---\n" + named("b", "") + "---\n" + namedHPA("keda-hpa-a", "b"), "  hpaConflict: error\n", 2,
			[]string{"HorizontalPodAutoscaler/ml/keda-hpa-a: metadata.name", "KEDA's HPA for Deployment/ml/a has this name too, and this HPA scales Deployment/b", "HPA targets Deployment/ml/b"}},
		{"a Deployment too long to have ReplicaSets", named(strings.Repeat("d", 252), ""), "", 1,
			[]string{"metadata.name", "Kubernetes names this Deployment's ReplicaSets <name>-<hash>, which would exceed 253 characters: it never has pods to scale (allowed: a Deployment name of at most 251 characters)"}},
		{"an HPA of another workload with the chosen name", named("a", "    ml-autoscaling.io/hpa-name: web\n") + "---\n" + namedHPA("web", "elsewhere"), "", 1,
			[]string{"HorizontalPodAutoscaler/ml/web: metadata.name", "KEDA's HPA for Deployment/ml/a has this name too"}},
	} {
		out := Run(items(t, c.docs), Options{Policy: policy(t, orDefault(c.policy))})
		errs := only(out.Diagnostics, diag.Error)
		require.Equal(t, c.errors, strings.Count(errs, "\n"), "%s:\n%s", c.name, errs)
		for _, w := range c.want {
			require.Contains(t, errs, w, c.name)
		}
	}
}
