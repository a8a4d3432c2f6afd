package realcharts

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// exporter is what one exporter version publishes per pod: metric names,
// copied from its source, and the labels its series carry besides the pod
// and namespace that Prometheus' Kubernetes discovery adds.
type exporter struct {
	name    string
	source  string
	metrics []string
	labels  map[string]string
}

// The metric names below come from the exporters' own sources, not from
// this project's code.
var (
	// vLLM's V0 engine: class Metrics in vllm-project/vllm
	// vllm/engine/metrics.py (gauges vllm:num_requests_waiting and
	// vllm:gpu_cache_usage_perc, "GPU KV-cache usage. 1 means 100 percent usage.").
	vllmV0 = exporter{"vLLM V0", "vllm-project/vllm vllm/engine/metrics.py",
		[]string{"vllm:num_requests_waiting", "vllm:gpu_cache_usage_perc"},
		map[string]string{"model_name": "facebook/opt-125m"}}
	// vLLM's V1 engine: PrometheusStatLogger in vllm-project/vllm
	// vllm/v1/metrics/loggers.py (vllm:num_requests_waiting and
	// vllm:kv_cache_usage_perc, "KV-cache usage. 1 means 100 percent usage.";
	// labels model_name and engine).
	vllmV1 = exporter{"vLLM V1", "vllm-project/vllm vllm/v1/metrics/loggers.py",
		[]string{"vllm:num_requests_waiting", "vllm:kv_cache_usage_perc"},
		map[string]string{"model_name": "facebook/opt-125m", "engine": "0"}}
	// vLLM releases between the two that register the deprecated
	// vllm:gpu_cache_usage_perc beside vllm:kv_cache_usage_perc (its
	// description in vllm/v1/metrics/loggers.py: "DEPRECATED: Use
	// vllm:kv_cache_usage_perc instead.").
	vllmBoth = exporter{"vLLM V1 with the deprecated name", "vllm-project/vllm vllm/v1/metrics/loggers.py",
		[]string{"vllm:num_requests_waiting", "vllm:gpu_cache_usage_perc", "vllm:kv_cache_usage_perc"},
		map[string]string{"model_name": "facebook/opt-125m", "engine": "0"}}
	// Triton: triton-inference-server/server docs/user_guide/metrics.md,
	// "Pending Request Count" (nv_inference_pending_request_count, per model).
	triton = exporter{"Triton", "triton-inference-server/server docs/user_guide/metrics.md",
		[]string{"nv_inference_pending_request_count"},
		map[string]string{"model": "densenet_onnx", "version": "1"}}
	// dcgm-exporter on a whole GPU: NVIDIA/dcgm-exporter
	// etc/default-counters.csv enables DCGM_FI_DEV_GPU_UTIL ("GPU
	// utilization (in %)") and, under "Datacenter Profiling (DCP) metrics",
	// DCGM_FI_PROF_GR_ENGINE_ACTIVE, DCGM_FI_PROF_PIPE_TENSOR_ACTIVE and
	// DCGM_FI_PROF_DRAM_ACTIVE (ratios).
	dcgmGPU = exporter{"dcgm-exporter (whole GPU)", "NVIDIA/dcgm-exporter etc/default-counters.csv",
		[]string{"DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "DCGM_FI_PROF_DRAM_ACTIVE"},
		map[string]string{"gpu": "0", "UUID": "GPU-5fd4a3b2-0000-0000-0000-000000000000", "modelName": "NVIDIA A100-SXM4-80GB", "Hostname": "gpu-node-1", "container": "vllm"}}
	// dcgm-exporter on a MIG instance: only the DCP metrics of
	// etc/default-counters.csv; DCGM reports no DCGM_FI_DEV_*_UTIL for MIG
	// instances (NVIDIA/dcgm-exporter issues #216 and #430, answered by
	// its maintainers: use DCGM_FI_PROF_GR_ENGINE_ACTIVE).
	dcgmMIG = exporter{"dcgm-exporter (MIG instance)", "NVIDIA/dcgm-exporter etc/default-counters.csv; issues #216, #430",
		[]string{"DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "DCGM_FI_PROF_DRAM_ACTIVE"},
		map[string]string{"gpu": "0", "GPU_I_ID": "9", "GPU_I_PROFILE": "1g.10gb", "modelName": "NVIDIA A100-SXM4-80GB", "Hostname": "gpu-node-1", "container": "vllm"}}
)

// server is an inference server: the exporter versions its pods run and
// the metric that counts the requests waiting in its queue.
type server struct {
	name     string
	versions []exporter
	queue    string
}

var (
	vllmServer   = &server{"vllm", []exporter{vllmV0, vllmBoth, vllmV1}, "vllm:num_requests_waiting"}
	tritonServer = &server{"triton", []exporter{triton}, "nv_inference_pending_request_count"}
)

// device is the kind of GPU a workload claims, with what DCGM exports for
// it (nil: DCGM exports nothing for it).
type device struct {
	name string
	dcgm *exporter
}

var (
	wholeGPU = device{"nvidia.com/gpu", &dcgmGPU}
	migSlice = device{"nvidia.com/mig-1g.10gb", &dcgmMIG}
	amdGPU   = device{"amd.com/gpu", nil}
)

// exportersOf returns what the i-th pod of a workload with server s (or
// none) on device d exports: one of the server's versions, in turn, and
// DCGM's metrics for the device.
func exportersOf(s *server, d device, i int) []exporter {
	var out []exporter
	if s != nil {
		out = append(out, s.versions[i%len(s.versions)])
	}
	if d.dcgm != nil {
		out = append(out, *d.dcgm)
	}
	return out
}

// allExporters is every exporter above: what the pods of the other
// workloads of a render are made to export, so that a query matching one of
// them counts it.
var allExporters = []exporter{vllmV0, vllmBoth, vllmV1, triton, dcgmGPU, dcgmMIG}

// exports reports whether any of es publishes metric.
func exports(es []exporter, metric string) bool {
	for _, e := range es {
		if slices.Contains(e.metrics, metric) {
			return true
		}
	}
	return false
}

var (
	// promString is a PromQL double-quoted string.
	promString = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	// metricBeforeSelector is a metric name followed by its label matchers.
	metricBeforeSelector = regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:]*)\{`)
	// matcher is one label matcher of a selector.
	matcher = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")`)
)

// metricsIn returns the metric names a query selects (each written with
// its label matchers, as the tool writes them).
func metricsIn(query string) []string {
	bare := promString.ReplaceAllString(query, `""`)
	var out []string
	for _, m := range metricBeforeSelector.FindAllStringSubmatch(bare, -1) {
		out = append(out, m[1])
	}
	return out
}

// labelMatcher is one matcher of a query.
type labelMatcher struct{ label, op, value string }

// matchersIn returns a query's label matchers, values unquoted (PromQL
// strings take Go's escapes).
func matchersIn(query string) ([]labelMatcher, error) {
	var out []labelMatcher
	for _, m := range matcher.FindAllStringSubmatch(query, -1) {
		v, err := strconv.Unquote(m[3])
		if err != nil {
			return nil, fmt.Errorf("label %s: %w", m[1], err)
		}
		out = append(out, labelMatcher{m[1], m[2], v})
	}
	return out, nil
}
