package examples_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// podinfoChart is the podinfo chart as released, rendered by Helm: a
// Deployment and a Service with no ml-autoscaling.io key anywhere.
const podinfoChart = "testdata/charts/podinfo/defaults/rendered.yaml"

// podinfoRule opts podinfo in by its image alone, as a rule of the policy.
const podinfoRule = `match: {images: ["ghcr.io/stefanprodan/podinfo:*"]}
    settings: {cpuUtilization: "70", maxReplicas: "5"}`

// resourcesByID reads a stream and returns each resource, as plain data, by
// kind/name, so that hosts that order keys differently can be compared.
func resourcesByID(t *testing.T, stream string) map[string]any {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(stream), OmitReaderAnnotations: true}).Read()
	require.NoError(t, err)
	out := map[string]any{}
	for _, n := range nodes {
		s, err := n.String()
		require.NoError(t, err)
		var v any
		require.NoError(t, yaml.Unmarshal([]byte(s), &v))
		out[n.GetKind()+"/"+n.GetName()] = v
	}
	return out
}

// ruleHost renders the podinfo chart with the rule through one host and
// returns every resource it writes.
type ruleHost func(t *testing.T, chart []byte) string

// kustomizeRule runs the function as kustomize's exec transformer, with the
// rule in an MLAutoscalingPolicy.
func kustomizeRule(t *testing.T, chart []byte) string {
	kustomize := testbin.Tool(t, "kustomize")
	fn := testbin.Build(t, "./fn", "ml-autoscaling")
	dir := t.TempDir()
	files := map[string]string{
		"manifests.yaml":     string(chart),
		"kustomization.yaml": "resources: [manifests.yaml]\ntransformers: [autoscaling.yaml]\n",
		"autoscaling.yaml": `apiVersion: ml-autoscaling.io/v1alpha1
kind: MLAutoscalingPolicy
metadata:
  name: autoscaling
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ` + fn + `
spec:
  rules:
  - name: podinfo
    ` + podinfoRule + "\n",
	}
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	out, stderr, err := run(t, dir, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	require.NoError(t, err, stderr)
	return out
}

// kptRule runs the function as a kpt exec mutator, with the rule in the
// ConfigMap form (one key per rule), and returns the package's resources.
func kptRule(t *testing.T, chart []byte) string {
	kptBin := kpt(t)
	fn := testbin.Build(t, "./fn", "ml-autoscaling")
	pkg := t.TempDir()
	files := map[string]string{
		"manifests.yaml": string(chart),
		"Kptfile": `apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: podinfo
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
  mutators:
  - exec: ` + fn + `
    configPath: autoscaling-policy.yaml
`,
		"autoscaling-policy.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: autoscaling-policy
  annotations:
    config.kubernetes.io/local-config: "true"
data:
  rules.podinfo: |
    ` + podinfoRule + "\n",
	}
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(pkg, name), []byte(content), 0o644))
	}
	_, stderr, err := run(t, pkg, nil, kptBin, "fn", "render", ".", "--allow-exec")
	require.NoError(t, err, stderr)
	var all strings.Builder
	for rel, content := range readTree(t, pkg) {
		if rel != "autoscaling-policy.yaml" {
			all.WriteString("---\n" + content)
		}
	}
	return all.String()
}

// TestRuleOptInKustomizeAndKpt opts a real chart in through a policy rule
// only, with no change to the chart, and checks that kustomize and kpt both
// scale it: a ScaledObject with the rule's settings, spec.replicas removed,
// and the Service as it was.
func TestRuleOptInKustomizeAndKpt(t *testing.T) {
	chart, err := os.ReadFile(filepath.Join(testbin.Root(t), podinfoChart))
	require.NoError(t, err)
	in := resourcesByID(t, string(chart))
	require.NotContains(t, string(chart), "ml-autoscaling.io", "the chart opts in by nothing of its own")

	for _, c := range []struct {
		name   string
		render ruleHost
	}{
		{"kustomize", kustomizeRule},
		{"kpt", kptRule},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := resourcesByID(t, c.render(t, chart))
			require.ElementsMatch(t, []string{"Service/web-podinfo", "Deployment/web-podinfo", "ScaledObject/web-podinfo"}, keys(out))
			require.Equal(t, in["Service/web-podinfo"], out["Service/web-podinfo"], "the Service is not changed")

			require.Nil(t, lookup(out["Deployment/web-podinfo"], "spec", "replicas"), "spec.replicas is removed")
			so := out["ScaledObject/web-podinfo"]
			for _, f := range []struct {
				path []any
				want string
			}{
				{[]any{"metadata", "namespace"}, "ml"},
				{[]any{"metadata", "annotations", "ml-autoscaling.io/generated-for"}, "Deployment/web-podinfo"},
				{[]any{"spec", "scaleTargetRef", "name"}, "web-podinfo"},
				{[]any{"spec", "minReplicaCount"}, "1"},
				{[]any{"spec", "maxReplicaCount"}, "5"},
				{[]any{"spec", "triggers", 0, "type"}, "cpu"},
				{[]any{"spec", "triggers", 0, "metadata", "value"}, "70"},
			} {
				require.Equal(t, f.want, fmt.Sprint(lookup(so, f.path...)), "ScaledObject %v", f.path)
			}
			require.Len(t, lookup(so, "spec", "triggers"), 1, "the rule's CPU trigger only")
		})
	}
}

// lookup follows map keys (strings) and list indexes (ints) through plain
// data; nil when a step is missing.
func lookup(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// keys returns the keys of a map.
func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
