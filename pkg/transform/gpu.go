package transform

import (
	"fmt"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/triggers"
)

// fallbackFailureThreshold is how many failed metric reads in a row switch a GPU workload to its fallback.
const fallbackFailureThreshold = 3

// applyGPU gives a detected GPU workload the behaviour an expensive,
// slow-starting model server needs, each choice recorded in the plan:
// a floor of one replica unless scale to zero is asked for with a way to
// wake up, a cooldown and scale-down stabilisation of twice the cold start,
// a bounded scale-up rate, the GPU budget cap, and a fallback that keeps
// capacity when metrics fail.
func (b *builder) applyGPU() diag.List {
	var d diag.List
	g := b.set.GPU
	if g == nil {
		info := b.w.GPU()
		if info != nil && b.spec.GPU == "off" {
			b.plan.Class = fmt.Sprintf("GPU workload, GPU handling off (%d × %s per pod)", info.PerPod, info.Resource)
			b.plan.Add("gpu", "off", b.why(annotations.KeyGPU)+": no GPU triggers or behaviour")
		}
		return b.unusedGPUSettings(info != nil)
	}
	s, so, pol := b.spec, b.so, b.policy.Spec.GPU
	b.plan.Class = fmt.Sprintf("GPU workload: %d × %s per pod in %s", g.Info.PerPod, g.Info.Resource, strings.Join(g.Info.Containers, ", "))
	b.addServerRow(g)
	coldStart := pol.ColdStart.Duration
	twice := int32((2 * coldStart).Seconds())

	// floor and scale to zero
	wantsZero := s.MinReplicas == 0 || (s.IdleReplicas != nil && *s.IdleReplicas == 0)
	if wantsZero {
		if s.Prometheus == nil || s.Prometheus.ActivationThreshold == "" {
			field := annotations.Prefix + annotations.KeyIdleReplicas
			if s.MinReplicas == 0 {
				field = annotations.Prefix + annotations.KeyMinReplicas
			}
			d.Errorf(b.w.Ref, field, "0",
				"min-replicas ≥ 1 with idle-replicas: \"0\" plus a prometheus-query and prometheus-activation-threshold on a metric that exists while no pod runs (e.g. requests at the gateway)",
				"a GPU workload at zero replicas exports no GPU or queue metrics, so nothing would wake it up")
			return d
		}
		if s.MinReplicas == 0 {
			d.Errorf(b.w.Ref, annotations.Prefix+annotations.KeyMinReplicas, "0",
				"min-replicas ≥ 1 with idle-replicas: \"0\"", "a GPU workload scales to zero through idle-replicas, so that once awake it never drops below one warm replica")
			return d
		}
		b.plan.Add("scale to zero", "idle at 0", "idle-replicas 0 with activation threshold "+s.Prometheus.ActivationThreshold+" on the Prometheus query, which exists while no pod runs")
	} else if !s.Set[annotations.KeyMinReplicas] {
		b.setRow("minReplicaCount", fmt.Sprint(s.MinReplicas), "GPU workload: a cold start takes minutes, so one replica stays warm")
	}

	// cooldown and scale-down stabilisation
	if !s.Set[annotations.KeyCooldownPeriod] {
		cooldown := max(twice, 300)
		so.Spec.CooldownPeriod = keda.Int32(cooldown)
		b.setRow("cooldownPeriod", fmt.Sprintf("%ds", cooldown), fmt.Sprintf("GPU workload: at least twice the cold start (policy gpu.coldStart %s)", coldStart))
	}
	stab := twice
	why := fmt.Sprintf("twice the cold start (policy gpu.coldStart %s): a replica that took minutes to load is not dropped on a short dip", coldStart)
	if pol.ScaleDownStabilization.Duration > 0 {
		stab = int32(pol.ScaleDownStabilization.Seconds())
		why = "policy gpu.scaleDownStabilization"
	}
	period := int32(pol.ScaleUpPeriod.Seconds())
	behavior := &keda.HPABehavior{
		ScaleDown: &keda.HPAScalingRules{StabilizationWindowSeconds: keda.Int32(stab)},
		ScaleUp: &keda.HPAScalingRules{Policies: []keda.HPAScalingPolicy{
			{Type: "Pods", Value: int32(pol.ScaleUpPods), PeriodSeconds: period},
		}},
	}
	if so.Spec.Advanced == nil {
		so.Spec.Advanced = &keda.Advanced{}
	}
	if so.Spec.Advanced.HorizontalPodAutoscalerConfig == nil {
		so.Spec.Advanced.HorizontalPodAutoscalerConfig = &keda.HPAConfig{}
	}
	so.Spec.Advanced.HorizontalPodAutoscalerConfig.Behavior = behavior
	b.plan.Add("scaleDown stabilization", fmt.Sprintf("%ds", stab), why)
	b.plan.Add("scaleUp limit", fmt.Sprintf("%d pod(s) per %ds", pol.ScaleUpPods, period), "policy gpu.scaleUpPods/scaleUpPeriod: each new pod claims GPUs and loads a model; add them gradually")

	// GPU budget
	if s.GPUBudget != nil {
		limit := int64(*s.GPUBudget) / g.Info.PerPod
		if limit < int64(s.MinReplicas) || limit < 1 {
			d.Errorf(b.w.Ref, annotations.Prefix+annotations.KeyGPUBudget, fmt.Sprint(*s.GPUBudget),
				fmt.Sprintf("at least min-replicas × GPUs per pod = %d", int64(max(s.MinReplicas, 1))*g.Info.PerPod),
				"the budget holds %d pod(s) of %d GPU(s), fewer than min-replicas %d", limit, g.Info.PerPod, s.MinReplicas)
			return d
		}
		if limit < int64(*so.Spec.MaxReplicaCount) {
			so.Spec.MaxReplicaCount = keda.Int32(int32(limit))
			b.setRow("maxReplicaCount", fmt.Sprint(limit), fmt.Sprintf("capped by gpu-budget %d ÷ %d GPU(s) per pod (was %d)", *s.GPUBudget, g.Info.PerPod, s.MaxReplicas))
		} else {
			b.plan.Add("gpu-budget", fmt.Sprint(*s.GPUBudget), fmt.Sprintf("allows %d pods, not below maxReplicaCount", limit))
		}
	}

	// fallback
	minor := b.policy.KEDAMinor()
	hasResource := false
	for _, t := range so.Spec.Triggers {
		if t.Type == "cpu" || t.Type == "memory" {
			hasResource = true
		}
	}
	switch {
	case hasResource && minor <= 16:
		b.plan.Add("fallback", "none", "KEDA 2.16 allows no fallback beside cpu/memory triggers; raise kedaVersion to 2.17+ for one")
	case minor >= 17:
		so.Spec.Fallback = &keda.Fallback{FailureThreshold: fallbackFailureThreshold, Replicas: max(s.MinReplicas, 1), Behavior: "currentReplicasIfHigher"}
		b.plan.Add("fallback", "keep current replicas", fmt.Sprintf("after %d failed metric reads KEDA keeps the current count (at least %d) instead of scaling a busy model server down", fallbackFailureThreshold, max(s.MinReplicas, 1)))
	case pol.StaticFallback == config.StaticFallbackMax:
		so.Spec.Fallback = &keda.Fallback{FailureThreshold: fallbackFailureThreshold, Replicas: *so.Spec.MaxReplicaCount}
		b.plan.Add("fallback", fmt.Sprintf("%d replicas", *so.Spec.MaxReplicaCount), "policy gpu.staticFallback: max: KEDA 2.16 (policy kedaVersion) can only set a fixed count when metrics fail; the maximum never starves serving, at the cost of every GPU the workload may claim for as long as the outage lasts")
	default:
		b.plan.Add("fallback", "none", "KEDA 2.16 (policy kedaVersion) can only set a fixed count when metrics fail, and any fixed count is wrong for a GPU server (the maximum claims every GPU during an outage, the minimum drops a busy server); "+
			"without a fallback the HPA keeps the current count while it cannot read the metrics (policy gpu.staticFallback: none; max sends the workload to maxReplicaCount; kedaVersion 2.17+ keeps the current count explicitly)")
	}
	return d
}

