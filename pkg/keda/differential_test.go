package keda_test

import (
	"fmt"
	"strings"
	"testing"

	kedav1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/stretchr/testify/require"
	sigsyaml "sigs.k8s.io/yaml"
)

// toKEDA converts the project's struct into KEDA's own type through YAML,
// strictly: a field KEDA does not know fails the test.
func toKEDA(t *testing.T, so *keda.ScaledObject) *kedav1.ScaledObject {
	t.Helper()
	n, err := keda.ToRNode(so)
	require.NoError(t, err)
	s, err := n.String()
	require.NoError(t, err)
	var out kedav1.ScaledObject
	require.NoError(t, sigsyaml.UnmarshalStrict([]byte(s), &out), s)
	return &out
}

func base() *keda.ScaledObject {
	return &keda.ScaledObject{
		APIVersion: keda.APIVersion,
		Kind:       keda.KindScaledObject,
		Metadata:   keda.ObjectMeta{Name: "worker", Namespace: "ml"},
		Spec: keda.ScaledObjectSpec{
			ScaleTargetRef:  keda.ScaleTarget{APIVersion: "apps/v1", Kind: "Deployment", Name: "worker"},
			MinReplicaCount: keda.Int32(1),
			MaxReplicaCount: keda.Int32(10),
			Triggers: []keda.ScaleTrigger{{
				Type: "prometheus", Name: "prometheus", MetricType: keda.MetricAverageValue,
				Metadata: map[string]string{"serverAddress": "http://p.monitoring.svc:9090", "query": "sum(up)", "threshold": "1"},
			}},
		},
	}
}

func cpuTrigger(name string) keda.ScaleTrigger {
	return keda.ScaleTrigger{Type: "cpu", Name: name, MetricType: keda.MetricUtilization, Metadata: map[string]string{"value": "50"}}
}

// variants lists ScaledObjects on both sides of every rule KEDA's offline
// validators enforce.
func variants() map[string]func(*keda.ScaledObject) {
	i32 := keda.Int32
	return map[string]func(*keda.ScaledObject){
		"valid":                   func(*keda.ScaledObject) {},
		"min equals max":          func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = i32(5), i32(5) },
		"min above max":           func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = i32(6), i32(5) },
		"min 0 max 0":             func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = i32(0), i32(0) },
		"min 0 max 1":             func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = i32(0), i32(1) },
		"no min, max 0":           func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = nil, i32(0) },
		"no max, min 100":         func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = i32(100), nil },
		"no max, min 101":         func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount = i32(101), nil },
		"idle below min":          func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.IdleReplicaCount = i32(2), i32(0) },
		"idle equals min":         func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.IdleReplicaCount = i32(2), i32(2) },
		"idle above min":          func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.IdleReplicaCount = i32(2), i32(3) },
		"idle 0 with min 0":       func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.IdleReplicaCount = i32(0), i32(0) },
		"idle 0 without min":      func(so *keda.ScaledObject) { so.Spec.MinReplicaCount, so.Spec.IdleReplicaCount = nil, i32(0) },
		"no triggers":             func(so *keda.ScaledObject) { so.Spec.Triggers = nil },
		"duplicate trigger names": func(so *keda.ScaledObject) { so.Spec.Triggers = append(so.Spec.Triggers, so.Spec.Triggers[0]) },
		"two unnamed triggers": func(so *keda.ScaledObject) {
			so.Spec.Triggers[0].Name = ""
			so.Spec.Triggers = append(so.Spec.Triggers, cpuTrigger(""))
		},
		"distinct trigger names": func(so *keda.ScaledObject) { so.Spec.Triggers = append(so.Spec.Triggers, cpuTrigger("cpu")) },
		"cached metrics on cpu": func(so *keda.ScaledObject) {
			c := cpuTrigger("cpu")
			c.UseCachedMetrics = true
			so.Spec.Triggers = append(so.Spec.Triggers, c)
		},
		"cached metrics on external": func(so *keda.ScaledObject) { so.Spec.Triggers[0].UseCachedMetrics = true },
		"cached metrics on cron": func(so *keda.ScaledObject) {
			so.Spec.Triggers = append(so.Spec.Triggers, keda.ScaleTrigger{Type: "cron", Name: "c", UseCachedMetrics: true, Metadata: map[string]string{"timezone": "UTC", "start": "0 8 * * *", "end": "0 9 * * *", "desiredReplicas": "2"}})
		},
		"name 63":                    func(so *keda.ScaledObject) { so.Metadata.Name = strings.Repeat("a", 63); setHPAName(so, "short") },
		"name 64":                    func(so *keda.ScaledObject) { so.Metadata.Name = strings.Repeat("a", 64); setHPAName(so, "short") },
		"hpa name derived 63":        func(so *keda.ScaledObject) { so.Metadata.Name = strings.Repeat("a", 54) },
		"hpa name derived 64":        func(so *keda.ScaledObject) { so.Metadata.Name = strings.Repeat("a", 55) },
		"hpa name explicit 64":       func(so *keda.ScaledObject) { setHPAName(so, strings.Repeat("h", 64)) },
		"fallback ok":                func(so *keda.ScaledObject) { so.Spec.Fallback = &keda.Fallback{FailureThreshold: 3, Replicas: 2} },
		"fallback negative":          func(so *keda.ScaledObject) { so.Spec.Fallback = &keda.Fallback{FailureThreshold: -1, Replicas: 2} },
		"fallback negative replicas": func(so *keda.ScaledObject) { so.Spec.Fallback = &keda.Fallback{FailureThreshold: 3, Replicas: -2} },
		"fallback cpu only": func(so *keda.ScaledObject) {
			so.Spec.Triggers = []keda.ScaleTrigger{cpuTrigger("cpu")}
			so.Spec.Fallback = &keda.Fallback{FailureThreshold: 3, Replicas: 2}
		},
		"fallback mixed": func(so *keda.ScaledObject) {
			so.Spec.Triggers = append(so.Spec.Triggers, cpuTrigger("cpu"))
			so.Spec.Fallback = &keda.Fallback{FailureThreshold: 3, Replicas: 2}
		},
		"fallback behavior": func(so *keda.ScaledObject) {
			so.Spec.Fallback = &keda.Fallback{FailureThreshold: 3, Replicas: 2, Behavior: "currentReplicasIfHigher"}
		},
		"fallback empty metricType": func(so *keda.ScaledObject) {
			so.Spec.Triggers[0].MetricType = ""
			so.Spec.Fallback = &keda.Fallback{FailureThreshold: 3, Replicas: 2}
		},
	}
}

