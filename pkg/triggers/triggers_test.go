package triggers

import (
	"regexp"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestMaySelectSeveral(t *testing.T) {
	cases := map[string]bool{
		"sum(up)":                            false,
		"sum(rate(http_requests_total[5m]))": false,
		"  (sum(queue_depth{q=\"a\"}))  ":    false,
		"avg(x) * 2":                         false,
		"max(x) / 100":                       false,
		"scalar(x)":                          false,
		"42":                                 false,
		"up":                                 true,
		"rate(http_requests_total[5m])":      true,
		"sum by (pod) (x)":                   true,
		"sum(x) by (pod)":                    true,
		"sum without (instance) (x)":         true,
		"sum(x) / on(job) group_left y":      true,
		"histogram_quantile(0.9, rate(x_bucket[5m]))": true,
		"sum(x": true,
	}
	for q, want := range cases {
		require.Equal(t, want, MaySelectSeveral(q), q)
	}
}

func TestPodPatternSelectsOnlyTheWorkload(t *testing.T) {
	match := func(kind, name, pod string) bool {
		n, err := yaml.Parse("apiVersion: apps/v1\nkind: " + kind + "\nmetadata: {name: " + name + "}\nspec: {ordinals: {start: 2}}\n")
		require.NoError(t, err)
		pods := Pods(Input{Workload: workload.FromNode(n), Spec: &annotations.Spec{MaxReplicas: 12}})
		return regexp.MustCompile("^(?:" + podname.Pattern(pods) + ")$").MatchString(pod)
	}
	require.True(t, match("Deployment", "vllm", "vllm-7f9c8d6b5-xk2p9"))
	require.False(t, match("Deployment", "vllm", "vllm-small-7f9c8d6b5-xk2p9"), "another Deployment with a longer name")
	require.False(t, match("Deployment", "vllm", "vllm-0"))
	require.True(t, match("Deployment", "llm.v2", "llm.v2-5d8f7-bcdfg"))
	require.False(t, match("Deployment", "llm.v2", "llmxv2-5d8f7-bcdfg"), "dots are literal")
	require.True(t, match("StatefulSet", "shard", "shard-13"), "ordinals from spec.ordinals.start for max-replicas pods")
	require.False(t, match("StatefulSet", "shard", "shard-14"))
	require.False(t, match("StatefulSet", "shard", "shard-a-1"))
}

func TestDetectServer(t *testing.T) {
	for image, want := range map[string]string{
		"vllm/vllm-openai:v0.8.5":                             "vllm",
		"docker.io/vllm/vllm-openai@sha256:abc":               "vllm",
		"ghcr.io/huggingface/text-generation-inference:2.4.0": "tgi",
		"nvcr.io/nvidia/tritonserver:24.08-py3":               "triton",
		"python:3.12-slim":                                    "",
		"registry.example.com/vllm-like/custom-server:1.0":    "",
	} {
		require.Equal(t, want, DetectServer(image), image)
	}
}
