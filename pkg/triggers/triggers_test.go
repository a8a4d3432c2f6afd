package triggers

import (
	"regexp"
	"strings"
	"testing"

	ann "github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestMaySelectSeveral(t *testing.T) {
	cases := map[string]bool{
		"sum(up)":                            false,
		"sum(rate(http_requests_total[5m]))": false,
		"  (sum(queue_depth{q=\"a\"}))  ":    false,
		"avg(x) * 2":                         false,
		"max(x) / 100":                       false,
		"scalar(x)":                          false,
		"42":                                 false,
		"up":                                 true,
		"rate(http_requests_total[5m])":      true,
		"sum by (pod) (x)":                   true,
		"sum(x) by (pod)":                    true,
		"sum without (instance) (x)":         true,
		"sum(x) / on(job) group_left y":      true,
		"histogram_quantile(0.9, rate(x_bucket[5m]))": true,
		"sum(x": true,
	}
	for q, want := range cases {
		require.Equal(t, want, MaySelectSeveral(q), q)
	}
}

func TestPodPatternSelectsOnlyTheWorkload(t *testing.T) {
	match := func(kind, name, pod string) bool {
		n, err := yaml.Parse("apiVersion: apps/v1\nkind: " + kind + "\nmetadata: {name: " + name + "}\nspec: {ordinals: {start: 2}}\n")
		require.NoError(t, err)
		pods := Pods(Input{Workload: workload.FromNode(n), Spec: &ann.Spec{MaxReplicas: 12}})
		return regexp.MustCompile("^(?:" + podname.Pattern(pods) + ")$").MatchString(pod)
	}
	require.True(t, match("Deployment", "vllm", "vllm-7f9c8d6b5-xk2p9"))
	require.False(t, match("Deployment", "vllm", "vllm-small-7f9c8d6b5-xk2p9"), "another Deployment with a longer name")
	require.False(t, match("Deployment", "vllm", "vllm-0"))
	require.True(t, match("Deployment", "llm.v2", "llm.v2-5d8f7-bcdfg"))
	require.False(t, match("Deployment", "llm.v2", "llmxv2-5d8f7-bcdfg"), "dots are literal")
	require.True(t, match("StatefulSet", "shard", "shard-13"), "ordinals from spec.ordinals.start for max-replicas pods")
	require.False(t, match("StatefulSet", "shard", "shard-14"))
	require.False(t, match("StatefulSet", "shard", "shard-a-1"))
}

func TestDetectServer(t *testing.T) {
	for image, want := range map[string]string{
		"vllm/vllm-openai:v0.8.5":                             "vllm",
		"docker.io/vllm/vllm-openai@sha256:abc":               "vllm",
		"ghcr.io/huggingface/text-generation-inference:2.4.0": "tgi",
		"nvcr.io/nvidia/tritonserver:24.08-py3":               "triton",
		"python:3.12-slim":                                    "",
		"registry.example.com/vllm-like/custom-server:1.0":    "",
	} {
		require.Equal(t, want, DetectServer(image), image)
	}
}

// build runs the builders on a Deployment in namespace ml with the given
// annotations (after enabled) and container list.
func build(t *testing.T, policy *config.Policy, annotations, containers string) (*Set, diag.List) {
	t.Helper()
	n, err := yaml.Parse("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: llm\n  namespace: ml\n  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n" +
		annotations + "spec:\n  template:\n    spec:\n      containers:\n" + containers)
	require.NoError(t, err)
	w := workload.FromNode(n)
	if policy == nil {
		policy = config.Default()
	}
	spec, d := ann.Parse(w.Ref, w.Annotations, policy)
	require.False(t, d.HasErrors(), d.Error())
	return Build(Input{Workload: w, Spec: spec, Policy: policy})
}

func queries(set *Set) map[string]string {
	out := map[string]string{}
	for _, tr := range set.Triggers {
		out[tr.Name] = tr.Metadata["query"] + " > " + tr.Metadata["threshold"]
	}
	return out
}

