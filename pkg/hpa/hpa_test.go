package hpa

import (
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestTargets(t *testing.T) {
	mk := func(ref string) *HPA {
		n, err := yaml.Parse("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: " + ref + "\n")
		require.NoError(t, err)
		return FromNode(n)
	}
	require.True(t, mk("{apiVersion: apps/v1, kind: Deployment, name: w}").Targets("Deployment", "w"))
	require.True(t, mk("{kind: Deployment, name: w}").Targets("Deployment", "w"))
	require.False(t, mk("{apiVersion: apps/v1, kind: StatefulSet, name: w}").Targets("Deployment", "w"))
	require.False(t, mk("{apiVersion: argoproj.io/v1alpha1, kind: Deployment, name: w}").Targets("Deployment", "w"))
	require.False(t, mk("{apiVersion: apps/v1, kind: Deployment, name: other}").Targets("Deployment", "w"))
	require.True(t, IsHPA("autoscaling/v1", Kind))
	require.True(t, IsHPA("autoscaling/v2beta2", Kind))
	require.False(t, IsHPA("keda.sh/v1alpha1", Kind))
}
