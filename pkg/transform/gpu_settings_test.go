package transform

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// gpuSettingsWorkload is a CPU workload whose annotations and resources the cases fill in.
const gpuSettingsWorkload = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: w
  namespace: ml
  annotations:
    ml-autoscaling.io/enabled: "true"
    ml-autoscaling.io/cpu-utilization: "60"
%s
spec:
  template:
    spec:
      containers:
      - name: c
        image: x
        resources: {requests: {cpu: "1"}%s}
`

func TestGPUOnlySettingsWithoutGPUWarn(t *testing.T) {
	pol := "  defaults: {queuePerReplica: \"3\"}\n  profiles:\n    serving: {inferenceServer: vllm}\n"
	cases := []struct {
		name, annotations, limits string
		want                      []string
		none                      bool
	}{
		{name: "budget without GPU", annotations: `    ml-autoscaling.io/gpu-budget: "4"`,
			want: []string{"ml-autoscaling.io/gpu-budget: ignored: the workload claims no GPU"}},
		{name: "utilisation without GPU", annotations: `    ml-autoscaling.io/gpu-utilization: "50"`,
			want: []string{"ml-autoscaling.io/gpu-utilization: ignored"}},
		{name: "from a profile", annotations: `    ml-autoscaling.io/profile: serving`,
			want: []string{"ml-autoscaling.io/inference-server (from profile serving): ignored"}},
		{name: "gpu off", annotations: "    ml-autoscaling.io/gpu: \"off\"\n    ml-autoscaling.io/gpu-budget: \"4\"", limits: ", limits: {nvidia.com/gpu: 1}",
			want: []string{"ml-autoscaling.io/gpu-budget: ignored: GPU handling is off (annotation ml-autoscaling.io/gpu: off)"}},
		{name: "policy defaults are not reported", annotations: "", none: true},
		{name: "GPU workload uses them", annotations: `    ml-autoscaling.io/gpu-budget: "4"`, limits: ", limits: {nvidia.com/gpu: 1}", none: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(strings.Replace(gpuSettingsWorkload, "%s", c.annotations, 1), "%s", c.limits, 1)
			out := Run(items(t, doc), Options{Policy: policy(t, pol)})
			require.False(t, out.Diagnostics.HasErrors(), out.Diagnostics.Error())
			w := warnings(out.Diagnostics)
			if c.none {
				require.NotContains(t, w, "ignored")
				return
			}
			for _, s := range c.want {
				require.Contains(t, w, s)
			}
			require.Contains(t, w, "Deployment/ml/w")
		})
	}
}
