package kedatest

import (
	"strings"
	"testing"

	"github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	sigsyaml "sigs.k8s.io/yaml"
)

const validScaledObject = `
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: worker
  namespace: jobs
spec:
  scaleTargetRef:
    name: worker
  minReplicaCount: 2
  maxReplicaCount: 20
  idleReplicaCount: 0
  pollingInterval: 30
  cooldownPeriod: 300
  triggers:
  - type: rabbitmq
    name: rabbitmq
    metadata:
      protocol: amqp
      mode: QueueLength
      queueName: tasks
      value: "20"
    authenticationRef:
      name: worker-rabbitmq
  - type: prometheus
    name: requests
    metricType: AverageValue
    metadata:
      serverAddress: http://prometheus-operated.monitoring.svc.cluster.local:9090
      query: sum(rate(http_requests_total{namespace="jobs"}[2m]))
      threshold: "100"
  - type: cpu
    metricType: Utilization
    metadata:
      value: "70"
`

const validTriggerAuthentication = `
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata:
  name: worker-rabbitmq
  namespace: jobs
spec:
  secretTargetRef:
  - parameter: host
    name: rabbitmq-conn
    key: host
`

// mutate parses the valid ScaledObject, applies f and renders it back to YAML.
func mutate(t *testing.T, f func(so map[string]any)) []byte {
	t.Helper()
	var so map[string]any
	require.NoError(t, sigsyaml.Unmarshal([]byte(validScaledObject), &so))
	f(so)
	out, err := sigsyaml.Marshal(so)
	require.NoError(t, err)
	return out
}

func specOf(so map[string]any) map[string]any { return so["spec"].(map[string]any) }

func triggersOf(so map[string]any) []any { return specOf(so)["triggers"].([]any) }

func setName(name string) func(map[string]any) {
	return func(so map[string]any) { so["metadata"].(map[string]any)["name"] = name }
}

