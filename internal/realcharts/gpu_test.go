package realcharts

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/promtest"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// gpuCase is a GPU workload of a rendered chart and what its triggers must
// read.
type gpuCase struct {
	dir, suffix string
	kind, name  string            // the workload, named as the chart's templates name it
	add         map[string]string // annotations the test adds
	gpuLimit    bool              // the test gives the first container one nvidia.com/gpu (the chart requests none)
	device      device
	server      *server // nil: none is recognised and plan must warn
	from        string  // what plan names as the server's source: "command", "image" or "annotation"
	image       string  // the server container's image, from which plan must detect the server when the container has no command
}

func (c gpuCase) label() string { return c.dir + c.suffix }

// gpuCases are every GPU workload the rendered charts hold. The vLLM
// production-stack chart starts every image as `vllm serve` and the Triton
// charts pass `tritonserver` as args: the server is detected from the
// command, and from the image when the container has none.
var gpuCases = []gpuCase{
	{dir: "vllm-stack/one-gpu", kind: "Deployment", name: vllmEngine("vllm", "opt125m"),
		device: wholeGPU, server: vllmServer, from: "command", image: "lmcache/vllm-openai:latest"},
	{dir: "vllm-stack/long-name", kind: "Deployment", name: vllmEngine("production", "llama-3-1-8b-instruct-fp8"),
		device: wholeGPU, server: vllmServer, from: "command", image: "lmcache/vllm-openai:latest"},
	{dir: "vllm-stack/mig-slice", kind: "Deployment", name: vllmEngine("vllm", "qwen2-5-0-5b"),
		device: migSlice, server: vllmServer, from: "command", image: "lmcache/vllm-openai:latest"},
	{dir: "vllm-stack/amd-gpu", kind: "Deployment", name: vllmEngine("vllm", "opt125m"),
		device: amdGPU, server: vllmServer, from: "command", image: "rocm/vllm:latest"},
	{dir: "vllm-stack/amd-gpu", suffix: " (annotation)", kind: "Deployment", name: vllmEngine("vllm", "opt125m"),
		add: map[string]string{annotationPrefix + "inference-server": "vllm"}, device: amdGPU, server: vllmServer, from: "annotation"},
	{dir: "triton/k8s-onprem-defaults", kind: "Deployment", name: fullname("triton", "triton-inference-server"),
		device: wholeGPU, server: tritonServer, from: "command", image: "nvcr.io/nvidia/tritonserver:26.07-py3"},
	{dir: "triton/gke-marketplace-mirror", kind: "Deployment", name: "triton-inference-server",
		device: wholeGPU, server: tritonServer, from: "command", image: "gcr.io/nvidia-ngc-public/tritonserver:26.07-py3"},
	// the Airflow worker as a GPU worker: a StatefulSet whose pods are
	// <name>-<ordinal>, with no inference server
	{dir: "airflow/celery-worker-hpa", suffix: " (with a GPU)", kind: "StatefulSet", name: "airflow-worker",
		gpuLimit: true, device: wholeGPU},
}

// input is the case's rendered chart with the workload opted in.
func (c gpuCase) input(t *testing.T) ([]byte, map[string]string) {
	t.Helper()
	var edit func(*yaml.RNode) error
	if c.gpuLimit {
		edit = func(n *yaml.RNode) error {
			cs, err := n.Pipe(yaml.Lookup("spec", "template", "spec", "containers"))
			if err != nil || cs == nil || len(cs.Content()) == 0 {
				return fmt.Errorf("no containers: %v", err)
			}
			return yaml.NewRNode(cs.Content()[0]).PipeE(yaml.LookupCreate(yaml.MappingNode, "resources", "limits"),
				yaml.SetField("nvidia.com/gpu", yaml.NewStringRNode("1")))
		}
	}
	return optIn(t, c.dir, c.kind, c.name, c.add, edit)
}

// casePods are pod names Kubernetes can give the case's workload (own) and
// the other pod owners of its render (others, by Kind/name).
type casePods struct {
	own    []string
	others map[string][]string
}

