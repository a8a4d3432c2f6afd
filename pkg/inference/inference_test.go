package inference

import (
	"fmt"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"github.com/stretchr/testify/require"
)

// imageCases are image references as real charts and manifests ship them;
// "from" names the repository and file each was taken from.
var imageCases = []struct {
	image, server, rule, from string
}{
	{"lmcache/vllm-openai:latest", "vllm", "vllm-image", "vllm-project/production-stack helm/values.yaml (servingEngineSpec.modelSpec[].repository, the chart's default)"},
	{"vllm/vllm-openai:latest", "vllm", "vllm-image", "kubernetes-sigs/wg-serving serving-catalog/core/deployment/vllm/base/deployment.patch.yaml"},
	{"rocm/vllm:instinct_main", "vllm", "vllm-image", "vllm-project/production-stack tutorials/assets/values-01-minimal-amd-example.yaml"},
	{"registry.redhat.io/rhaiis/vllm-cuda-rhel9:3.2.1", "vllm", "vllm-image", "micytao/rhaiis rhaiis-helm-chart/values.yaml"},
	{"quay.io/modh/vllm:vllm-gaudi-v2-22-on-push-jgj5q-build-container", "vllm", "vllm-image", "rh-ai-quickstart/ai-architecture-charts llm-service/helm/values.yaml (deviceConfigs.hpu.image)"},
	{"quay.io/ecosystem-appeng/vllm:openai-v0.10.1", "vllm", "vllm-image", "rh-ai-quickstart/ai-architecture-charts llm-service/helm/values.yaml (deviceConfigs.gpu.image)"},
	{"opea/vllm-gaudi:1.22.0", "vllm", "vllm-image", "llm-d-incubation/llm-d-modelservice examples/output-gaudi.yaml"},
	{"ghcr.io/llm-d/llm-d-cuda:latest", "vllm", "llm-d-image", "llm-d-incubation/llm-d-modelservice examples/output-pd.yaml"},
	{"ghcr.io/llm-d/llm-d-rocm:v0.6.0", "vllm", "llm-d-image", "llm-d/llm-d guides/inference-scheduling/ms-inference-scheduling/values_amd.yaml"},
	{"ghcr.io/llm-d/llm-d:v0.2.0", "vllm", "llm-d-image", "llm-d-incubation/llm-d-modelservice examples/output-heterogeneous-pd.yaml"},
	{"ghcr.io/llm-d/llm-d-xpu:latest", "vllm", "llm-d-image", "llm-d-incubation/llm-d-modelservice examples/output-xpu.yaml"},
	{"ghcr.io/huggingface/text-generation-inference:3.3.5-rocm", "tgi", "tgi-image", "huggingface/text-generation-inference docs/source/installation_amd.md"},
	{"ghcr.io/huggingface/text-generation-inference:2.4.1-rocm", "tgi", "tgi-image", "opea-project/GenAIInfra helm-charts/common/tgi/rocm-values.yaml"},
	{"us-docker.pkg.dev/deeplearning-platform-release/gcr.io/huggingface-text-generation-inference-cu124.2-3.ubuntu2204.py311", "tgi", "tgi-image", "huggingface/Google-Cloud-Containers examples/gke/tgi-multi-lora-deployment/config/deployment.yaml"},
	{"ghcr.io/huggingface/tgi-gaudi:2.0.5", "tgi", "tgi-short-image", "opea-project/GenAIInfra helm-charts/common/tgi/gaudi-values.yaml"},
	{"gcr.io/nvidia-ngc-public/tritonserver:26.07-py3", "triton", "triton-image", "triton-inference-server/server deploy/gke-marketplace-app/server-deployer/chart/triton/values.yaml (registry + repository + tag)"},
	{"nvcr.io/nvidia/tritonserver:26.07-py3", "triton", "triton-image", "triton-inference-server/server deploy/k8s-onprem/values.yaml"},
	{"nvcr.io/nvidia/tritonserver@sha256:0f6bd2e0a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e", "triton", "triton-image", "a digest instead of the tag of the reference above"},

	// images of tools around the servers, which export no queue metric
	{"nvcr.io/nvidia/tritonserver:26.07-py3-sdk", "", "", "triton-inference-server/server deploy/gke-marketplace-app/benchmark/perf-analyzer-script/triton_client.yaml (client SDK)"},
	{"ghcr.io/llm-d/llm-d-routing-sidecar:latest", "", "", "llm-d-incubation/llm-d-modelservice examples/output-pd.yaml"},
	{"ghcr.io/llm-d/llm-d-inference-sim:latest", "", "", "llm-d-incubation/llm-d-modelservice examples/output-cpu.yaml"},
	{"lmcache/lmstack-router:latest", "", "", "vllm-project/production-stack helm/values.yaml (routerSpec.repository)"},
	{"ghcr.io/huggingface/text-generation-inference-benchmark:latest", "", "", "huggingface/text-generation-inference load_tests/benchmarks.py"},
	{"us-docker.pkg.dev/deeplearning-platform-release/gcr.io/huggingface-text-embeddings-inference-cu122.1-6.ubuntu2204", "", "", "huggingface/Google-Cloud-Containers README.md (TEI, an embeddings server)"},
	{"busybox:latest", "", "", "vllm-project/production-stack helm/values.yaml (init container)"},
	{"registry.example.com/vllm-like/custom-server:1.0", "", "", "a path component before the image name does not count"},
	{"registry:5000/myvllm:1", "", "", "a registry with a port; the name must hold vllm as a word"},
}

