package triggers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/inference"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
)

// GPUDecision records how a GPU workload was detected and treated.
type GPUDecision struct {
	// Info is what the pod template claims.
	Info workload.GPUInfo
	// Server is the inference server whose queue metric is used ("" for none).
	Server string
	// ServerSource says how the server was chosen: the annotation, or the
	// command or image it was detected from; or why there is none.
	ServerSource string
	// Pods says how Kubernetes names the workload's pods.
	Pods podname.Workload
	// PodPattern is the regular expression selecting the workload's pods
	// (every name Kubernetes can give them, see package podname).
	PodPattern string
	// Namespace is the namespace the queries select ("" when unknown).
	Namespace string
}

// KVCacheTarget is the vLLM KV-cache usage per replica (fraction) above which more replicas are added.
const KVCacheTarget = "0.8"

// DetectServer returns the inference server an image runs, or "".
func DetectServer(image string) string {
	if d := inference.DetectImage(image); d != nil {
		return d.Server.Name
	}
	return ""
}

// Pods returns how Kubernetes names the pods of the workload in: a
// StatefulSet's ordinals run from spec.ordinals.start for at most
// max-replicas pods.
func Pods(in Input) podname.Workload {
	ref := in.Workload.Ref
	return podname.Workload{Kind: ref.Kind, Name: ref.Name,
		MaxOrdinal: in.Workload.Pods.OrdinalStart + int64(max(in.Spec.MaxReplicas, 1)) - 1}
}

// promString quotes s as a PromQL double-quoted string.
func promString(s string) string {
	return strconv.Quote(s)
}

// SumOf returns a query summing a gauge over the selected series into one
// series. Several names are the names of one renamed metric, newest first:
// per series the newest name a pod exports is taken (`or` matches series on
// their labels without the metric name), so that pods of old and new server
// versions, and pods exporting both names, are each counted once.
func SumOf(names []string, selector string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + selector
	}
	return "sum(" + strings.Join(parts, " or ") + ")"
}

func gpu(in Input, set *Set, out *diag.List) {
	info := in.Workload.GPU()
	if info == nil || in.Spec.GPU == "off" {
		return
	}
	ns := in.Workload.Ref.Namespace
	if ns == "" {
		ns = in.ReleaseNamespace
	}
	pods := Pods(in)
	d := &GPUDecision{Info: *info, Pods: pods, PodPattern: podname.Pattern(pods), Namespace: ns}
	set.GPU = d
	selector := func(nsLabel, podLabel string) string {
		var parts []string
		if ns != "" {
			parts = append(parts, nsLabel+"="+promString(ns))
		}
		parts = append(parts, podLabel+"=~"+promString(d.PodPattern))
		return "{" + strings.Join(parts, ",") + "}"
	}
	if ns == "" {
		out.Warnf(in.Workload.Ref, "metadata.namespace",
			"GPU queries select pods by name only because the namespace is unknown at render time; set metadata.namespace or pass --namespace so that pods of the same name in other namespaces are not counted")
	}

	// DCGM utilisation: sum over the workload's GPUs divided by GPUs per pod,
	// so that the AverageValue target is the utilisation per pod. DCGM
	// exports NVIDIA GPUs only.
	if other := info.NonNVIDIA(); len(other) > 0 {
		set.NoteOnly = append(set.NoteOnly, fmt.Sprintf("no DCGM utilisation trigger: %s is not an NVIDIA GPU (DCGM exports NVIDIA devices only)", strings.Join(other, ", ")))
	}
	if info.NVIDIA() {
		dcgm(in, set, info, selector, out)
	}
	queueTriggers(in, set, d, selector, out)
}

func dcgm(in Input, set *Set, info *workload.GPUInfo, selector func(nsLabel, podLabel string) string, out *diag.List) {
	g := in.Policy.Spec.GPU
	metric, scale, why := g.Utilization(info.MIG())
	if info.MIG() && metric == config.DCGMGPUUtil {
		out.Errorf(in.Workload.Ref, "policy spec.gpu.utilizationMetric", metric, config.DCGMGrEngineActive+" (the default for MIG slices) or another DCGM profiling metric",
			"the pods claim %s, and DCGM exports no %s for MIG instances: the trigger would read nothing", info.Resource, metric)
		return
	}
	util := fmt.Sprintf("sum(%s%s)", metric, selector(g.NamespaceLabel, g.PodLabel))
	if info.PerPod > 1 {
		util += " / " + strconv.FormatInt(info.PerPod, 10)
	}
	target := strconv.FormatFloat(float64(in.Spec.GPUUtilization)*scale/100, 'f', -1, 64)
	set.Triggers = append(set.Triggers, prometheusTrigger(in, set, "gpu-utilization", util, target, ""))
	goal, unit := target+"%", ""
	if scale != 100 {
		goal = fmt.Sprintf("%d%% = %s", in.Spec.GPUUtilization, target)
		unit = fmt.Sprintf(", %s at 100%%", strconv.FormatFloat(scale, 'f', -1, 64))
	}
	set.Notes = append(set.Notes, fmt.Sprintf("DCGM GPU utilisation %s (%s%s), target %s per pod (%s): %s",
		metric, why, unit, goal, in.whyKey(annotations.KeyGPUUtilization), util))
}