// podOwner is a pod owner of a render as podsFor reads it.
type podOwner struct {
	Kind     string `yaml:"kind"`
	Metadata meta   `yaml:"metadata"`
	Spec     struct {
		Ordinals struct {
			Start int `yaml:"start"`
		} `yaml:"ordinals"`
	} `yaml:"spec"`
}

// podsFor generates the case's pod names from Kubernetes' rules. A
// StatefulSet runs at most max-replicas pods (KEDA scales no further),
// ordinals from its spec.ordinals.start.
func podsFor(t *testing.T, r *rand.Rand, c gpuCase, input []byte, ann map[string]string) casePods {
	t.Helper()
	p := casePods{others: map[string][]string{}}
	nodes, err := decodeAll(input)
	require.NoError(t, err)
	for _, nd := range nodes {
		var o podOwner
		require.NoError(t, nd.Decode(&o))
		if !slices.Contains([]string{"Deployment", "StatefulSet", "Job", "CronJob"}, o.Kind) {
			continue
		}
		if o.Kind != c.kind || o.Metadata.Name != c.name {
			p.others[o.Kind+"/"+o.Metadata.Name] = podsOf(r, o.Kind, o.Metadata.Name, 30, o.Spec.Ordinals.Start)
			continue
		}
		n := 150
		if c.kind == "StatefulSet" {
			n, err = strconv.Atoi(ann[annotationPrefix+"max-replicas"])
			require.NoError(t, err, "%s: a StatefulSet case needs max-replicas", c.label())
		}
		p.own = podsOf(r, c.kind, c.name, n, o.Spec.Ordinals.Start)
	}
	require.NotEmpty(t, p.own, "%s: no %s/%s", c.label(), c.kind, c.name)
	return p
}

// sample returns at most n of pods, spread over the list.
func sample(pods []string, n int) []string {
	if len(pods) <= n {
		return pods
	}
	out := make([]string, n)
	for i := range out {
		out[i] = pods[i*len(pods)/n]
	}
	return out
}

// promSample is how many of a workload's pods are given series.
const promSample = 24

// ownValue and otherValue are every sample's value: a query that counts a
// pod of another workload is off by a multiple of otherValue.
const ownValue, otherValue = 1, 1000

// series returns what the case's pods export at time at: each own pod one
// version of its server and DCGM's metrics for its device; each pod of the
// other workloads every metric of every exporter. DCGM's series are there
// as both ways of scraping dcgm-exporter label them.
func (p casePods) series(c gpuCase, at time.Time) []promtest.Series {
	var out []promtest.Series
	add := func(metric, pod string, labels map[string]string, v float64) {
		l := map[string]string{"namespace": namespace, "pod": pod, "case": c.label()}
		for k, val := range labels {
			l[k] = val
		}
		out = append(out, promtest.Series{Metric: metric, Labels: l, Samples: []promtest.Sample{{T: at, V: v}}})
		if strings.HasPrefix(metric, "DCGM_") {
			out = append(out, promtest.Series{Metric: metric, Labels: throughServiceMonitor(l), Samples: []promtest.Sample{{T: at, V: v}}})
		}
	}
	for i, pod := range sample(p.own, promSample) {
		for _, e := range exportersOf(c.server, c.device, i) {
			for _, m := range e.metrics {
				add(m, pod, e.labels, ownValue)
			}
		}
	}
	var every []string
	for _, e := range allExporters {
		for _, m := range e.metrics {
			if !slices.Contains(every, m) {
				every = append(every, m)
			}
		}
	}
	for _, owner := range sortedKeys(p.others) {
		for _, pod := range sample(p.others[owner], 6) {
			for _, m := range every {
				add(m, pod, nil, otherValue)
			}
		}
	}
	return out
}