// checkDetection compares a detection with the expected server and rule ("" for none).
func checkDetection(t *testing.T, d *Detection, server, rule, input, from string) {
	t.Helper()
	if server == "" {
		require.Nil(t, d, "%s (from %s)", input, from)
		return
	}
	require.NotNil(t, d, "%s (from %s)", input, from)
	require.Equal(t, server, d.Server.Name, from)
	require.Equal(t, rule, d.Rule, from)
}

func TestDetectImage(t *testing.T) {
	for _, c := range imageCases {
		d := DetectImage(c.image)
		checkDetection(t, d, c.server, c.rule, c.image, c.from)
		if d != nil {
			require.Equal(t, "image", d.By)
			require.Equal(t, c.image, d.Evidence)
		}
	}
}

// commandCases are container commands (command followed by args) as real
// charts and manifests ship them.
var commandCases = []struct {
	argv                []string
	server, rule, match string
	from                string
}{
	{[]string{"/opt/venv/bin/vllm", "serve", "mistralai/Mistral-7B-Instruct-v0.2", "--host", "0.0.0.0"}, "vllm", "vllm-serve", "/opt/venv/bin/vllm serve",
		"vllm-project/production-stack helm/templates/deployment-vllm-multi.yaml (repository lmcache/vllm-openai)"},
	{[]string{"/opt/venv/bin/vllm", "serve", "$(MODEL_ID)", "--enable_prefix_caching"}, "vllm", "vllm-serve", "/opt/venv/bin/vllm serve",
		"kubernetes-sigs/wg-serving serving-catalog/core/deployment/components/lmcache/vllm/base/deployment.patch.yaml (command, then args)"},
	{[]string{"vllm", "serve", "facebook/opt-125m", "--port", "8200"}, "vllm", "vllm-serve", "vllm serve",
		"llm-d-incubation/llm-d-modelservice examples/output-pd.yaml"},
	{[]string{"python3", "-m", "vllm.entrypoints.openai.api_server"}, "vllm", "vllm-openai-module", "-m vllm.entrypoints.openai.api_server",
		"kubernetes-sigs/wg-serving serving-catalog/core/deployment/vllm/base/deployment.patch.yaml"},
	{[]string{"python", "-m", "vllm.entrypoints.openai.api_server", "--port=8000"}, "vllm", "vllm-openai-module", "-m vllm.entrypoints.openai.api_server",
		"micytao/rhaiis rhaiis-helm-chart/templates/deployment.yaml"},
	{[]string{"sh", "-c", "bash /vllm-workspace/examples/online_serving/multi-node-serving.sh leader --ray_cluster_size=$(LWS_GROUP_SIZE); \n  python3 -m vllm.entrypoints.openai.api_server \"$@\"", "--", "--port=8080"},
		"vllm", "vllm-openai-module", "-m vllm.entrypoints.openai.api_server",
		"kubernetes-sigs/wg-serving serving-catalog/core/lws/vllm/base/leaderworkerset.patch.yaml (a shell script)"},
	{[]string{"text-generation-launcher", "--model-id", "MODEL_HUB_ID", "--port", "8080"}, "tgi", "tgi-launcher", "text-generation-launcher",
		"huggingface/text-generation-inference docs/source/basic_tutorials/using_cli.md"},
	{[]string{"tritonserver", "--model-store=gs://triton-inference-server-repository/model_repository"}, "triton", "tritonserver", "tritonserver",
		"triton-inference-server/server deploy/gcp/templates/deployment.yaml (args)"},
	{[]string{"tritonserver", "--model-store=gs://triton_sample_models/26.07", "--strict-model-config=False", "--log-verbose=0", "--allow-gpu-metrics=True"}, "triton", "tritonserver", "tritonserver",
		"triton-inference-server/server deploy/gke-marketplace-app/server-deployer/chart/triton/templates/deployment.yaml"},

	// commands that run something else
	{[]string{"vllm", "bench", "serve", "--backend", "vllm", "--model", "NousResearch/Hermes-3-Llama-3.1-8B"}, "", "", "",
		"vllm-project/vllm docs/benchmarking/cli.md (the benchmark client)"},
	{[]string{"--model", "meta-llama/Llama-3.1-8B-Instruct", "--port", "8000", "--served-model-name", "meta-llama/Llama-3.1-8B-Instruct"}, "", "", "",
		"llm-d-incubation/llm-d-modelservice examples/output-gaudi.yaml (args only: the image decides)"},
	{[]string{"/bin/bash", "-c", "python3 /scripts/wait_for_ray.py"}, "", "", "",
		"vllm-project/production-stack helm/templates/ray-cluster.yaml (init container)"},
}

