package triggers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
)

// GPUDecision records how a GPU workload was detected and treated.
type GPUDecision struct {
	// Info is what the pod template claims.
	Info workload.GPUInfo
	// Server is the inference server whose queue metric is used ("" for none).
	Server string
	// ServerSource says how the server was chosen (annotation or the image it was detected from).
	ServerSource string
	// Pods says how Kubernetes names the workload's pods.
	Pods podname.Workload
	// PodPattern is the regular expression selecting the workload's pods
	// (every name Kubernetes can give them, see package podname).
	PodPattern string
	// Namespace is the namespace the queries select ("" when unknown).
	Namespace string
}

// inferenceServers maps a server to its image markers and queue metrics.
var inferenceServers = map[string]struct {
	images []string
	queue  string
	second string // an optional second signal (vLLM KV-cache usage)
}{
	annotations.ServerVLLM:   {images: []string{"vllm/vllm-openai"}, queue: "vllm:num_requests_waiting", second: "vllm:kv_cache_usage_perc"},
	annotations.ServerTGI:    {images: []string{"huggingface/text-generation-inference"}, queue: "tgi_queue_size"},
	annotations.ServerTriton: {images: []string{"nvidia/tritonserver"}, queue: "nv_inference_pending_request_count"},
}

// KVCacheTarget is the vLLM KV-cache usage per replica (fraction) above which more replicas are added.
const KVCacheTarget = "0.8"

// DetectServer returns the inference server an image runs, or "".
func DetectServer(image string) string {
	for _, name := range []string{annotations.ServerVLLM, annotations.ServerTGI, annotations.ServerTriton} {
		for _, marker := range inferenceServers[name].images {
			if strings.Contains(image, marker) {
				return name
			}
		}
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
	if !strings.Contains(info.Resource, "nvidia.com/") {
		set.NoteOnly = append(set.NoteOnly, fmt.Sprintf("no DCGM utilisation trigger: %s is not an NVIDIA GPU (DCGM exports NVIDIA devices only)", info.Resource))
	} else {
		dcgm(in, set, info, selector)
	}
	queueTriggers(in, set, d, selector)
}

func dcgm(in Input, set *Set, info *workload.GPUInfo, selector func(nsLabel, podLabel string) string) {
	g := in.Policy.Spec.GPU
	util := fmt.Sprintf("sum(DCGM_FI_DEV_GPU_UTIL%s)", selector(g.NamespaceLabel, g.PodLabel))
	if info.PerPod > 1 {
		util += " / " + strconv.FormatInt(info.PerPod, 10)
	}
	target := strconv.Itoa(int(in.Spec.GPUUtilization))
	set.Triggers = append(set.Triggers, prometheusTrigger(in, set, "gpu-utilization", util, target, ""))
	set.Notes = append(set.Notes, fmt.Sprintf("DCGM GPU utilisation, target %s%% per pod (%s): %s", target, in.whyKey(annotations.KeyGPUUtilization), util))
}

// queueTriggers adds the inference server's queue-depth trigger (and vLLM's KV-cache signal).
func queueTriggers(in Input, set *Set, d *GPUDecision, selector func(nsLabel, podLabel string) string) {

	// inference-server queue depth
	server, source := in.Spec.InferenceServer, "annotation "+annotations.Prefix+annotations.KeyInferenceServer
	if server == "" {
		for _, c := range in.Workload.Containers {
			if s := DetectServer(c.Image); s != "" {
				server, source = s, "detected from image "+c.Image
				break
			}
		}
	}
	d.Server, d.ServerSource = server, source
	if server == "" {
		return
	}
	srv := inferenceServers[server]
	queue := fmt.Sprintf("sum(%s%s)", srv.queue, selector("namespace", "pod"))
	set.Triggers = append(set.Triggers, prometheusTrigger(in, set, server+"-queue", queue, in.Spec.QueuePerReplica, ""))
	set.Notes = append(set.Notes, fmt.Sprintf("%s waiting requests, target %s per replica (%s; server %s): %s",
		server, in.Spec.QueuePerReplica, in.whyKey(annotations.KeyQueuePerReplica), source, queue))
	if srv.second != "" {
		kv := fmt.Sprintf("sum(%s%s)", srv.second, selector("namespace", "pod"))
		set.Triggers = append(set.Triggers, prometheusTrigger(in, set, server+"-kv-cache", kv, KVCacheTarget, ""))
		set.Notes = append(set.Notes, fmt.Sprintf("vLLM KV-cache usage, target %s per replica (a full cache queues requests before the queue metric rises): %s", KVCacheTarget, kv))
	}
}

func (in Input) whyKey(k string) string {
	src := in.Spec.Sources[k]
	if src == annotations.SourceAnnotation {
		return "annotation " + annotations.Prefix + k
	}
	return src
}