// throughServiceMonitor returns the labels of a dcgm-exporter series
// scraped through the ServiceMonitor of dcgm-exporter's chart: its
// honorLabels is false (NVIDIA/dcgm-exporter deployment/values.yaml), so
// Prometheus keeps the exporter's own pod, namespace and container labels
// as exported_pod, exported_namespace and exported_container and sets
// pod and namespace to the exporter pod's.
func throughServiceMonitor(l map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		switch k {
		case "pod", "namespace", "container":
			out["exported_"+k] = v
		default:
			out[k] = v
		}
	}
	out["pod"], out["namespace"], out["container"] = "nvidia-dcgm-exporter-x7k2p", "gpu-operator", "nvidia-dcgm-exporter"
	return out
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// slotTime is when case i's samples are: an hour apart, beyond the
// lookback of every other case's evaluation.
func slotTime(i int) time.Time { return time.Date(2026, 3, 1, i, 0, 0, 0, time.UTC) }

// TestRealChartGPUTriggers runs the tool through both doors on every GPU
// workload of the rendered charts and checks its triggers against
// Kubernetes' naming rules and the exporters' metric names: every query
// selects only metrics the server or DCGM exports for the device (the
// tables in exporters_test.go), its pod pattern matches every pod name
// Kubernetes can give the workload and none of the other workloads' pods,
// and a real Prometheus, holding series as the exporters publish them for
// those pods, answers every query with one series counting each of the
// workload's pods once — with dcgm-exporter's labels as pod discovery and
// as its chart's ServiceMonitor set them (policy gpu.dcgmLabels pod and
// exported_pod). It also checks the HPA name and what plan says about the
// inference server.
func TestRealChartGPUTriggers(t *testing.T) {
	tl := buildTools(t)
	policy := policyFile(t, 16)
	exported := policyFile(t, 16, "gpu: {dcgmLabels: exported_pod}")
	r := rand.New(rand.NewPCG(2026, 3))
	inputs := make([][]byte, len(gpuCases))
	pods := make([]casePods, len(gpuCases))
	var series []promtest.Series
	for i, c := range gpuCases {
		var ann map[string]string
		inputs[i], ann = c.input(t)
		pods[i] = podsFor(t, r, c, inputs[i], ann)
		series = append(series, pods[i].series(c, slotTime(i))...)
	}
	prom := promtest.Start(t, series)
	for i, c := range gpuCases {
		t.Run(c.label(), func(t *testing.T) {
			runs := tl.renderBoth(t, inputs[i], policy)
			for _, r := range runs {
				requireNoOtherHPA(t, r, r.objects(t), c.kind, c.name)
			}
			so := scaledObjectFor(t, runs[0].objects(t), c.kind, c.name)
			requireValidHPAName(t, so)
			for _, q := range checkGPUQueries(t, c, triggersOf(t, so), pods[i], podLabels) {
				requireCountsPods(t, prom, q, i, len(sample(pods[i].own, promSample)))
			}
			checkServerInPlan(t, tl, c, inputs[i], policy, runs)
			if c.device.dcgm == nil {
				return
			}
			// dcgm-exporter scraped through its chart's ServiceMonitor
			runs = tl.renderBoth(t, inputs[i], exported)
			so = scaledObjectFor(t, runs[0].objects(t), c.kind, c.name)
			for _, q := range checkGPUQueries(t, c, triggersOf(t, so), pods[i], exportedLabels) {
				requireCountsPods(t, prom, q, i, len(sample(pods[i].own, promSample)))
			}
		})
	}
}

// requireCountsPods evaluates q at case i's time and requires one series
// counting each of the n pods given series once, and nothing else.
func requireCountsPods(t *testing.T, prom *promtest.Server, q string, i, n int) {
	t.Helper()
	got := instantVector(t, prom.URL, q, slotTime(i).Add(time.Minute))
	require.Len(t, got, 1, "%s must return one series, got %v", q, got)
	require.Equal(t, float64(n*ownValue), got[0], "%s must count each of the %d pods once and no other pod", q, n)
}

// labelNames are the labels a query selects pods and namespaces by.
type labelNames struct{ pod, namespace string }

var (
	// podLabels are the labels Prometheus' Kubernetes discovery sets, and
	// dcgm-exporter's own when Prometheus honours them.
	podLabels = labelNames{"pod", "namespace"}
	// exportedLabels are dcgm-exporter's labels scraped through its chart's
	// ServiceMonitor (throughServiceMonitor).
	exportedLabels = labelNames{"exported_pod", "exported_namespace"}
)