func TestDetectCommand(t *testing.T) {
	for _, c := range commandCases {
		d := DetectCommand(c.argv)
		checkDetection(t, d, c.server, c.rule, fmt.Sprintf("%q", c.argv), c.from)
		if d != nil {
			require.Equal(t, "command", d.By)
			require.Equal(t, c.match, d.Evidence, c.from)
		}
	}
}

// TestEveryRuleHasARealCase fails when a table entry has no case above.
func TestEveryRuleHasARealCase(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range imageCases {
		covered[c.rule] = true
	}
	for _, c := range commandCases {
		covered[c.rule] = true
	}
	for _, s := range Servers {
		for _, r := range s.images {
			require.True(t, covered[r.id], "image rule %s of %s has no test case", r.id, s.Name)
		}
		for _, r := range s.commands {
			require.True(t, covered[r.id], "command rule %s of %s has no test case", r.id, s.Name)
		}
		require.NotEmpty(t, s.Queue, s.Name)
	}
}

func TestDetectOrder(t *testing.T) {
	sidecar := workload.Container{Name: "routing-proxy", Image: "ghcr.io/llm-d/llm-d-routing-sidecar:latest", Args: []string{"--port=8000", "--vllm-port=8200"}}
	engine := workload.Container{Name: "vllm", Image: "ghcr.io/llm-d/llm-d-cuda:latest", Command: []string{"vllm", "serve"}, Args: []string{"facebook/opt-125m"}}
	triton := workload.Container{Name: "triton", Image: "nvcr.io/nvidia/tritonserver:24.08-py3", Args: []string{"tritonserver"}}
	cases := []struct {
		name       string
		containers []workload.Container
		gpu        []string
		want       string
		by         string
		container  string
	}{
		{"command before image", []workload.Container{engine}, []string{"vllm"}, "vllm", "command", "vllm"},
		{"a sidecar is no server", []workload.Container{sidecar, engine}, []string{"vllm"}, "vllm", "command", "vllm"},
		{"GPU containers first", []workload.Container{triton, engine}, []string{"vllm"}, "vllm", "command", "vllm"},
		{"then the others, in order", []workload.Container{triton, engine}, nil, "triton", "command", "triton"},
		{"image only", []workload.Container{{Name: "s", Image: "rocm/vllm:instinct_main"}}, []string{"s"}, "vllm", "image", "s"},
		{"nothing", []workload.Container{sidecar}, nil, "", "", ""},
	}
	for _, c := range cases {
		d := Detect(c.containers, c.gpu)
		if c.want == "" {
			require.Nil(t, d, c.name)
			continue
		}
		require.NotNil(t, d, c.name)
		require.Equal(t, c.want, d.Server.Name, c.name)
		require.Equal(t, c.by, d.By, c.name)
		require.Equal(t, c.container, d.Container, c.name)
	}
	d := Detect([]workload.Container{engine}, nil)
	require.Equal(t, `detected from the command "vllm serve" of container vllm`, d.String())
	d = Detect([]workload.Container{{Name: "s", Image: "rocm/vllm:instinct_main"}}, nil)
	require.Equal(t, `detected from the image rocm/vllm:instinct_main of container s`, d.String())
}

func TestParseImage(t *testing.T) {
	for image, want := range map[string][2]string{
		"vllm/vllm-openai:v0.8.5":                     {"vllm/vllm-openai", "v0.8.5"},
		"docker.io/vllm/vllm-openai@sha256:abc":       {"vllm/vllm-openai", ""},
		"registry:5000/team/server":                   {"team/server", ""},
		"localhost/x:1":                               {"x", "1"},
		"GCR.IO/NVIDIA-NGC-PUBLIC/TRITONSERVER:26.07": {"nvidia-ngc-public/tritonserver", "26.07"},
		"  ghcr.io/llm-d/llm-d:v0.2.0@sha256:0123  ":  {"llm-d/llm-d", "v0.2.0"},
		"": {"", ""},
	} {
		repo, tag := ParseImage(image)
		require.Equal(t, want, [2]string{repo, tag}, image)
	}
}

func TestByName(t *testing.T) {
	for _, s := range Servers {
		require.Same(t, s, ByName(s.Name))
	}
	require.Nil(t, ByName("none"))
}
