package main

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/stretchr/testify/require"
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
