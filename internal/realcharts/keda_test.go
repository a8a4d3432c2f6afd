package realcharts

import (
	"strings"
	"testing"

	kedav1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// optedInChart is a rendered chart with a workload opted in.
type optedInChart struct {
	label string
	input []byte
}

// optedInCharts returns every opted-in chart the trigger tests run.
func optedInCharts(t *testing.T) []optedInChart {
	t.Helper()
	var out []optedInChart
	for _, c := range gpuCases {
		in, _ := c.input(t)
		out = append(out, optedInChart{c.label(), in})
	}
	add := func(label, dir, kind, name string, ann map[string]string) {
		in, _ := optIn(t, dir, kind, name, ann, nil)
		out = append(out, optedInChart{label, in})
	}
	queues := strings.Join(consumedQueues(t, sentryDir, "Deployment", sentryWorker), ",")
	add("sentry, every queue listed", sentryDir, "Deployment", sentryWorker, map[string]string{annotationPrefix + "rabbitmq-queue": queues})
	add("sentry, one queue listed", sentryDir, "Deployment", sentryWorker, nil)
	add("airflow worker", "airflow/celery-worker-hpa", "StatefulSet", "airflow-worker", nil)
	add("podinfo", "podinfo/pod-annotations-hpa", "Deployment", fullname("web", "podinfo"), nil)
	return out
}

// kedaPolicies are policies for every KEDA version a policy may name as
// its oldest; on 2.16 also with the static fallback GPU workloads may ask
// for, whose rule differs there.
var kedaPolicies = []struct {
	label string
	minor int
	extra []string
}{
	{"2.16", 16, nil}, {"2.16 static fallback", 16, []string{"gpu: {staticFallback: max}"}},
	{"2.17", 17, nil}, {"2.18", 18, nil}, {"2.19", 19, nil}, {"2.20", 20, nil}, {"2.21", 21, nil},
}

// TestRealChartOutputsMeetEveryKEDAVersion renders every opted-in chart
// through both doors for every kedaVersion from 2.16 to 2.21 and checks
// every generated object against KEDA v2.21's CRD schemas, strict decoding
// into its Go types and its validators (internal/kedatest), and every
// ScaledObject against the admission rules of each KEDA from the policy's
// version to 2.21 (keda.Check), on 2.16 also against its stricter fallback
// rule.
func TestRealChartOutputsMeetEveryKEDAVersion(t *testing.T) {
	tl := buildTools(t)
	charts := optedInCharts(t)
	fallbacks := map[int]int{}
	for _, p := range kedaPolicies {
		minor := p.minor
		policy := policyFile(t, minor, p.extra...)
		for _, c := range charts {
			t.Run(p.label+"/"+c.label, func(t *testing.T) {
				r := tl.renderBoth(t, c.input, policy)[0] // both doors generate the same objects
				require.NoError(t, kedatest.ValidateStream([]byte(r.stdout)))
				scaled := 0
				for _, n := range generated(r.objects(t)) {
					switch n.GetKind() {
					case "ScaledObject":
						scaled++
						if checkScaledObject(t, n, minor) {
							fallbacks[minor]++
						}
					case "TriggerAuthentication":
						var ta keda.TriggerAuthentication
						require.NoError(t, yaml.Unmarshal([]byte(n.MustString()), &ta))
						require.Empty(t, keda.CheckAuth(&ta), "TriggerAuthentication %s", n.GetName())
					}
				}
				require.Equal(t, 1, scaled, "one ScaledObject per opted-in workload")
			})
		}
	}
	for _, p := range kedaPolicies {
		minor := p.minor
		require.Positive(t, fallbacks[minor], "no ScaledObject on KEDA 2.%d has a fallback: its rules went unchecked", minor)
	}
}

// checkScaledObject checks one ScaledObject against the rules of every
// KEDA from 2.<minor> to 2.21 and reports whether it has a fallback.
func checkScaledObject(t *testing.T, n *yaml.RNode, minor int) bool {
	t.Helper()
	s := n.MustString()
	var so keda.ScaledObject
	require.NoError(t, yaml.Unmarshal([]byte(s), &so))
	require.Empty(t, keda.Check(&so, minor), "ScaledObject %s on KEDA 2.%d to 2.21", so.Metadata.Name, minor)
	var k kedav1.ScaledObject
	require.NoError(t, sigsyaml.UnmarshalStrict([]byte(s), &k))
	require.NoError(t, kedatest.KEDAAccepts(&k))
	if minor == 16 {
		require.NoError(t, kedatest.ValidateV216Fallback(&k))
	}
	return so.Spec.Fallback != nil
}
