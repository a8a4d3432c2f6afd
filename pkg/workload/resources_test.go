package workload

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckResources(t *testing.T) {
	const c = "      - name: vllm\n        image: x\n        resources: "
	cases := []struct {
		name, containers string
		// want holds one "field|message part" per expected error.
		want []string
	}{
		{"gpu limit only", c + "{limits: {nvidia.com/gpu: 1}}\n", nil},
		{"gpu request equals limit", c + "{requests: {nvidia.com/gpu: \"2\"}, limits: {nvidia.com/gpu: 2}}\n", nil},
		{"cpu and memory", c + "{requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: \"1\", memory: 1Gi}}\n", nil},
		{"null resources", c + "null\n", nil},
		{"no resources", "      - {name: vllm, image: x}\n", nil},
		{"fraction", c + "{limits: {nvidia.com/gpu: \"1.5\"}}\n", []string{"containers[vllm].resources.limits.nvidia.com/gpu|rejects a fraction"}},
		{"milli fraction", c + "{limits: {amd.com/gpu: 500m}}\n", []string{"limits.amd.com/gpu|rejects a fraction"}},
		{"negative", c + "{limits: {nvidia.com/gpu: \"-1\"}}\n", []string{"limits.nvidia.com/gpu|negative"}},
		{"not a quantity", c + "{limits: {nvidia.com/gpu: abc}}\n", []string{"limits.nvidia.com/gpu|not a Kubernetes quantity"}},
		{"sequence quantity", c + "{limits: {nvidia.com/gpu: [1]}}\n", []string{"limits.nvidia.com/gpu|a sequence, not a number"}},
		{"empty quantity", c + "{limits: {nvidia.com/gpu: }}\n", []string{"limits.nvidia.com/gpu|null"}},
		{"request without limit", c + "{requests: {nvidia.com/mig-3g.20gb: 1}}\n", []string{"limits.nvidia.com/mig-3g.20gb|without a limit"}},
		{"request differs from limit", c + "{requests: {nvidia.com/gpu: 1}, limits: {nvidia.com/gpu: 2}}\n", []string{"requests.nvidia.com/gpu|equal the limit"}},
		{"invalid limit is reported once", c + "{requests: {nvidia.com/gpu: 1}, limits: {nvidia.com/gpu: abc}}\n", []string{"limits.nvidia.com/gpu|not a Kubernetes quantity"}},
		{"cpu request above limit", c + "{requests: {cpu: \"2\"}, limits: {cpu: \"1\"}}\n", []string{"requests.cpu|more cpu than its limit"}},
		{"bad cpu", c + "{requests: {cpu: lots}}\n", []string{"requests.cpu|not a Kubernetes quantity"}},
		{"requests is a sequence", c + "{requests: [cpu]}\n", []string{"resources.requests|a sequence, not a mapping"}},
		{"resources is a scalar", c + "lots\n", []string{"containers[vllm].resources|a string"}},
		{"unnamed container", "      - image: x\n        resources: {limits: {nvidia.com/gpu: \"0.5\"}}\n", []string{"containers[0].resources.limits.nvidia.com/gpu|fraction"}},
		{"second container", c + "{limits: {nvidia.com/gpu: 1}}\n      - {name: side, image: y, resources: {limits: {nvidia.com/gpu: \"-2\"}}}\n", []string{"containers[side]|negative"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := parse(t, tc.containers).CheckResources()
			require.Len(t, got, len(tc.want), "%v", got)
			for i, w := range tc.want {
				field, msg, _ := strings.Cut(w, "|")
				require.Contains(t, got[i].Field, field)
				require.Contains(t, got[i].Error(), msg)
				require.NotEmpty(t, got[i].Allowed)
			}
		})
	}
}

func TestCheckPodResources(t *testing.T) {
	w := parse(t, "      - {name: a, image: x}\n      resources: {requests: {cpu: \"-1\"}}\n")
	got := w.CheckResources()
	require.Len(t, got, 1)
	require.Equal(t, "spec.template.spec.resources.requests.cpu", got[0].Field)
}

func TestIsExtendedResource(t *testing.T) {
	for name, want := range map[string]bool{
		"nvidia.com/gpu": true, "amd.com/gpu": true, "nvidia.com/mig-1g.5gb": true, "example.com/foo": true,
		"cpu": false, "memory": false, "hugepages-2Mi": false, "kubernetes.io/foo": false, "node.kubernetes.io/x": false, "requests.nvidia.com/gpu": false,
	} {
		require.Equal(t, want, IsExtendedResource(name), name)
	}
}
