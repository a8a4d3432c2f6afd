package realcharts

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// chartsDir holds the rendered charts, relative to this package.
const chartsDir = "../../testdata/charts"

// maxRendered is the largest rendered.yaml kept; larger renders are left out.
const maxRendered = 300 << 10

// placeholder is the only credential value the files may hold.
const placeholder = "changeme-not-a-secret"

// variantFiles are the files a variant directory may hold; the golden-case
// checker of fn takes any directory with config.yaml, expected.yaml or
// errors.txt for one of its cases, so those names must not appear here.
var variantFiles = []string{"command.txt", "rendered.yaml", "values.yaml"}

// licences maps the licence an ORIGIN.md names to a phrase of its text.
var licences = map[string]string{
	"Apache-2.0":   "Apache License",
	"MIT":          "MIT License",
	"BSD-3-Clause": "Redistribution and use in source and binary forms",
}

// originRows are what every ORIGIN.md must state.
var originRows = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^\| repository \| https://github\.com/[\w.-]+/[\w.-]+ \|$`),
	regexp.MustCompile(`(?m)^\| paths? \| .+ \|$`),
	regexp.MustCompile("(?m)^\\| tag \\| .*commit `[0-9a-f]{40}`"),
	regexp.MustCompile(`(?m)^\| charts? \| .*version \d`),
	regexp.MustCompile(`(?m)^\| rendered with \| Helm v3\.\d+\.\d+ `),
	regexp.MustCompile(`(?m)^## Preparation$`),
	regexp.MustCompile(`(?m)^## Changes$`),
}

// licenceRow names the licence in an ORIGIN.md.
var licenceRow = regexp.MustCompile(`(?m)^\| licence \| ([\w.-]+) `)

// TestChartOrigin checks that every chart has an ORIGIN.md stating where
// it came from and a LICENSE whose text is the licence ORIGIN.md names.
func TestChartOrigin(t *testing.T) {
	for _, c := range charts(t) {
		origin := readFile(t, filepath.Join(chartsDir, c, "ORIGIN.md"))
		for _, row := range originRows {
			require.Regexp(t, row, origin, "%s/ORIGIN.md must state %s", c, row)
		}
		m := licenceRow.FindStringSubmatch(origin)
		require.NotNil(t, m, "%s/ORIGIN.md must name the licence in a `| licence |` row", c)
		phrase, ok := licences[m[1]]
		require.True(t, ok, "%s/ORIGIN.md names licence %q; known: Apache-2.0, MIT, BSD-3-Clause", c, m[1])
		require.Contains(t, readFile(t, filepath.Join(chartsDir, c, "LICENSE")), phrase,
			"%s/LICENSE is not the %s text ORIGIN.md names", c, m[1])
	}
}

// TestVariantFiles checks every variant's files: a render command, the
// values file exactly when the command uses it, and a rendered.yaml within
// the size limit.
func TestVariantFiles(t *testing.T) {
	for _, v := range variants(t) {
		dir := filepath.Join(chartsDir, v)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			require.Contains(t, variantFiles, e.Name(), "%s: unexpected file; a variant holds only %v", v, variantFiles)
		}
		cmd := parseCommand(t, v)
		_, err = os.Stat(filepath.Join(dir, "values.yaml"))
		require.Equal(t, cmd.usesValues, err == nil, "%s: values.yaml must exist exactly when command.txt passes --values values.yaml", v)
		info, err := os.Stat(filepath.Join(dir, "rendered.yaml"))
		require.NoError(t, err, "%s: rendered.yaml is missing", v)
		require.Positive(t, info.Size(), "%s: rendered.yaml is empty", v)
		require.LessOrEqual(t, info.Size(), int64(maxRendered), "%s: rendered.yaml is %d bytes; at most %d are kept", v, info.Size(), maxRendered)
	}
}

// renderCommand is a variant's command.txt.
type renderCommand struct {
	chart      string // the chart's directory in its repository (the "# chart:" line)
	release    string
	line       string
	usesValues bool
}