func setHPAName(so *keda.ScaledObject, name string) {
	so.Spec.Advanced = &keda.Advanced{HorizontalPodAutoscalerConfig: &keda.HPAConfig{Name: name}}
}

// TestRenderRulesMatchKEDA is the differential test: the project's rules
// for KEDA 2.21 accept and reject exactly what KEDA 2.21's own validators do.
func TestRenderRulesMatchKEDA(t *testing.T) {
	for name, mutate := range variants() {
		t.Run(name, func(t *testing.T) {
			so := base()
			mutate(so)
			ours := keda.CheckPure(so)
			theirs := kedatest.KEDAAccepts(toKEDA(t, so))
			require.Equal(t, theirs == nil, len(ours) == 0, "KEDA: %v; ours: %v", theirs, ours)
		})
	}
}

// TestVersionRulesAreStricter checks that Check for 2.16 rejects everything
// KEDA 2.21 rejects plus KEDA 2.16's stricter fallback rule.
func TestVersionRulesAreStricter(t *testing.T) {
	for name, mutate := range variants() {
		t.Run(name, func(t *testing.T) {
			so := base()
			mutate(so)
			k := toKEDA(t, so)
			want216 := kedatest.KEDAAccepts(k) == nil && kedatest.ValidateV216Fallback(k) == nil
			got := keda.Check(so, 16)
			if want216 {
				require.Empty(t, got, "2.16 accepts this")
			} else {
				require.NotEmpty(t, got, "2.16 rejects this")
			}
		})
	}
}

func TestCronAndScaleToZeroRules(t *testing.T) {
	so := base()
	so.Spec.Triggers = []keda.ScaleTrigger{cpuTrigger("cpu")}
	so.Spec.MinReplicaCount = keda.Int32(0)
	require.NotEmpty(t, keda.Check(so, 21), "cpu-only with min 0 cannot scale to zero")
	so = base()
	so.Spec.Triggers = append(so.Spec.Triggers, keda.ScaleTrigger{Type: "cron", Name: "cron", Metadata: map[string]string{"timezone": "UTC", "start": "0 8 * * *", "end": "0 9 * * *", "desiredReplicas": "0"}})
	v := keda.Check(so, 21)
	require.Len(t, v, 1)
	require.Contains(t, fmt.Sprint(v), "desiredReplicas")
}