// checkGPUQueries checks every Prometheus trigger of a GPU workload, whose
// DCGM queries select by dcgm, and returns their queries.
func checkGPUQueries(t *testing.T, c gpuCase, trs []trigger, pods casePods, dcgm labelNames) []string {
	t.Helper()
	var allowed []exporter
	if c.server != nil {
		allowed = append(allowed, c.server.versions...)
	}
	if c.device.dcgm != nil {
		allowed = append(allowed, *c.device.dcgm)
	}
	var queries, used []string
	for _, tr := range trs {
		if tr.Type != "prometheus" {
			continue
		}
		q := tr.Metadata["query"]
		queries = append(queries, q)
		metrics := metricsIn(q)
		require.NotEmpty(t, metrics, "trigger %s: no metric in %s", tr.Name, q)
		for _, m := range metrics {
			require.True(t, exports(allowed, m), "trigger %s reads %s, which no exporter of this workload publishes (%s)", tr.Name, m, sources(allowed))
		}
		used = append(used, metrics...)
		labels := podLabels
		if strings.HasPrefix(metrics[0], "DCGM_") {
			labels = dcgm
		}
		checkPodMatchers(t, tr.Name, q, len(metrics), pods, labels)
	}
	if c.server != nil {
		require.Contains(t, used, c.server.queue, "no trigger reads %s's queue", c.server.name)
	}
	dcgmUsed := slices.ContainsFunc(used, func(m string) bool { return strings.HasPrefix(m, "DCGM_") })
	require.Equal(t, c.device.dcgm != nil, dcgmUsed, "a DCGM trigger is wanted exactly where DCGM exports %s (metrics read: %v)", c.device.name, used)
	return queries
}

// sources lists where the exporters' metric names come from.
func sources(es []exporter) string {
	var out []string
	for _, e := range es {
		out = append(out, e.name+": "+e.source)
	}
	return strings.Join(out, "; ")
}

// checkPodMatchers checks a query's label matchers: each of its metrics
// selects namespace "ml" and pods by a pattern that, anchored as Prometheus
// anchors it, matches every pod of the workload and no pod of another.
func checkPodMatchers(t *testing.T, name, q string, selectors int, pods casePods, labels labelNames) {
	t.Helper()
	ms, err := matchersIn(q)
	require.NoError(t, err, "trigger %s", name)
	var patterns, namespaces []string
	for _, m := range ms {
		switch {
		case m.label == labels.pod && m.op == "=~":
			patterns = append(patterns, m.value)
		case m.label == labels.namespace && m.op == "=":
			namespaces = append(namespaces, m.value)
		default:
			require.Failf(t, "unexpected matcher", "trigger %s: %s%s%q in %s", name, m.label, m.op, m.value, q)
		}
	}
	require.Len(t, patterns, selectors, "trigger %s: one pod pattern per metric in %s", name, q)
	require.Equal(t, slices.Repeat([]string{namespace}, selectors), namespaces, "trigger %s: every metric in namespace %s", name, namespace)
	for _, p := range patterns {
		re, err := regexp.Compile("^(?:" + p + ")$")
		require.NoError(t, err, "trigger %s: pod pattern %q", name, p)
		for _, pod := range pods.own {
			require.True(t, re.MatchString(pod), "trigger %s: pod pattern %q misses the workload's pod %q", name, p, pod)
		}
		for owner, others := range pods.others {
			for _, pod := range others {
				require.False(t, re.MatchString(pod), "trigger %s: pod pattern %q matches %q, a pod of %s", name, p, pod, owner)
			}
		}
	}
}