func TestGPUTriggers(t *testing.T) {
	llmPods := podname.Pattern(podname.Workload{Kind: "Deployment", Name: "llm"})
	pods := `{namespace="ml",pod=~"` + llmPods + `"}`
	mig := config.Default()
	mig.Spec.GPU.UtilizationMetric = config.DCGMGPUUtil
	exported := config.Default()
	exported.Spec.GPU.PodLabel, exported.Spec.GPU.NamespaceLabel = "exported_pod", "exported_namespace"
	cases := []struct {
		name, annotations, containers string
		policy                        *config.Policy
		want                          map[string]string
		errs, warns                   []string
	}{
		{name: "AMD vLLM by image, no DCGM",
			containers: "      - {name: vllm, image: rocm/vllm:instinct_main, resources: {limits: {amd.com/gpu: 1}}}\n",
			want: map[string]string{
				"vllm-queue":    "sum(vllm:num_requests_waiting" + pods + ") > 4",
				"vllm-kv-cache": "sum(vllm:kv_cache_usage_perc" + pods + " or vllm:gpu_cache_usage_perc" + pods + ") > 0.8",
			}},
		{name: "AMD vLLM by command",
			containers: "      - {name: vllm, image: registry.example.com/llm:1, command: [vllm, serve], args: [m], resources: {limits: {amd.com/gpu: 1}}}\n",
			want: map[string]string{
				"vllm-queue":    "sum(vllm:num_requests_waiting" + pods + ") > 4",
				"vllm-kv-cache": "sum(vllm:kv_cache_usage_perc" + pods + " or vllm:gpu_cache_usage_perc" + pods + ") > 0.8",
			}},
		{name: "AMD with the annotation",
			annotations: "    ml-autoscaling.io/inference-server: tgi\n",
			containers:  "      - {name: s, image: registry.example.com/llm:1, resources: {limits: {amd.com/gpu: 1}}}\n",
			want:        map[string]string{"tgi-queue": "sum(tgi_queue_size" + pods + ") > 4"}},
		{name: "AMD without a server has no trigger",
			containers: "      - {name: s, image: registry.example.com/llm:1, resources: {limits: {amd.com/gpu: 1}}}\n",
			errs: []string{"ml-autoscaling.io/inference-server", "GPU workload on amd.com/gpu has no trigger", "DCGM reports NVIDIA devices only",
				"not detected from container s (image registry.example.com/llm:1)", "vllm, tgi or triton"},
			warns: []string{"no inference server recognised"}},
		{name: "MIG reads the profiling metric, a 0-1 ratio",
			annotations: "    ml-autoscaling.io/gpu-utilization: \"60\"\n    ml-autoscaling.io/inference-server: none\n",
			containers:  "      - {name: e, image: registry.example.com/embedder:1, resources: {limits: {nvidia.com/mig-3g.20gb: 2}}}\n",
			want:        map[string]string{"gpu-utilization": "sum(DCGM_FI_PROF_GR_ENGINE_ACTIVE" + pods + ") / 2 > 0.6"}},
		{name: "MIG with DCGM_FI_DEV_GPU_UTIL in the policy",
			policy:     mig,
			containers: "      - {name: e, image: registry.example.com/embedder:1, resources: {limits: {nvidia.com/mig-1g.5gb: 1}}}\n",
			errs:       []string{"spec.gpu.utilizationMetric", "DCGM exports no DCGM_FI_DEV_GPU_UTIL for MIG instances", "DCGM_FI_PROF_GR_ENGINE_ACTIVE"},
			warns:      []string{"no inference server recognised"}},
		{name: "ServiceMonitor labels for DCGM, pod labels for the server",
			policy:     exported,
			containers: "      - {name: t, image: gcr.io/nvidia-ngc-public/tritonserver:26.07-py3, resources: {limits: {nvidia.com/gpu: 1}}}\n",
			want: map[string]string{
				"gpu-utilization": `sum(DCGM_FI_DEV_GPU_UTIL{exported_namespace="ml",exported_pod=~"` + llmPods + `"}) > 70`,
				"triton-queue":    "sum(nv_inference_pending_request_count" + pods + ") > 4",
			}},
		{name: "no server detected warns",
			containers: "      - {name: e, image: registry.example.com/embedder:1, resources: {limits: {nvidia.com/gpu: 1}}}\n",
			want:       map[string]string{"gpu-utilization": "sum(DCGM_FI_DEV_GPU_UTIL" + pods + ") > 70"},
			warns:      []string{"ml-autoscaling.io/inference-server", "no inference server recognised in container e (image registry.example.com/embedder:1)", "or to none to silence"}},
		{name: "Gaudi TGI",
			containers: "      - {name: tgi, image: ghcr.io/huggingface/tgi-gaudi:2.0.5, resources: {limits: {habana.ai/gaudi: 1}}}\n",
			want:       map[string]string{"tgi-queue": "sum(tgi_queue_size" + pods + ") > 4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, d := build(t, c.policy, c.annotations, c.containers)
			msg := d.Error()
			for _, w := range c.errs {
				require.Contains(t, msg, w)
			}
			require.Equal(t, len(c.errs) > 0, d.HasErrors(), msg)
			var warns []string
			for _, x := range d {
				if x.Severity == diag.Warning {
					warns = append(warns, x.Error())
				}
			}
			for _, w := range c.warns {
				require.Contains(t, strings.Join(warns, "\n"), w)
			}
			if len(c.warns) == 0 {
				require.Empty(t, warns)
			}
			if d.HasErrors() {
				return
			}
			require.Equal(t, c.want, queries(set))
			require.NotContains(t, msg, "a GPU request (nvidia.com/gpu, nvidia.com/mig-*, amd.com/gpu)")
		})
	}
}