// chooseServer decides the inference server: the annotation, else what the
// containers' commands or images show. It returns nil when there is none,
// with the reason in d.ServerSource.
func chooseServer(in Input, d *GPUDecision, out *diag.List) *inference.Server {
	switch name := in.Spec.InferenceServer; name {
	case annotations.ServerNone:
		d.ServerSource = in.whyKey(annotations.KeyInferenceServer) + ": none"
		return nil
	case "":
	default:
		d.Server, d.ServerSource = name, in.whyKey(annotations.KeyInferenceServer)
		return inference.ByName(name)
	}
	if det := inference.Detect(in.Workload.Containers, d.Info.Containers); det != nil {
		d.Server, d.ServerSource = det.Server.Name, det.String()
		return det.Server
	}
	d.ServerSource = "not detected from " + describeContainers(in.Workload.Containers)
	out.Warnf(in.Workload.Ref, annotations.Prefix+annotations.KeyInferenceServer,
		"GPU workload without a queue-depth trigger: no inference server recognised in %s; set %s%s to vllm, tgi or triton if the pods run one (or to none to silence this warning)",
		describeContainers(in.Workload.Containers), annotations.Prefix, annotations.KeyInferenceServer)
	return nil
}

// describeContainers lists containers with their images for messages.
func describeContainers(cs []workload.Container) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("container %s (image %s)", c.Name, c.Image))
	}
	if len(parts) == 0 {
		return "the pod template (no containers)"
	}
	return strings.Join(parts, ", ")
}

// queueTriggers adds the inference server's queue-depth trigger (and vLLM's KV-cache signal).
func queueTriggers(in Input, set *Set, d *GPUDecision, selector func(nsLabel, podLabel string) string, out *diag.List) {
	srv := chooseServer(in, d, out)
	if srv == nil {
		return
	}
	queue := SumOf(srv.Queue, selector("namespace", "pod"))
	set.Triggers = append(set.Triggers, prometheusTrigger(in, set, srv.Name+"-queue", queue, in.Spec.QueuePerReplica, ""))
	set.Notes = append(set.Notes, fmt.Sprintf("%s waiting requests, target %s per replica (%s; server %s, %s): %s",
		srv.Name, in.Spec.QueuePerReplica, in.whyKey(annotations.KeyQueuePerReplica), srv.Name, d.ServerSource, queue))
	if len(srv.KVCache) > 0 {
		kv := SumOf(srv.KVCache, selector("namespace", "pod"))
		set.Triggers = append(set.Triggers, prometheusTrigger(in, set, srv.Name+"-kv-cache", kv, KVCacheTarget, ""))
		set.Notes = append(set.Notes, fmt.Sprintf("KV-cache usage, target %s per replica (a full cache queues requests before the queue metric rises; %s is the older name, which servers before the rename export): %s",
			KVCacheTarget, strings.Join(srv.KVCache[1:], ", "), kv))
	}
}

// noGPUTrigger reports a GPU workload that ends up without any trigger: its
// accelerators have no DCGM metric and no inference server is known.
func noGPUTrigger(in Input, d *GPUDecision, out *diag.List) {
	out.Errorf(in.Workload.Ref, annotations.Prefix+annotations.KeyInferenceServer, in.Spec.InferenceServer,
		"vllm, tgi or triton when the pods run that server; otherwise a "+strings.Join(triggerKeys[:4], ", ")+" trigger",
		"GPU workload on %s has no trigger: DCGM reports NVIDIA devices only, so there is no utilisation trigger, and the inference server is %s",
		d.Info.Resource, d.ServerSource)
}

func (in Input) whyKey(k string) string {
	src := in.Spec.Sources[k]
	if src == annotations.SourceAnnotation {
		return "annotation " + annotations.Prefix + k
	}
	return src
}