// requireValidHPAName checks the name of the HPA KEDA creates for so: at
// most 63 characters and a DNS-1123 label.
func requireValidHPAName(t *testing.T, so *yaml.RNode) {
	t.Helper()
	hpa := "keda-hpa-" + so.GetName()
	if n, _ := so.Pipe(yaml.Lookup("spec", "advanced", "horizontalPodAutoscalerConfig", "name")); n != nil {
		hpa = yaml.GetValue(n)
	}
	require.LessOrEqual(t, len(so.GetName()), 63, "ScaledObject name %q", so.GetName())
	require.LessOrEqual(t, len(hpa), 63, "HPA name %q", hpa)
	require.Regexp(t, dns1123Label, hpa, "HPA name %q", hpa)
}

// serverRow is the plan's row for the inference server.
var serverRow = regexp.MustCompile(`(?m)^\s+inference server\s+(\S+)\s+(.+)$`)

// checkServerInPlan checks that plan names the server and what it was
// detected from, also from the image alone; without a server, that plan
// and both doors warn naming the annotation that sets it.
func checkServerInPlan(t *testing.T, tl tools, c gpuCase, input []byte, policy string, runs []result) {
	t.Helper()
	p := tl.plan(t, input, policy)
	require.Equal(t, 0, p.code, p.stdout+p.stderr)
	row := serverRow.FindStringSubmatch(p.stdout)
	require.NotNil(t, row, "plan has no inference-server row:\n%s", p.stdout)
	if c.server == nil {
		require.Equal(t, "none", row[1], row[0])
		require.Contains(t, row[2], annotationPrefix+"inference-server", "plan must name the annotation that sets the server")
		for _, r := range append(runs, p) {
			require.Regexp(t, `(?m)^(?:ml-autoscaling: )?warning: .*`+regexp.QuoteMeta(annotationPrefix+"inference-server"), r.stdout+r.stderr, "%s must warn", r.door)
		}
		return
	}
	require.Equal(t, c.server.name, row[1], row[0])
	require.Contains(t, row[2], c.from, "plan must say the server was taken from the %s: %s", c.from, row[0])
	if c.device.dcgm == nil {
		require.Regexp(t, `(?m)DCGM.*`+regexp.QuoteMeta(c.device.name), p.stdout, "plan must say why there is no DCGM trigger")
	}
	if c.image != "" {
		checkServerFromImage(t, tl, c, policy)
	}
}

// checkServerFromImage removes the command and args of the workload's
// first container and checks that plan detects the server from its image.
func checkServerFromImage(t *testing.T, tl tools, c gpuCase, policy string) {
	t.Helper()
	imageOnly, _ := optIn(t, c.dir, c.kind, c.name, c.add, func(n *yaml.RNode) error {
		cs, err := n.Pipe(yaml.Lookup("spec", "template", "spec", "containers"))
		if err != nil || cs == nil {
			return fmt.Errorf("no containers: %v", err)
		}
		first := yaml.NewRNode(cs.Content()[0])
		for _, f := range []string{"command", "args"} {
			if _, err := first.Pipe(yaml.Clear(f)); err != nil {
				return err
			}
		}
		return nil
	})
	p := tl.plan(t, imageOnly, policy)
	require.Equal(t, 0, p.code, p.stdout+p.stderr)
	row := serverRow.FindStringSubmatch(p.stdout)
	require.NotNil(t, row, "plan has no inference-server row:\n%s", p.stdout)
	require.Equal(t, c.server.name, row[1], row[0])
	require.Contains(t, row[2], "detected from the image "+c.image, row[0])
}

// instantVector evaluates query at time at and returns the value of each
// series of the result.
func instantVector(t *testing.T, base, query string, at time.Time) []float64 {
	t.Helper()
	resp, err := http.PostForm(base+"/api/v1/query", url.Values{"query": {query}, "time": {at.Format(time.RFC3339)}})
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Status, Error string
		Data          struct {
			ResultType string
			Result     []struct{ Value [2]any }
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "success", body.Status, "%s: %s", query, body.Error)
	require.Equal(t, "vector", body.Data.ResultType, query)
	out := make([]float64, len(body.Data.Result))
	for i, s := range body.Data.Result {
		str, _ := s.Value[1].(string)
		out[i], err = strconv.ParseFloat(str, 64)
		require.NoError(t, err, "%s: value %v", query, s.Value[1])
	}
	return out
}
