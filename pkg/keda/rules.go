package keda

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxNameLength is the longest ScaledObject or HPA name KEDA accepts (it is used as a label value).
const MaxNameLength = 63

// Violation is one broken admission rule, with the field it concerns.
type Violation struct {
	Field   string
	Message string
}

// Error implements error.
func (v Violation) Error() string { return v.Field + ": " + v.Message }

// CheckPure applies exactly the rules of KEDA 2.21's offline validators
// (ValidateTriggers, CheckFallbackValid, CheckReplicaCountBoundsAreValid)
// and its webhook name rule. A differential test keeps it in step with KEDA.
func CheckPure(so *ScaledObject) []Violation {
	var out []Violation
	add := func(field, format string, args ...any) {
		out = append(out, Violation{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if n := len(so.Metadata.Name); n > MaxNameLength {
		add("metadata.name", "ScaledObject name is %d characters; KEDA allows at most %d", n, MaxNameLength)
	} else if hpa := so.HPAName(); len(hpa) > MaxNameLength {
		add("spec.advanced.horizontalPodAutoscalerConfig.name", "HPA name %q is %d characters; KEDA allows at most %d (shorten the workload name or set the HPA name)", hpa, len(hpa), MaxNameLength)
	}
	if len(so.Spec.Triggers) == 0 {
		add("spec.triggers", "no triggers: KEDA needs at least one")
	}
	seen := map[string]bool{}
	for i, t := range so.Spec.Triggers {
		if t.UseCachedMetrics && (t.Type == "cpu" || t.Type == "memory" || t.Type == "cron") {
			add(fmt.Sprintf("spec.triggers[%d].useCachedMetrics", i), "not supported for %q triggers", t.Type)
		}
		if t.Name == "" {
			continue
		}
		if seen[t.Name] {
			add(fmt.Sprintf("spec.triggers[%d].name", i), "trigger name %q is used more than once; names must be unique", t.Name)
		}
		seen[t.Name] = true
	}
	minReplicas := int32(0)
	if so.Spec.MinReplicaCount != nil {
		minReplicas = *so.Spec.MinReplicaCount
		if minReplicas <= 0 {
			minReplicas = 1 // KEDA compares against the HPA minimum, which is at least 1
		}
	}
	maxReplicas := int32(100)
	if so.Spec.MaxReplicaCount != nil {
		maxReplicas = *so.Spec.MaxReplicaCount
	}
	if minReplicas > maxReplicas {
		add("spec.minReplicaCount", "minReplicaCount %d is greater than maxReplicaCount %d", minReplicas, maxReplicas)
	}
	if so.Spec.IdleReplicaCount != nil && *so.Spec.IdleReplicaCount >= minReplicas {
		add("spec.idleReplicaCount", "idleReplicaCount %d must be less than minReplicaCount %d", *so.Spec.IdleReplicaCount, minReplicas)
	}
	if f := so.Spec.Fallback; f != nil {
		if f.FailureThreshold < 0 || f.Replicas < 0 {
			add("spec.fallback", "failureThreshold %d and replicas %d must both be 0 or more", f.FailureThreshold, f.Replicas)
		} else if !hasNonResourceTrigger(so) {
			add("spec.fallback", "a fallback needs at least one trigger that is not cpu or memory")
		}
	}
	return out
}

func hasNonResourceTrigger(so *ScaledObject) bool {
	for _, t := range so.Spec.Triggers {
		if t.Type != "cpu" && t.Type != "memory" {
			return true
		}
	}
	return false
}

// Check applies every admission rule that any KEDA from 2.<oldestMinor> to
// 2.21 enforces, including rules KEDA checks against the cluster (cpu/memory
// only with scale to zero) and rules that changed between versions:
//   - 2.16 rejects a fallback unless every trigger is neither cpu nor memory
//     and has metricType AverageValue (an empty metricType does not count);
//     versions before 2.21 need at least one such AverageValue trigger;
//   - fallback.behavior exists only from 2.17;
//   - cron triggers need a non-zero desiredReplicas;
//   - before 2.20, bad bounds and long names were only logged: the tool
//     rejects them for every version, since they break scaling either way.
func Check(so *ScaledObject, oldestMinor int) []Violation {
	out := CheckPure(so)
	add := func(field, format string, args ...any) {
		out = append(out, Violation{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	onlyResource := len(so.Spec.Triggers) > 0 && !hasNonResourceTrigger(so)
	if onlyResource && (so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount == 0) {
		add("spec.minReplicaCount", "only cpu/memory triggers cannot scale to zero; minReplicaCount must be at least 1")
	}
	if f := so.Spec.Fallback; f != nil {
		if f.Behavior != "" && oldestMinor < 17 {
			add("spec.fallback.behavior", "fallback.behavior needs KEDA 2.17 or later; the policy's kedaVersion is 2.%d", oldestMinor)
		}
		if oldestMinor <= 16 {
			for i, t := range so.Spec.Triggers {
				if t.Type == "cpu" || t.Type == "memory" || t.MetricType != MetricAverageValue {
					add(fmt.Sprintf("spec.triggers[%d]", i), "KEDA 2.16 allows a fallback only when every trigger is external with metricType AverageValue; %q has metricType %q", t.Type, t.MetricType)
				}
			}
		} else if oldestMinor < 21 {
			ok := false
			for _, t := range so.Spec.Triggers {
				if t.Type != "cpu" && t.Type != "memory" && t.MetricType == MetricAverageValue {
					ok = true
				}
			}
			if !ok {
				add("spec.fallback", "KEDA before 2.21 needs at least one non-cpu/memory trigger with metricType AverageValue for a fallback")
			}
		}
	}
	for i, t := range so.Spec.Triggers {
		if t.Type != "cron" {
			continue
		}
		n, err := strconv.Atoi(t.Metadata["desiredReplicas"])
		if err != nil || n <= 0 {
			add(fmt.Sprintf("spec.triggers[%d].metadata.desiredReplicas", i), "cron desiredReplicas must be a whole number above 0, got %q", t.Metadata["desiredReplicas"])
		}
		for _, k := range []string{"timezone", "start", "end"} {
			if strings.TrimSpace(t.Metadata[k]) == "" {
				add(fmt.Sprintf("spec.triggers[%d].metadata.%s", i, k), "cron trigger needs %s", k)
			}
		}
	}
	return out
}

// CheckAuth validates a TriggerAuthentication.
func CheckAuth(ta *TriggerAuthentication) []Violation {
	var out []Violation
	if len(ta.Spec.SecretTargetRef) == 0 {
		out = append(out, Violation{Field: "spec.secretTargetRef", Message: "no secret references"})
	}
	for i, r := range ta.Spec.SecretTargetRef {
		if r.Parameter == "" || r.Name == "" || r.Key == "" {
			out = append(out, Violation{Field: fmt.Sprintf("spec.secretTargetRef[%d]", i), Message: "parameter, name and key are all required"})
		}
	}
	return out
}
