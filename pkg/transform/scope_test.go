package transform

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestScopeDecidesWhatIsScaled runs the transform on workloads that opt in
// (or not) in each way the scope decision knows, and checks what comes out:
// scaled workloads lose their HPAs, the others are listed with the reason.
func TestScopeDecidesWhatIsScaled(t *testing.T) {
	const hpa = "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h-%s, namespace: ml}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: %s}, maxReplicas: 3}\n"
	workload := func(name, ann, podAnn string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + ", namespace: ml, annotations: {" + ann + "}}\n" +
			"spec: {template: {metadata: {annotations: {" + podAnn + "}}, spec: {containers: [{name: c, image: x, resources: {requests: {cpu: 1}}}]}}}\n" +
			fmt.Sprintf(hpa, name, name)
	}
	for _, c := range []struct {
		name, input, spec string
		scaled, kept      []string // workloads with a ScaledObject; HPAs left
		notScaled         map[string]string
		errors            bool
	}{
		{name: "pod template", input: workload("a", "", `ml-autoscaling.io/enabled: "true", ml-autoscaling.io/cpu-utilization: "60"`),
			scaled: []string{"a"}},
		{name: "rule", input: workload("a", "", ""), spec: "  rules:\n  - {name: r, match: {names: [a]}, settings: {cpuUtilization: \"60\"}}\n",
			scaled: []string{"a"}},
		{name: "keys without opt-in", input: workload("a", `ml-autoscaling.io/cpu-utilization: "60"`, ""),
			kept: []string{"h-a"}, notScaled: map[string]string{"Deployment/ml/a": "neither"}},
		{name: "opted in without a trigger", input: workload("a", "", `ml-autoscaling.io/enabled: "true"`),
			errors: true, notScaled: map[string]string{"Deployment/ml/a": "errors, listed below"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := Run(items(t, c.input), Options{Policy: policy(t, c.spec)})
			require.Equal(t, c.errors, out.Diagnostics.HasErrors(), out.Diagnostics.Error())
			notScaled := map[string]string{}
			var scaled []string
			for _, p := range out.Plans {
				if p.NotScaled != "" {
					notScaled[p.Workload.String()] = p.NotScaled
				} else {
					scaled = append(scaled, p.Workload.Name)
				}
			}
			require.Equal(t, c.scaled, scaled)
			require.Len(t, notScaled, len(c.notScaled))
			for ref, reason := range c.notScaled {
				require.Contains(t, notScaled[ref], reason)
			}
			if c.errors {
				return
			}
			var hpas []string
			for _, n := range out.Items {
				if n.GetKind() == "HorizontalPodAutoscaler" {
					hpas = append(hpas, n.GetName())
				}
			}
			require.Equal(t, c.kept, hpas)
		})
	}
}
