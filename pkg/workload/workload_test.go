package workload

import (
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/labelsel"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func parse(t *testing.T, containers string) *Workload {
	t.Helper()
	n, err := yaml.Parse("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      initContainers: [{name: init, image: x, resources: {limits: {nvidia.com/gpu: 8}}}]\n      containers:\n" + containers)
	require.NoError(t, err)
	return FromNode(n)
}

func TestGPUDetection(t *testing.T) {
	cases := []struct {
		containers string
		resource   string
		perPod     int64
	}{
		{"      - {name: a, image: x, resources: {limits: {nvidia.com/gpu: 1}}}\n", "nvidia.com/gpu", 1},
		{"      - {name: a, image: x, resources: {requests: {nvidia.com/gpu: 2}, limits: {nvidia.com/gpu: 2}}}\n", "nvidia.com/gpu", 2},
		{"      - {name: a, image: x, resources: {limits: {nvidia.com/mig-3g.20gb: 1}}}\n", "nvidia.com/mig-3g.20gb", 1},
		{"      - {name: a, image: x, resources: {limits: {amd.com/gpu: 4}}}\n", "amd.com/gpu", 4},
		{"      - {name: a, image: x, resources: {limits: {habana.ai/gaudi: \"1\"}, requests: {habana.ai/gaudi: \"1\"}}}\n", "habana.ai/gaudi", 1},
		{"      - {name: a, image: x, resources: {limits: {nvidia.com/gpu: 1}}}\n      - {name: b, image: y, resources: {requests: {cpu: 1}}}\n", "nvidia.com/gpu", 1},
		{"      - {name: a, image: x, resources: {limits: {nvidia.com/gpu: 1}}}\n      - {name: b, image: y, resources: {limits: {nvidia.com/gpu: 1}}}\n", "nvidia.com/gpu", 2},
		{"      - {name: a, image: x, resources: {requests: {cpu: 1}}}\n", "", 0},
		{"      - {name: a, image: x, resources: {limits: {nvidia.com/gpu: 0}}}\n", "", 0},
	}
	for _, c := range cases {
		g := parse(t, c.containers).GPU()
		if c.perPod == 0 {
			require.Nil(t, g, c.containers)
			continue
		}
		require.NotNil(t, g, c.containers)
		require.Equal(t, c.resource, g.Resource)
		require.Equal(t, c.perPod, g.PerPod)
	}
}

func TestMissingResource(t *testing.T) {
	w := parse(t, "      - {name: a, image: x, resources: {requests: {cpu: 100m}}}\n      - {name: b, image: y, resources: {limits: {cpu: 200m, memory: 1Gi}}}\n      - {name: c, image: z, resources: {requests: {cpu: \"0\"}}}\n")
	require.Equal(t, []string{"c"}, w.MissingResource("cpu"))
	require.Equal(t, []string{"a", "c"}, w.MissingResource("memory"))
}

func TestGPUVendor(t *testing.T) {
	cases := []struct {
		containers  string
		nvidia, mig bool
		nonNVIDIA   []string
	}{
		{"      - {name: a, image: x, resources: {limits: {nvidia.com/gpu: 1}}}\n", true, false, nil},
		{"      - {name: a, image: x, resources: {limits: {nvidia.com/mig-1g.5gb: 2}}}\n", true, true, nil},
		{"      - {name: a, image: x, resources: {limits: {amd.com/gpu: 1}}}\n", false, false, []string{"amd.com/gpu"}},
		{"      - {name: a, image: x, resources: {limits: {habana.ai/gaudi: 1}}}\n", false, false, []string{"habana.ai/gaudi"}},
		{"      - {name: a, image: x, resources: {limits: {nvidia.com/gpu: 1, nvidia.com/mig-3g.20gb: 1}}}\n", true, true, nil},
	}
	for _, c := range cases {
		g := parse(t, c.containers).GPU()
		require.NotNil(t, g, c.containers)
		require.Equal(t, c.nvidia, g.NVIDIA(), c.containers)
		require.Equal(t, c.mig, g.MIG(), c.containers)
		require.Equal(t, c.nonNVIDIA, g.NonNVIDIA(), c.containers)
	}
}

func TestCommandAndArgs(t *testing.T) {
	w := parse(t, "      - name: a\n        image: x\n        command: [\"/opt/venv/bin/vllm\", serve]\n        args: [\"m\", {not: a string}, --port, \"8000\"]\n      - {name: b, image: y, command: not-a-list}\n")
	require.Equal(t, []string{"/opt/venv/bin/vllm", "serve"}, w.Containers[0].Command)
	require.Equal(t, []string{"m", "--port", "8000"}, w.Containers[0].Args)
	require.Nil(t, w.Containers[1].Command)
	require.Nil(t, w.Containers[1].Args)
}

func TestPodsOf(t *testing.T) {
	for _, c := range []struct {
		text             string
		selector, labels string
		start, replicas  int64
		problem          string
	}{
		{"spec: {replicas: 3, selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a, tier: web}}}}", "app=a", "app=a,tier=web", 0, 3, ""},
		{"spec: {ordinals: {start: 5}, selector: {matchExpressions: [{key: app, operator: Exists}]}}", "app", "", 5, 1, ""},
		{"spec: {replicas: many, ordinals: {start: -1}}", "<none>", "", 0, 1, ""},
		{"spec: {selector: {matchLabels: {app: a}}, template: {metadata: {labels: [app]}}}", "app=a", "", 0, 1, "spec.template.metadata.labels"},
		{"spec: {selector: {matchExpressions: [{key: app, operator: Like}]}}", "<none>", "", 0, 1, "spec.selector.matchExpressions[0].operator"},
		{"spec: [x]", "<none>", "", 0, 1, ""},
	} {
		n, err := yaml.Parse("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\n" + c.text)
		require.NoError(t, err)
		p := PodsOf(n)
		require.Equal(t, c.selector, p.Selector.String(), c.text)
		require.Equal(t, c.labels, labelsel.Format(p.Labels), c.text)
		require.Equal(t, c.start, p.OrdinalStart, c.text)
		require.Equal(t, c.replicas, p.Replicas, c.text)
		if c.problem == "" {
			require.Nil(t, p.Problem, c.text)
		} else {
			require.NotNil(t, p.Problem, c.text)
			require.Equal(t, c.problem, p.Problem.Field, c.text)
		}
	}
}