func TestGPUPlanSaysWhereTheServerCameFrom(t *testing.T) {
	set, _ := build(t, nil, "", "      - {name: vllm, image: lmcache/vllm-openai:latest, command: [/opt/venv/bin/vllm, serve, m], resources: {limits: {nvidia.com/gpu: 1}}}\n")
	require.Equal(t, "vllm", set.GPU.Server)
	require.Equal(t, `detected from the command "/opt/venv/bin/vllm serve" of container vllm`, set.GPU.ServerSource)
	set, _ = build(t, nil, "    ml-autoscaling.io/inference-server: triton\n", "      - {name: s, image: lmcache/vllm-openai:latest, resources: {limits: {nvidia.com/gpu: 1}}}\n")
	require.Equal(t, "triton", set.GPU.Server)
	require.Equal(t, "annotation ml-autoscaling.io/inference-server", set.GPU.ServerSource)
}

func TestSumOf(t *testing.T) {
	require.Equal(t, `sum(a{x="1"})`, SumOf([]string{"a"}, `{x="1"}`))
	require.Equal(t, `sum(new{x="1"} or old{x="1"})`, SumOf([]string{"new", "old"}, `{x="1"}`))
	require.False(t, MaySelectSeveral(SumOf([]string{"new", "old"}, `{x="1"}`)))
}

func TestRabbitMQTriggers(t *testing.T) {
	cases := []struct {
		name, queues string
		metadata     map[string]string
		key          string
	}{
		{"one queue over AMQP, name verbatim", "events.process_event",
			map[string]string{"mode": "QueueLength", "value": "20", "queueName": "events.process_event"}, "host"},
		{"several queues summed over the management API", "celery, celery.priority",
			map[string]string{"mode": "QueueLength", "value": "20", "protocol": "http", "useRegex": "true", "operation": "sum",
				"excludeUnacknowledged": "true", "queueName": `(?-i)^(?:celery|celery\.priority)$`}, ManagementURLKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, d := build(t, nil, "    ml-autoscaling.io/rabbitmq-queue: \""+c.queues+"\"\n    ml-autoscaling.io/rabbitmq-secret: rabbitmq-conn\n",
				"      - {name: worker, image: registry.example.com/worker:1}\n")
			require.Empty(t, d)
			require.Len(t, set.Triggers, 1)
			require.Equal(t, c.metadata, set.Triggers[0].Metadata)
			require.Equal(t, "llm-rabbitmq", set.Triggers[0].AuthenticationRef.Name)
			require.Equal(t, c.key, set.Auths[0].Spec.SecretTargetRef[0].Key)
			require.Equal(t, "host", set.Auths[0].Spec.SecretTargetRef[0].Parameter)
		})
	}
}

// TestQueuePatternSelectsExactlyTheQueues matches the pattern the way the
// RabbitMQ management API does (case-insensitively, unanchored: re:run with
// the caseless option) against queue names that differ by one character.
func TestQueuePatternSelectsExactlyTheQueues(t *testing.T) {
	cases := []struct {
		queues      []string
		match, miss []string
	}{
		{[]string{"celery", "celery.priority"},
			[]string{"celery", "celery.priority"},
			[]string{"Celery", "CELERY.PRIORITY", "celeryXpriority", "celery2", "xcelery", "celery.priority.dlq", ""}},
		{[]string{"a+b", "c*", "(d)", "e|f", "[g]", "h?", "^i$", `j\k`, "l{2}", "m n"},
			[]string{"a+b", "c*", "(d)", "e|f", "[g]", "h?", "^i$", `j\k`, "l{2}", "m n"},
			[]string{"aab", "c", "ccc", "d", "e", "f", "g", "h", "i", "jk", "ll", "mn"}},
	}
	for _, c := range cases {
		rabbit := regexp.MustCompile("(?i)" + QueuePattern(c.queues))
		for _, q := range c.match {
			require.True(t, rabbit.MatchString(q), "%s should select %q", QueuePattern(c.queues), q)
		}
		for _, q := range c.miss {
			require.False(t, rabbit.MatchString(q), "%s must not select %q", QueuePattern(c.queues), q)
		}
	}
}

