package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// TestKrustyExecTransformer runs the built function as a kustomize exec
// transformer, in process, through kustomize's own krusty API.
func TestKrustyExecTransformer(t *testing.T) {
	fn := testbin.Build(t, "./fn", "ml-autoscaling")
	dir := t.TempDir()
	input, err := os.ReadFile("../testdata/golden/hpa-delete/input.yaml")
	require.NoError(t, err)
	write := func(name, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	write("manifests.yaml", string(input))
	write("kustomization.yaml", "resources:\n- manifests.yaml\ntransformers:\n- autoscaling.yaml\n")
	write("autoscaling.yaml", `apiVersion: ml-autoscaling.io/v1alpha1
kind: MLAutoscalingPolicy
metadata:
  name: autoscaling
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: `+fn+`
spec:
  prometheus:
    serverAddress: http://prometheus-operated.monitoring.svc.cluster.local:9090
`)
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	opts.PluginConfig.FnpLoadingOptions.EnableExec = true
	resMap, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	require.NoError(t, err)
	out, err := resMap.AsYaml()
	require.NoError(t, err)
	s := string(out)
	require.Contains(t, s, "kind: ScaledObject")
	require.Contains(t, s, "query: sum(workflow_pending_tasks{service=\"orchestrator\"})")
	require.NotContains(t, s, "name: orchestrator-hpa", "conflicting HPA removed")
	require.NotContains(t, s, "name: orchestrator-legacy", "conflicting v1 HPA removed")
	require.Contains(t, s, "name: frontend", "other workload's HPA kept")
	require.NotContains(t, s, "config.kubernetes.io/index", "no reader annotations leak")
	require.Equal(t, 1, strings.Count(s, "kind: ScaledObject"))
}

// TestKrustyExecTransformerError checks that a bad annotation fails the kustomize build with the message.
func TestKrustyExecTransformerError(t *testing.T) {
	fn := testbin.Build(t, "./fn", "ml-autoscaling")
	dir := t.TempDir()
	input, err := os.ReadFile("../testdata/golden/err-min-greater-than-max/input.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifests.yaml"), input, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n- manifests.yaml\ntransformers:\n- autoscaling.yaml\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "autoscaling.yaml"), []byte("apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata:\n  name: autoscaling\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: "+fn+"\nspec:\n  rabbitmq: {secret: rabbitmq-conn}\n"), 0o644))
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.EnabledPluginConfig(types.BploUseStaticallyLinked)
	opts.PluginConfig.FnpLoadingOptions.EnableExec = true
	// kustomize hands the function's stderr to its own: capture it
	r, w, err := os.Pipe()
	require.NoError(t, err)
	saved := os.Stderr
	os.Stderr = w
	_, runErr := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	os.Stderr = saved
	require.NoError(t, w.Close())
	stderr, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Error(t, runErr)
	require.Contains(t, string(stderr), "Deployment/ml/worker ml-autoscaling.io/min-replicas: \"8\": min-replicas is greater than max-replicas")
}
