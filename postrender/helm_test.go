package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/stretchr/testify/require"
)

func helm3(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	helm := testbin.Tool(t, "helm3/helm")
	home := t.TempDir()
	cmd := exec.Command(helm, args...)
	cmd.Dir = testbin.Root(t)
	cmd.Env = append(os.Environ(), "HELM_DATA_HOME="+filepath.Join(home, "data"), "HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_CACHE_HOME="+filepath.Join(home, "cache"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestHelm3TemplateWithPostRenderer renders the example chart with the real
// Helm 3 and the built post-renderer.
func TestHelm3TemplateWithPostRenderer(t *testing.T) {
	pr := testbin.Build(t, "./postrender", "ml-autoscaling-postrender")
	plain, stderr, err := helm3(t, "template", "demo", "charts/ml-autoscaling", "--namespace", "ml")
	require.NoError(t, err, stderr)
	out, stderr, err := helm3(t, "template", "demo", "charts/ml-autoscaling", "--namespace", "ml",
		"--post-renderer", pr, "--post-renderer-args=--config=examples/policy.yaml")
	require.NoError(t, err, stderr)
	require.Equal(t, 2, strings.Count(out, "\nkind: ScaledObject\n"), out)
	require.Contains(t, out, "kind: TriggerAuthentication")
	require.Contains(t, plain, "kind: HorizontalPodAutoscaler")
	require.NotContains(t, out, "kind: HorizontalPodAutoscaler", "the chart's conflicting HPA is removed")
	require.NotContains(t, out, "amqp://", "no credentials in the output")
	require.NoError(t, kedatest.ValidateStream([]byte(out)))

	// with the GPU service on, too
	out, stderr, err = helm3(t, "template", "demo", "charts/ml-autoscaling", "--namespace", "ml",
		"--set", "services.vllmService.enabled=true",
		"--post-renderer", pr, "--post-renderer-args=--config=examples/policy.yaml")
	require.NoError(t, err, stderr)
	require.Equal(t, 3, strings.Count(out, "\nkind: ScaledObject\n"), out)
	require.NoError(t, kedatest.ValidateStream([]byte(out)))
}

// TestHelm3PostRendererFailureStopsRender checks that a bad annotation fails
// helm template with the tool's message, and nothing is rendered.
func TestHelm3PostRendererFailureStopsRender(t *testing.T) {
	pr := testbin.Build(t, "./postrender", "ml-autoscaling-postrender")
	out, stderr, err := helm3(t, "template", "demo", "charts/ml-autoscaling", "--namespace", "ml",
		"--set-string", "services.celeryWorker.autoscaling.maxReplicas=ten",
		"--post-renderer", pr, "--post-renderer-args=--config=examples/policy.yaml")
	require.Error(t, err)
	require.Empty(t, out)
	require.Contains(t, stderr, `ml-autoscaling.io/max-replicas: "ten": not a whole number`)
}
