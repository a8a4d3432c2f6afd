package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/stretchr/testify/require"
)

// TestHelm3OptInThroughPodAnnotationsOrRule renders the example chart with
// the real Helm 3 and the post-renderer, the worker's own annotations
// switched off: it opts in through its podAnnotations value (set with
// --set-string, as a user of any chart would), or through a policy rule
// with no value changed at all.
func TestHelm3OptInThroughPodAnnotationsOrRule(t *testing.T) {
	pr := testbin.Build(t, "./postrender", "ml-autoscaling-postrender")
	const worker = "ml-autoscaling.io/generated-for: Deployment/demo-ml-autoscaling-celery-worker"
	base := []string{"template", "demo", "charts/ml-autoscaling", "--namespace", "ml",
		"--set", "services.celeryWorker.autoscaling.enabled=false",
		"--post-renderer", pr, "--post-renderer-args=--namespace=ml"}

	out, stderr, err := helm3(t, base...)
	require.NoError(t, err, stderr)
	require.NotContains(t, out, worker, "without annotations the worker is not scaled")

	pod := append(append([]string{}, base...),
		"--set-string", `services.celeryWorker.podAnnotations.ml-autoscaling\.io/enabled=true`,
		"--set-string", `services.celeryWorker.podAnnotations.ml-autoscaling\.io/rabbitmq-queue=celery`,
		"--set-string", `services.celeryWorker.podAnnotations.ml-autoscaling\.io/rabbitmq-secret=rabbitmq-conn`)
	out, stderr, err = helm3(t, pod...)
	require.NoError(t, err, stderr)
	require.Contains(t, out, worker)
	require.NoError(t, kedatest.ValidateStream([]byte(out)))

	policy := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte(`apiVersion: ml-autoscaling.io/v1alpha1
kind: MLAutoscalingPolicy
metadata: {name: rules}
spec:
  rules:
  - name: celery
    match: {names: ["*-celery-worker"]}
    settings: {rabbitmqQueue: celery, rabbitmqSecret: rabbitmq-conn}
`), 0o644))
	out, stderr, err = helm3(t, append(base, "--post-renderer-args=--config="+policy)...)
	require.NoError(t, err, stderr)
	require.Contains(t, out, worker)
	require.Equal(t, 2, strings.Count(out, worker), "a ScaledObject and a TriggerAuthentication for the worker")
	require.NoError(t, kedatest.ValidateStream([]byte(out)))
}
