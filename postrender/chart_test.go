package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// allOn switches on every optional part of the example chart.
var allOn = []string{"--set", "services.vllmService.enabled=true,services.vllmService.serviceMonitor.enabled=true,monitoring.prometheusRule.enabled=true,serviceAccount.create=true"}

// TestChartLintsClean runs helm lint --strict on the example chart with
// default values and with every optional part on.
func TestChartLintsClean(t *testing.T) {
	for _, extra := range [][]string{nil, allOn} {
		out, stderr, err := helm3(t, append([]string{"lint", "--strict", "charts/ml-autoscaling"}, extra...)...)
		require.NoError(t, err, out+stderr)
		require.Contains(t, out, "1 chart(s) linted, 0 chart(s) failed")
		require.NotContains(t, out, "[WARNING]")
		require.NotContains(t, out, "[ERROR]")
	}
}

// TestChartAllOptionalPartsPostRendered renders the chart with every
// optional part on through the post-renderer and validates every KEDA
// object against KEDA's CRDs and validators.
func TestChartAllOptionalPartsPostRendered(t *testing.T) {
	pr := testbin.Build(t, "./postrender", "ml-autoscaling-postrender")
	out, stderr, err := helm3(t, append([]string{"template", "demo", "charts/ml-autoscaling", "--namespace", "ml",
		"--post-renderer", pr, "--post-renderer-args=--config=examples/policy.yaml", "--post-renderer-args=--namespace=ml"}, allOn...)...)
	require.NoError(t, err, stderr)
	require.NoError(t, kedatest.ValidateStream([]byte(out)))
	for _, kind := range []string{"PrometheusRule", "ServiceMonitor", "ServiceAccount", "ConfigMap"} {
		require.Contains(t, out, "\nkind: "+kind+"\n")
	}
	require.Equal(t, 3, strings.Count(out, "\nkind: ScaledObject\n"))
	require.Contains(t, out, "grafana_dashboard")
}

// TestChartNameHelpersAgreeWithTheTool renders the chart's pod-pattern and
// name helpers (templates/_monitoring.tpl) in a throw-away chart with the
// real Helm 3 and compares them with what the tool generates, for names of
// every length where Kubernetes or KEDA cut them.
func TestChartNameHelpersAgreeWithTheTool(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "templates"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: helpers\nversion: 0.1.0\n"), 0o644))
	tpl, err := os.ReadFile(filepath.Join(testbin.Root(t), "charts/ml-autoscaling/templates/_monitoring.tpl"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "templates", "_monitoring.tpl"), tpl, 0o644))
	var names []string
	for n := 1; n <= 70; n++ {
		names = append(names, strings.Repeat("v", n/2)+strings.Repeat("l.m-", 20)[:n-n/2])
	}
	names = append(names, strings.Repeat("w", 200))
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: names}\ndata:\n")
	for i, n := range names {
		fmt.Fprintf(&b, "  pods-%d: {{ include \"ml-autoscaling.podPattern\" (list \"Deployment\" %q) | quote }}\n", i, n)
		fmt.Fprintf(&b, "  so-%d: {{ include \"ml-autoscaling.scaledObjectName\" %q | quote }}\n", i, n)
		fmt.Fprintf(&b, "  hpa-%d: {{ include \"ml-autoscaling.hpaName\" (list %q (dict)) | quote }}\n", i, n)
	}
	b.WriteString("  chosen: {{ include \"ml-autoscaling.hpaName\" (list \"w\" (dict \"ml-autoscaling.io/hpa-name\" \"mine\")) | quote }}\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "templates", "names.yaml"), []byte(b.String()), 0o644))
	out, stderr, err := helm3(t, "template", "x", dir)
	require.NoError(t, err, stderr)
	n, err := yaml.Parse(out)
	require.NoError(t, err)
	data := n.GetDataMap()
	for i, name := range names {
		require.Equal(t, podname.Pattern(podname.Workload{Kind: "Deployment", Name: name}), data[fmt.Sprintf("pods-%d", i)], "pod pattern of %s (%d characters)", name, len(name))
		require.Equal(t, keda.ScaledObjectName(name), data[fmt.Sprintf("so-%d", i)], "ScaledObject of %s", name)
		hpa, _ := keda.HPANameFor(name, "")
		require.Equal(t, hpa, data[fmt.Sprintf("hpa-%d", i)], "HPA of %s", name)
	}
	require.Equal(t, "mine", data["chosen"])
}