func TestValidateDocument(t *testing.T) {
	cpuOnly := []any{map[string]any{"type": "cpu", "metricType": "Utilization", "metadata": map[string]any{"value": "70"}}}
	tests := []struct {
		name    string
		doc     func(t *testing.T) []byte
		wantErr []string // substrings; nil means valid
	}{
		{name: "valid ScaledObject", doc: func(*testing.T) []byte { return []byte(validScaledObject) }},
		{name: "valid TriggerAuthentication", doc: func(*testing.T) []byte { return []byte(validTriggerAuthentication) }},
		{name: "not a KEDA document", doc: func(*testing.T) []byte {
			return []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {bogus: 1}\n")
		}},
		{name: "empty document", doc: func(*testing.T) []byte { return []byte("# only a comment\n") }},
		{name: "short HPA name rescues a long ScaledObject name", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) {
				setName(strings.Repeat("a", 60))(so)
				specOf(so)["advanced"] = map[string]any{"horizontalPodAutoscalerConfig": map[string]any{"name": "short"}}
			})
		}},
		{name: "unknown field in spec", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { specOf(so)["minReplicas"] = 1 })
		}, wantErr: []string{"ScaledObject jobs/worker", "strict decode", `unknown field "spec.minReplicas"`}},
		{name: "min greater than max", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { specOf(so)["minReplicaCount"] = 30 })
		}, wantErr: []string{
			"x-kubernetes-validations", "minReplicaCount must be less than or equal to maxReplicaCount (minReplicaCount=30, maxReplicaCount=20)",
			"KEDA webhook: MinReplicaCount=30 must be less than MaxReplicaCount=20",
		}},
		{name: "min greater than default max 100 (CEL rule only)", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { specOf(so)["minReplicaCount"] = 101; delete(specOf(so), "maxReplicaCount") })
		}, wantErr: []string{"minReplicaCount=101, maxReplicaCount=100"}},
		{name: "idle equal to min", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { specOf(so)["idleReplicaCount"] = 2 })
		}, wantErr: []string{"IdleReplicaCount=2 must be less than MinReplicaCount=2"}},
		{name: "duplicate trigger names", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { triggersOf(so)[1].(map[string]any)["name"] = "rabbitmq" })
		}, wantErr: []string{`triggerName "rabbitmq" is defined multiple times`}},
		{name: "ScaledObject name of 64 characters", doc: func(t *testing.T) []byte {
			return mutate(t, setName(strings.Repeat("a", 64)))
		}, wantErr: []string{"is 64 characters long; must be no more than 63"}},
		{name: "keda-hpa- plus name over 63 characters", doc: func(t *testing.T) []byte {
			return mutate(t, setName(strings.Repeat("b", 55)))
		}, wantErr: []string{`HPA name "keda-hpa-bbbb`, "is 64 characters long"}},
		{name: "name not a DNS subdomain", doc: func(t *testing.T) []byte {
			return mutate(t, setName("Worker_1"))
		}, wantErr: []string{"metadata: metadata.name: Invalid value"}},
		{name: "trigger without type", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { delete(triggersOf(so)[0].(map[string]any), "type") })
		}, wantErr: []string{"CRD schema", "spec.triggers[0].type in body is required"}},
		{name: "wrongly cased field", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { specOf(so)["MaxReplicaCount"] = specOf(so)["maxReplicaCount"] })
		}, wantErr: []string{`unknown field "spec.MaxReplicaCount"`}},
		{name: "fallback with only cpu triggers", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) {
				specOf(so)["triggers"] = cpuOnly
				specOf(so)["fallback"] = map[string]any{"failureThreshold": 3, "replicas": 5}
			})
		}, wantErr: []string{"at least one trigger (that is not cpu or memory)"}},
		{name: "string for minReplicaCount", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { specOf(so)["minReplicaCount"] = "2" })
		}, wantErr: []string{"CRD schema: spec.minReplicaCount in body must be of type integer", "strict decode"}},
		{name: "fractional minReplicaCount", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { specOf(so)["minReplicaCount"] = 1.5 })
		}, wantErr: []string{"CRD schema: spec.minReplicaCount in body must be of type int32"}},
		{name: "integer trigger metadata value", doc: func(t *testing.T) []byte {
			return mutate(t, func(so map[string]any) { triggersOf(so)[0].(map[string]any)["metadata"].(map[string]any)["value"] = 20 })
		}, wantErr: []string{"spec.triggers[0].metadata.value in body must be of type string"}},
		{name: "TriggerAuthentication missing key", doc: func(*testing.T) []byte {
			return []byte(strings.Replace(validTriggerAuthentication, "    key: host\n", "", 1))
		}, wantErr: []string{"TriggerAuthentication jobs/worker-rabbitmq", "spec.secretTargetRef[0].key in body is required"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateDocument(tc.doc(t))
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tc.wantErr {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestValidateStream(t *testing.T) {
	bad := strings.Replace(validScaledObject, "minReplicaCount: 2", "minReplicaCount: 50", 1)
	list := "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: keda.sh/v1alpha1, kind: ScaledObject, metadata: {name: l}, " +
		"spec: {scaleTargetRef: {name: l}, minReplicaCount: 3, maxReplicaCount: 1, triggers: [{type: cpu, metricType: Utilization, metadata: {value: \"50\"}}]}}\n"
	tests := []struct {
		name    string
		stream  string
		wantErr []string
	}{
		{name: "valid", stream: validScaledObject + "---\n" + validTriggerAuthentication + "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n"},
		{name: "second document bad", stream: validTriggerAuthentication + "---\n" + bad, wantErr: []string{"document 2: ScaledObject jobs/worker", "MinReplicaCount=50"}},
		{name: "List item bad", stream: list, wantErr: []string{"document 1, items[0]: ScaledObject l:", "MinReplicaCount=3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateStream([]byte(tc.stream))
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tc.wantErr {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func decodeSO(t *testing.T, doc []byte) *v1alpha1.ScaledObject {
	t.Helper()
	var so v1alpha1.ScaledObject
	require.NoError(t, strictDecode(doc, &so))
	return &so
}

func TestKEDAAcceptsAndV216Fallback(t *testing.T) {
	avgOnly := func(so map[string]any) {
		for _, tr := range triggersOf(so)[:2] {
			tr.(map[string]any)["metricType"] = "AverageValue"
		}
		specOf(so)["triggers"] = triggersOf(so)[:2]
		specOf(so)["fallback"] = map[string]any{"failureThreshold": 3, "replicas": 5}
	}
	tests := []struct {
		name     string
		mutate   func(so map[string]any)
		wantKEDA string // substring of KEDAAccepts' error; "" means accepted
		want216  string // substring of ValidateV216Fallback's error; "" means accepted
	}{
		{name: "no fallback", mutate: func(map[string]any) {}},
		{name: "fallback, all AverageValue", mutate: avgOnly},
		{name: "fallback with cpu trigger: 2.21 accepts, 2.16 rejects", mutate: func(so map[string]any) {
			specOf(so)["fallback"] = map[string]any{"failureThreshold": 3, "replicas": 5}
		}, want216: `spec.triggers[2] (type "cpu", name ""): fallback is not supported with cpu/memory triggers`},
		{name: "fallback with empty metricType: 2.16 rejects", mutate: func(so map[string]any) {
			avgOnly(so)
			delete(triggersOf(so)[0].(map[string]any), "metricType")
		}, want216: `metricType is "", but fallback requires every trigger to set metricType: AverageValue`},
		{name: "fallback.behavior: 2.16 rejects", mutate: func(so map[string]any) {
			avgOnly(so)
			specOf(so)["fallback"].(map[string]any)["behavior"] = "currentReplicas"
		}, want216: `behavior "currentReplicas" does not exist before KEDA 2.17`},
		{name: "negative fallback replicas", mutate: func(so map[string]any) {
			avgOnly(so)
			specOf(so)["fallback"].(map[string]any)["replicas"] = -1
		}, wantKEDA: "must both be greater than or equal to 0", want216: "must both be >= 0"},
		{name: "bad scalingModifiers formula", mutate: func(so map[string]any) {
			specOf(so)["advanced"] = map[string]any{"scalingModifiers": map[string]any{"formula": "rabbitmq +", "target": "5"}}
		}, wantKEDA: "error validating formula in ScalingModifiers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			so := decodeSO(t, mutate(t, tc.mutate))
			for _, c := range []struct {
				err  error
				want string
			}{{KEDAAccepts(so), tc.wantKEDA}, {ValidateV216Fallback(so), tc.want216}} {
				if c.want == "" {
					assert.NoError(t, c.err)
				} else if assert.Error(t, c.err) {
					assert.Contains(t, c.err.Error(), "ScaledObject jobs/worker")
					assert.Contains(t, c.err.Error(), c.want)
				}
			}
		})
	}
}

// TestCRDRulesAreKnown fails when KEDA's CRDs carry x-kubernetes-validations rules other than
// the ones celRules re-implements.
func TestCRDRulesAreKnown(t *testing.T) {
	all, err := loadSchemas()
	require.NoError(t, err)
	var rules []string
	for kind, s := range all {
		var walk func(path string, st *structuralschema.Structural)
		walk = func(path string, st *structuralschema.Structural) {
			if st == nil {
				return
			}
			if st.ValidationExtensions.XValidations != nil {
				for _, r := range st.ValidationExtensions.XValidations {
					rules = append(rules, kind+" "+path+": "+r.Rule)
				}
			}
			for k, p := range st.Properties {
				walk(path+"."+k, &p)
			}
			walk(path+"[]", st.Items)
			if st.AdditionalProperties != nil {
				walk(path+"{}", st.AdditionalProperties.Structural)
			}
		}
		walk("", s.structural)
	}
	assert.Equal(t, []string{"ScaledObject .spec: !has(self.minReplicaCount) || self.minReplicaCount <= " +
		"(has(self.maxReplicaCount) ? self.maxReplicaCount : 100)"}, rules)
}