func TestConsumedQueues(t *testing.T) {
	cases := []struct {
		command, args []string
		want          []string
	}{
		{[]string{"sentry"}, []string{"run", "worker", "-Q", "events.process_event,events.save_event", "-c", "4"}, []string{"events.process_event", "events.save_event"}},
		{[]string{"celery"}, []string{"-A", "proj", "worker", "-Qcelery,priority"}, []string{"celery", "priority"}},
		{[]string{"sh", "-c", "exec celery -A proj worker --queues=a,b --loglevel=INFO"}, nil, []string{"a", "b"}},
		{[]string{"celery", "-A", "proj", "worker", "--queues", "reports"}, nil, []string{"reports"}},
		{[]string{"celery", "-A", "proj", "worker"}, nil, nil},
	}
	for _, c := range cases {
		got, unknown := ConsumedQueues(workload.Container{Command: c.command, Args: c.args})
		require.Equal(t, c.want, got, "%q %q", c.command, c.args)
		require.Empty(t, unknown)
	}
	_, d := build(t, nil, "    ml-autoscaling.io/rabbitmq-queue: events.process_event\n    ml-autoscaling.io/rabbitmq-secret: rmq\n",
		"      - {name: worker, image: getsentry/sentry:24.1.0, command: [sentry], args: [run, worker, -Q, \"events.process_event,events.save_event\"]}\n")
	require.False(t, d.HasErrors())
	require.Contains(t, d.Error(), "container worker consumes events.save_event (-Q), which ml-autoscaling.io/rabbitmq-queue does not name")
	_, d = build(t, nil, "    ml-autoscaling.io/rabbitmq-queue: \"events.save_event,events.process_event\"\n    ml-autoscaling.io/rabbitmq-secret: rmq\n",
		"      - {name: worker, image: getsentry/sentry:24.1.0, command: [sentry], args: [run, worker, -Q, \"events.process_event,events.save_event\"]}\n")
	require.Empty(t, d)
}

func TestConsumedQueuesKeepNamesWhole(t *testing.T) {
	q, _ := ConsumedQueues(workload.Container{Args: []string{"worker", "-Q", "celery,reports(v2)"}})
	require.Equal(t, []string{"celery", "reports(v2)"}, q)
	q, _ = ConsumedQueues(workload.Container{Command: []string{"sh", "-c", "celery worker -Q 'a|b'; echo done"}})
	require.Equal(t, []string{"a|b"}, q)
}

// TestConsumedQueuesExpandVariables: Kubernetes expands $(VAR) in command
// and args from the container's env; a shell expands $VAR and ${VAR} in a
// script. A variable without a literal value cannot be resolved from the
// manifest and is reported as unknown, not as a queue left out.
func TestConsumedQueuesExpandVariables(t *testing.T) {
	env := map[string]string{"CELERY_QUEUE": "celery", "EXTRA": "priority"}
	cases := []struct {
		name          string
		command, args []string
		env           map[string]string
		want, unknown []string
	}{
		{"shell braces", []string{"sh", "-c", `exec celery -A tasks worker --queues "${CELERY_QUEUE}" --concurrency 2`}, nil, env, []string{"celery"}, nil},
		{"shell bare", []string{"sh", "-c", "celery worker -Q $CELERY_QUEUE,$EXTRA"}, nil, env, []string{"celery", "priority"}, nil},
		{"kubernetes form", []string{"celery"}, []string{"worker", "-Q", "$(CELERY_QUEUE),reports"}, env, []string{"celery", "reports"}, nil},
		{"from a Secret", []string{"sh", "-c", `celery worker -Q "${QUEUE_FROM_SECRET}"`}, nil, env, nil, []string{"${QUEUE_FROM_SECRET}"}},
		{"no env at all", []string{"celery"}, []string{"worker", "-Q", "$(Q)"}, nil, nil, []string{"$(Q)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, unknown := ConsumedQueues(workload.Container{Command: c.command, Args: c.args, Env: c.env})
			require.Equal(t, c.want, got)
			require.Equal(t, c.unknown, unknown)
		})
	}
	_, d := build(t, nil, "    ml-autoscaling.io/rabbitmq-queue: celery\n    ml-autoscaling.io/rabbitmq-secret: rmq\n",
		"      - name: worker\n        image: python:3.12-slim\n        command: [sh, -c, 'exec celery -A tasks worker --queues \"${CELERY_QUEUE}\"']\n        env:\n        - {name: CELERY_QUEUE, value: celery}\n")
	require.Empty(t, d, "the queue the variable holds is the one the annotation names")
	_, d = build(t, nil, "    ml-autoscaling.io/rabbitmq-queue: celery\n    ml-autoscaling.io/rabbitmq-secret: rmq\n",
		"      - name: worker\n        image: python:3.12-slim\n        command: [sh, -c, 'exec celery -A tasks worker --queues \"${Q}\"']\n        env:\n        - name: Q\n          valueFrom: {secretKeyRef: {name: s, key: q}}\n")
	require.Len(t, d, 1)
	require.Equal(t, diag.Info, d[0].Severity)
	require.Contains(t, d[0].Error(), "consumes ${Q} (-Q), set from outside the manifest")
}