// addServerRow says which inference server the queue trigger follows and how
// it was found, or that there is none.
func (b *builder) addServerRow(g *triggers.GPUDecision) {
	switch {
	case g.Server != "":
		b.plan.Add("inference server", g.Server, g.ServerSource)
	case b.spec.InferenceServer == annotations.ServerNone:
		b.plan.Add("inference server", "none", g.ServerSource)
	default:
		b.plan.Add("inference server", "none", "WARNING: "+g.ServerSource+"; no queue-depth trigger: set "+annotations.Prefix+annotations.KeyInferenceServer+" to vllm, tgi or triton (or none)")
	}
}

// gpuOnlyKeys are the settings that only a GPU workload uses.
var gpuOnlyKeys = []string{annotations.KeyGPUBudget, annotations.KeyGPUUtilization, annotations.KeyInferenceServer, annotations.KeyQueuePerReplica}

// unusedGPUSettings warns about GPU-only settings that a workload without
// GPU handling was given by annotation or profile (policy defaults apply to
// every workload, so they are not reported): nothing reads them.
func (b *builder) unusedGPUSettings(claimsGPU bool) diag.List {
	var d diag.List
	why := "the workload claims no GPU (no container requests or limits nvidia.com/gpu, nvidia.com/mig-<profile>, amd.com/gpu or habana.ai/gaudi)"
	if claimsGPU {
		why = "GPU handling is off (" + b.why(annotations.KeyGPU) + ": off)"
	}
	for _, k := range gpuOnlyKeys {
		src := b.spec.Sources[k]
		if !b.spec.Set[k] || src == annotations.SourceDefaults {
			continue
		}
		field := annotations.Prefix + k
		if src != annotations.SourceAnnotation {
			field += " (from " + src + ")"
		}
		d.Warnf(b.w.Ref, field, "ignored: %s; remove it, or give the workload a GPU", why)
		b.plan.Add(k, "ignored", why)
	}
	return d
}

// setRow replaces a row of the plan (or adds it).
func (b *builder) setRow(setting, value, why string) {
	for i := range b.plan.Rows {
		if b.plan.Rows[i].Setting == setting {
			b.plan.Rows[i].Value, b.plan.Rows[i].Why = value, why
			return
		}
	}
	b.plan.Add(setting, value, why)
}

// gpuUsage is one GPU workload's largest GPU claim.
type gpuUsage struct {
	ref  diag.Ref
	gpus int64
}

// checkClusterGPUBudget warns when the GPU workloads together may claim more GPUs than the cluster budget.
func checkClusterGPUBudget(policy *config.Policy, ref diag.Ref, use []gpuUsage) diag.List {
	var d diag.List
	budget := int64(policy.Spec.GPU.ClusterBudget)
	if budget <= 0 || len(use) == 0 {
		return nil
	}
	var total int64
	var parts []string
	for _, u := range use {
		total += u.gpus
		parts = append(parts, fmt.Sprintf("%s up to %d", u.ref, u.gpus))
	}
	if total > budget {
		d.Warnf(ref, "spec.gpu.clusterBudget", "at maximum scale the GPU workloads claim %d GPUs, more than the cluster budget of %d: %s; lower max-replicas or set gpu-budget per workload",
			total, budget, strings.Join(parts, ", "))
	}
	return d
}