// parseCommand reads a variant's command.txt: a "# chart: <path>" comment
// and one `helm template <release> "$CHART" --namespace ml …` line.
func parseCommand(t *testing.T, variant string) renderCommand {
	t.Helper()
	var cmd renderCommand
	var lines []string
	for _, l := range strings.Split(readFile(t, filepath.Join(chartsDir, variant, "command.txt")), "\n") {
		if p, ok := strings.CutPrefix(l, "# chart: "); ok {
			cmd.chart = p
		}
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	require.NotEmpty(t, cmd.chart, "%s/command.txt: no `# chart: <path>` line", variant)
	require.Len(t, lines, 1, "%s/command.txt: want exactly one command line, got %q", variant, lines)
	f := strings.Fields(lines[0])
	require.GreaterOrEqual(t, len(f), 4, "%s/command.txt: %q is not `helm template <release> \"$CHART\" …`", variant, lines[0])
	require.Equal(t, []string{"helm", "template"}, f[:2], "%s/command.txt: the command must be `helm template`", variant)
	require.Equal(t, `"$CHART"`, f[3], "%s/command.txt: the chart argument must be \"$CHART\"", variant)
	require.Contains(t, lines[0], " --namespace ml", "%s/command.txt: the namespace must be ml", variant)
	cmd.release, cmd.line = f[2], lines[0]
	cmd.usesValues = slices.Contains(f, "values.yaml")
	return cmd
}

// TestRenderedDocuments checks that every rendered.yaml parses as YAML
// documents, each a Kubernetes object with apiVersion, kind and metadata.name.
func TestRenderedDocuments(t *testing.T) {
	for _, v := range variants(t) {
		objs := readObjects(t, v)
		require.NotEmpty(t, objs, "%s: rendered.yaml holds no document", v)
		for i, o := range objs {
			require.True(t, o.APIVersion != "" && o.Kind != "" && o.Metadata.Name != "",
				"%s: document %d lacks apiVersion, kind or metadata.name (got %q, %q, %q)", v, i+1, o.APIVersion, o.Kind, o.Metadata.Name)
		}
	}
}

// object is the part of a rendered document the tests read.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   meta   `yaml:"metadata"`
	Spec       struct {
		ScaleTargetRef struct{ Kind, Name string } `yaml:"scaleTargetRef"`
		Template       struct {
			Metadata meta `yaml:"metadata"`
			Spec     struct {
				Containers []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type meta struct {
	Name        string            `yaml:"name"`
	Annotations map[string]string `yaml:"annotations"`
}

type container struct {
	Image     string   `yaml:"image"`
	Command   []string `yaml:"command"`
	Args      []string `yaml:"args"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
}

// readObjects decodes a variant's rendered.yaml, skipping empty documents.
func readObjects(t *testing.T, variant string) []object {
	t.Helper()
	nodes, err := decodeAll([]byte(readFile(t, filepath.Join(chartsDir, variant, "rendered.yaml"))))
	require.NoError(t, err, "%s/rendered.yaml", variant)
	out := make([]object, len(nodes))
	for i, n := range nodes {
		require.NoError(t, n.Decode(&out[i]), "%s: document %d is not a Kubernetes object", variant, i+1)
	}
	return out
}

// decodeAll returns the non-empty YAML documents of b.
func decodeAll(b []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var out []*yaml.Node
	for i := 1; ; i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(n.Content) > 0 && n.Content[0].Tag != "!!null" {
			out = append(out, &n)
		}
	}
}

// workload is an object a variant must hold, derived from its chart's
// templates and values (not from the rendered output).
type workload struct {
	kind, name string
	image      string // the first container's image
	gpu        string // an extended resource the first container requests or limits
	arg        string // a word of the first container's command or args
	optIn      bool   // ml-autoscaling.io/enabled "true" on the pod template
	target     string // an HPA's scaleTargetRef, Kind/name
	nameLen    int    // the name's length, where the variant is about it
}

// fullname is the "<chart>.fullname" helper of the podinfo, Sentry and
// k8s-onprem Triton charts: the release name when it contains the chart
// name, else "<release>-<chart>", cut to 63 characters.
func fullname(release, chart string) string {
	name := release + "-" + chart
	if strings.Contains(release, chart) {
		name = release
	}
	return strings.TrimSuffix(name[:min(len(name), 63)], "-")
}

// vllmEngine is the engine Deployment's name in vllm-stack's
// deployment-vllm-multi.yaml: "<release>-<modelSpec.name>-deployment-vllm".
func vllmEngine(release, model string) string {
	return release + "-" + model + "-deployment-vllm"
}

// vllmRouter is the router Deployment's name in deployment-router.yaml.
func vllmRouter(release string) string { return release + "-deployment-router" }

// variantCases lists, per variant, its release and the objects the chart's
// templates make from its values.
var variantCases = []struct {
	dir, release string
	workloads    []workload
}{
	{"podinfo/defaults", "web", []workload{
		{kind: "Deployment", name: fullname("web", "podinfo"), image: "ghcr.io/stefanprodan/podinfo:6.14.1", arg: "./podinfo"},
		{kind: "Service", name: fullname("web", "podinfo")},
	}},
	{"podinfo/pod-annotations-hpa", "web", []workload{
		{kind: "Deployment", name: fullname("web", "podinfo"), image: "ghcr.io/stefanprodan/podinfo:6.14.1", optIn: true},
		{kind: "HorizontalPodAutoscaler", name: fullname("web", "podinfo"), target: "Deployment/" + fullname("web", "podinfo")},
	}},
	{"sentry/worker-events-two-queues", "sentry", []workload{
		// sentry.workerEvents: `sentry run worker -Q <queues>`, image sentry.image = getsentry/sentry:<appVersion>
		{kind: "Deployment", name: fullname("sentry", "sentry") + "-worker-events", image: "getsentry/sentry:24.8.0", arg: "events.save_event,post_process_errors", optIn: true},
		{kind: "Deployment", name: fullname("sentry", "sentry") + "-worker", image: "getsentry/sentry:24.8.0", arg: "worker"},
		{kind: "Deployment", name: fullname("sentry", "sentry") + "-web", image: "getsentry/sentry:24.8.0"},
		{kind: "ConfigMap", name: fullname("sentry", "sentry") + "-sentry"},
	}},
	{"airflow/celery-worker-hpa", "airflow", []workload{
		// airflow.fullname is the release name; the worker is a StatefulSet
		{kind: "StatefulSet", name: "airflow-worker", image: "apache/airflow:2.8.4-python3.9", arg: "exec airflow celery worker", optIn: true},
		{kind: "HorizontalPodAutoscaler", name: "airflow-worker", target: "StatefulSet/airflow-worker"},
		{kind: "Deployment", name: "airflow-scheduler", image: "apache/airflow:2.8.4-python3.9"},
		{kind: "Deployment", name: "airflow-web", image: "apache/airflow:2.8.4-python3.9"},
	}},
	{"vllm-stack/one-gpu", "vllm", []workload{
		// the chart starts its default image lmcache/vllm-openai as /opt/venv/bin/vllm
		{kind: "Deployment", name: vllmEngine("vllm", "opt125m"), image: "lmcache/vllm-openai:latest", gpu: "nvidia.com/gpu", arg: "/opt/venv/bin/vllm"},
		{kind: "Deployment", name: vllmRouter("vllm"), image: "lmcache/lmstack-router:latest"},
	}},
	{"vllm-stack/long-name", "production", []workload{
		// 52 characters (at least 50): Kubernetes cuts the generated Pod names
		{kind: "Deployment", name: vllmEngine("production", "llama-3-1-8b-instruct-fp8"), nameLen: 52, image: "lmcache/vllm-openai:latest", gpu: "nvidia.com/gpu", optIn: true},
		{kind: "Deployment", name: vllmRouter("production"), image: "lmcache/lmstack-router:latest"},
	}},
	{"vllm-stack/mig-slice", "vllm", []workload{
		{kind: "Deployment", name: vllmEngine("vllm", "qwen2-5-0-5b"), image: "lmcache/vllm-openai:latest", gpu: "nvidia.com/mig-1g.10gb", optIn: true},
		{kind: "Deployment", name: vllmRouter("vllm"), image: "lmcache/lmstack-router:latest"},
	}},
	{"vllm-stack/amd-gpu", "vllm", []workload{
		// any other image is started as plain `vllm serve`
		{kind: "Deployment", name: vllmEngine("vllm", "opt125m"), image: "rocm/vllm:latest", gpu: "amd.com/gpu", arg: "vllm", optIn: true},
		{kind: "Deployment", name: vllmRouter("vllm"), image: "lmcache/lmstack-router:latest"},
	}},
	{"triton/k8s-onprem-defaults", "triton", []workload{
		{kind: "Deployment", name: fullname("triton", "triton-inference-server"), image: "nvcr.io/nvidia/tritonserver:26.07-py3", gpu: "nvidia.com/gpu", arg: "tritonserver"},
		{kind: "HorizontalPodAutoscaler", name: "triton-hpa", target: "Deployment/" + fullname("triton", "triton-inference-server")},
	}},
	{"triton/gke-marketplace-mirror", "triton", []workload{
		// the GKE chart names its Deployment after the chart alone
		{kind: "Deployment", name: "triton-inference-server", image: "gcr.io/nvidia-ngc-public/tritonserver:26.07-py3", gpu: "nvidia.com/gpu", arg: "tritonserver"},
		{kind: "HorizontalPodAutoscaler", name: "triton-hpa", target: "Deployment/triton-inference-server"},
	}},
}

// TestVariantWorkloads checks that every variant holds the objects its
// chart's templates and values make, that exactly the expected workloads
// opt in, on the pod template only, and that the table covers every
// variant directory.
func TestVariantWorkloads(t *testing.T) {
	var dirs []string
	for _, vc := range variantCases {
		dirs = append(dirs, vc.dir)
		t.Run(vc.dir, func(t *testing.T) {
			require.Equal(t, vc.release, parseCommand(t, vc.dir).release, "release name in command.txt")
			objs := readObjects(t, vc.dir)
			var wantOptIn []string
			for _, w := range vc.workloads {
				checkWorkload(t, w, find(t, objs, w.kind, w.name))
				if w.optIn {
					wantOptIn = append(wantOptIn, w.kind+"/"+w.name)
				}
			}
			require.ElementsMatch(t, wantOptIn, optedIn(t, objs), "workloads opted in through the pod template")
		})
	}
	require.ElementsMatch(t, variants(t), dirs, "variantCases must list every variant directory, and only those")
}

// find returns the object of that kind and name.
func find(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind && o.Metadata.Name == name {
			return o
		}
	}
	require.Failf(t, "object missing", "no %s/%s in rendered.yaml", kind, name)
	return object{}
}

// checkWorkload compares an object with what the table derives for it.
func checkWorkload(t *testing.T, w workload, o object) {
	t.Helper()
	id := w.kind + "/" + w.name
	if w.nameLen > 0 {
		require.Len(t, w.name, w.nameLen, "%s: name length", id)
	}
	if w.target != "" {
		require.Equal(t, w.target, o.Spec.ScaleTargetRef.Kind+"/"+o.Spec.ScaleTargetRef.Name, "%s: scaleTargetRef", id)
	}
	if w.image == "" {
		return
	}
	cs := o.Spec.Template.Spec.Containers
	require.NotEmpty(t, cs, "%s: no containers", id)
	require.Equal(t, w.image, cs[0].Image, "%s: image", id)
	if w.arg != "" {
		require.Contains(t, append(slices.Clone(cs[0].Command), cs[0].Args...), w.arg, "%s: command and args", id)
	}
	if w.gpu != "" {
		_, req := cs[0].Resources.Requests[w.gpu]
		_, lim := cs[0].Resources.Limits[w.gpu]
		require.True(t, req || lim, "%s: %s is neither requested nor limited (requests %v, limits %v)", id, w.gpu, cs[0].Resources.Requests, cs[0].Resources.Limits)
	}
}

// optedIn lists Kind/name of the objects whose pod template carries
// ml-autoscaling.io/enabled "true", and fails on any object that carries an
// ml-autoscaling.io annotation itself: these charts opt in on the pod
// template only.
func optedIn(t *testing.T, objs []object) []string {
	t.Helper()
	var out []string
	for _, o := range objs {
		for k := range o.Metadata.Annotations {
			require.False(t, strings.HasPrefix(k, "ml-autoscaling.io/"), "%s/%s: annotation %s on the object; these charts set them on the pod template", o.Kind, o.Metadata.Name, k)
		}
		if o.Spec.Template.Metadata.Annotations["ml-autoscaling.io/enabled"] == "true" {
			out = append(out, o.Kind+"/"+o.Metadata.Name)
		}
	}
	return out
}

// TestNoCredentials checks every file under testdata/charts for a
// credential that is not the placeholder.
func TestNoCredentials(t *testing.T) {
	files := 0
	err := filepath.WalkDir(chartsDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, f := range credentials(filepath.Base(p), b) {
			t.Errorf("%s: %s; use the placeholder %q or a Secret reference", p, f, placeholder)
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, files, 10, "testdata/charts holds too few files")
}

var (
	// credKey is a key or variable name that holds a credential. A
	// camel-case "…SecretKey" names a key inside a Secret and is not one.
	credKey = regexp.MustCompile(`(?i)(password|passwd|token|api[_-]?key|fernet[_-]?key|private[_-]?key|cookie)$|(?i:secret[_-]key)$`)
	// quotedCred is a credential-named key or variable given a quoted
	// literal: password="admin", "token": "abc".
	quotedCred = regexp.MustCompile(`(?i)(password|passwd|token|api_?key|secret_key|fernet_key)["']?\s*[:=]\s*["']([^"'\s]+)["']`)
	// urlPassword is the password of a URL's user information.
	urlPassword = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@"']*:([^\s/@"']+)@`)
	// privateKey is a PEM private key.
	privateKey = regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`)
	// setFlag is a --set or --set-string assignment of a command line.
	setFlag = regexp.MustCompile(`--set(?:-string)?[ =]'?([^=' ]+)=([^' ]*)`)
)

// credentials returns a description of every credential in a file.
func credentials(name string, b []byte) []string {
	if filepath.Ext(name) != ".yaml" {
		return append(textCredentials(string(b)), setCredentials(name, string(b))...)
	}
	nodes, err := decodeAll(b)
	if err != nil {
		return []string{"not YAML: " + err.Error()}
	}
	var out []string
	for _, n := range nodes {
		data := secretData(n)
		if data != nil {
			out = append(out, secretCredentials(data)...)
		}
		out = append(out, nodeCredentials(n, data)...)
	}
	return out
}

// setCredentials finds credentials given by --set flags in a command.txt.
func setCredentials(name, s string) []string {
	var out []string
	if name != "command.txt" {
		return nil
	}
	for _, m := range setFlag.FindAllStringSubmatch(s, -1) {
		if credKey.MatchString(m[1]) && !harmless(m[2]) {
			out = append(out, fmt.Sprintf("--set %s=%s", m[1], m[2]))
		}
	}
	return out
}

// textCredentials finds quoted credential literals, URL passwords and
// private keys in text.
func textCredentials(s string) []string {
	var out []string
	for _, m := range quotedCred.FindAllStringSubmatch(s, -1) {
		if !harmless(m[2]) {
			out = append(out, fmt.Sprintf("%s set to %q", m[1], m[2]))
		}
	}
	for _, m := range urlPassword.FindAllStringSubmatch(s, -1) {
		if !harmless(m[1]) {
			out = append(out, fmt.Sprintf("URL %q holds a password", m[0]))
		}
	}
	if privateKey.MatchString(s) {
		out = append(out, "a PEM private key")
	}
	return out
}

// harmless reports whether a credential value is empty, the placeholder,
// or a reference to one held elsewhere ($VAR, $(cmd), ${VAR}, {{…}}).
func harmless(v string) bool {
	return v == "" || v == placeholder || strings.ContainsAny(v, "${")
}

// refKey is a key whose value only names Secrets and keys inside them.
var refKey = regexp.MustCompile(`(?i)(secretKeyRef|secretKeys)$`)

// nodeCredentials finds credentials below n: in its text and comments, in
// credential-named keys with a literal value, and in env entries of
// credential-named variables. skip (a Secret's base64 data) is left out.
func nodeCredentials(n, skip *yaml.Node) []string {
	out := textCredentials(n.HeadComment + "\n" + n.LineComment + "\n" + n.FootComment)
	switch {
	case n == skip:
	case n.Kind == yaml.ScalarNode:
		out = append(out, textCredentials(n.Value)...)
	case n.Kind == yaml.MappingNode:
		out = append(out, mappingCredentials(n, skip)...)
	default:
		for _, c := range n.Content {
			out = append(out, nodeCredentials(c, skip)...)
		}
	}
	return out
}

// mappingCredentials checks a mapping's keys and values.
func mappingCredentials(n, skip *yaml.Node) []string {
	var out []string
	if name, value := mapValue(n, "name"), mapValue(n, "value"); name != nil && value != nil && literal(value) && credKey.MatchString(name.Value) {
		out = append(out, fmt.Sprintf("env %s holds %q", name.Value, value.Value))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		out = append(out, textCredentials(k.HeadComment+"\n"+k.LineComment)...)
		switch {
		case refKey.MatchString(k.Value):
		case literal(v) && credKey.MatchString(k.Value):
			out = append(out, fmt.Sprintf("key %s holds %q", k.Value, v.Value))
		default:
			out = append(out, nodeCredentials(v, skip)...)
		}
	}
	return out
}

// literal reports whether v is a scalar that could hold a credential: not
// empty, not the placeholder, not a boolean or null.
func literal(v *yaml.Node) bool {
	return v.Kind == yaml.ScalarNode && v.Tag != "!!bool" && v.Tag != "!!null" && !harmless(v.Value)
}

// mapValue returns the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// secretData returns the data mapping of a Secret document, or nil.
func secretData(doc *yaml.Node) *yaml.Node {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	top := doc.Content[0]
	if kind := mapValue(top, "kind"); kind == nil || kind.Value != "Secret" {
		return nil
	}
	return mapValue(top, "data")
}

// secretCredentials decodes a Secret's data and checks each entry by its
// key's name and by its text.
func secretCredentials(data *yaml.Node) []string {
	var out []string
	for i := 0; i+1 < len(data.Content); i += 2 {
		k, v := data.Content[i].Value, data.Content[i+1].Value
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			out = append(out, fmt.Sprintf("Secret data %s is not base64", k))
			continue
		}
		if credKey.MatchString(k) && !harmless(string(b)) {
			out = append(out, fmt.Sprintf("Secret data %s holds %q", k, b))
		}
		for _, f := range textCredentials(string(b)) {
			out = append(out, "Secret data "+k+": "+f)
		}
	}
	return out
}

// TestCredentialRules pins what the credential check finds and what it
// lets pass.
func TestCredentialRules(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	secret := func(k, v string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  " + k + ": " + b64([]byte(v)) + "\n"
	}
	tests := []struct {
		name, file, content string
		found               bool
	}{
		{"yaml password literal", "values.yaml", "auth:\n  password: hunter2\n", true},
		{"yaml password placeholder", "values.yaml", "auth:\n  password: " + placeholder + "\n", false},
		{"yaml empty password", "values.yaml", "auth:\n  password: \"\"\n", false},
		{"key of a key inside a Secret", "values.yaml", "db:\n  passwordSecretKey: postgresql-password\n  existingSecretKey: key\n", false},
		{"names of keys inside a Secret", "values.yaml", "externalPostgresql:\n  existingSecretKeys:\n    password: postgres-password\n", false},
		{"URL password in a comment", "values.yaml", "# broker: amqp://u:pw@rabbitmq\nx: 1\n", true},
		{"Secret data URL password", "rendered.yaml", secret("BROKER_URL", "amqp://u:pw@rabbitmq:5672//"), true},
		{"token flag is a boolean", "rendered.yaml", "automountServiceAccountToken: false\n", false},
		{"snake-case secret key literal", "values.yaml", "webserver_secret_key: abc123\n", true},
		{"env value literal", "rendered.yaml", "env:\n  - name: POSTGRES_PASSWORD\n    value: s3cr3t\n", true},
		{"env value from a Secret", "rendered.yaml", "env:\n  - name: POSTGRES_PASSWORD\n    valueFrom:\n      secretKeyRef: {name: db, key: password}\n", false},
		{"Secret data fernet key", "rendered.yaml", secret("AIRFLOW__CORE__FERNET_KEY", "7T512UXSSmBOkpWimFHIVb8jK6lfmSAvx4mO6Arehnc="), true},
		{"Secret data placeholder", "rendered.yaml", secret("AIRFLOW__CORE__FERNET_KEY", placeholder), false},
		{"Secret data script with a literal", "rendered.yaml", secret("sync_users.py", "User(\n    password=\"admin\",\n)"), true},
		{"Secret data script reading a field", "rendered.yaml", secret("sync_users.py", "\"password\": self.password"), false},
		{"URL with a password", "rendered.yaml", "data:\n  conf: 'BROKER = \"amqp://guest:guest@rabbitmq:5672//\"'\n", true},
		{"URL with the placeholder", "rendered.yaml", "data:\n  conf: 'BROKER = \"amqp://u:" + placeholder + "@rabbitmq:5672//\"'\n", false},
		{"URL with a shell reference", "rendered.yaml", "data:\n  cmd: echo redis://$(eval $CMD)${HOST}\n", false},
		{"private key", "LICENSE", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n", true},
		{"--set password", "command.txt", "helm template r \"$CHART\" --namespace ml --set auth.password=hunter2\n", true},
		{"--set placeholder", "command.txt", "helm template r \"$CHART\" --namespace ml --set-string 'auth.password=" + placeholder + "'\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := credentials(tt.file, []byte(tt.content))
			if tt.found {
				require.NotEmpty(t, got, "a credential must be found in %q", tt.content)
			} else {
				require.Empty(t, got, "nothing must be found in %q", tt.content)
			}
		})
	}
}

// TestFullname pins the naming helper against the names the charts'
// fullname template gives.
func TestFullname(t *testing.T) {
	tests := []struct{ release, chart, want string }{
		{"web", "podinfo", "web-podinfo"},
		{"sentry", "sentry", "sentry"},
		{"my-podinfo", "podinfo", "my-podinfo"},
		{strings.Repeat("r", 60), "podinfo", strings.Repeat("r", 60) + "-po"},
		{strings.Repeat("r", 62), "podinfo", strings.Repeat("r", 62)},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, fullname(tt.release, tt.chart), "fullname(%q, %q)", tt.release, tt.chart)
	}
}

// charts returns the chart directory names under testdata/charts.
func charts(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(chartsDir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	require.NotEmpty(t, out, "no chart under %s", chartsDir)
	return out
}

// variants returns "<chart>/<variant>" for every variant directory.
func variants(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, c := range charts(t) {
		entries, err := os.ReadDir(filepath.Join(chartsDir, c))
		require.NoError(t, err)
		n := len(out)
		for _, e := range entries {
			if e.IsDir() {
				out = append(out, c+"/"+e.Name())
			}
		}
		require.Greater(t, len(out), n, "chart %s has no variant directory", c)
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
