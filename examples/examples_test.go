// Package examples_test runs every example in this directory against the
// real CLIs (Helm 3, Helm 4, kustomize, kpt) and compares the output with
// the example's expected output. UPDATE_GOLDEN=1 rewrites the expectations.
package examples_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = os.Getenv("UPDATE_GOLDEN") == "1"

// run executes a command and returns stdout, stderr and the error.
func run(t *testing.T, dir string, env []string, name string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// helmEnv isolates Helm's state in a temporary directory.
func helmEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{"HELM_DATA_HOME=" + filepath.Join(home, "data"), "HELM_CONFIG_HOME=" + filepath.Join(home, "config"), "HELM_CACHE_HOME=" + filepath.Join(home, "cache")}
}

// golden compares got with the file (or rewrites it under UPDATE_GOLDEN=1).
func golden(t *testing.T, path, got string) {
	t.Helper()
	if update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "output differs from %s (UPDATE_GOLDEN=1 rewrites it)", path)
}

func TestHelm3Example(t *testing.T) {
	root := testbin.Root(t)
	helm := testbin.Tool(t, "helm3/helm")
	pr := testbin.Build(t, "./postrender", "ml-autoscaling-postrender")
	env := helmEnv(t)
	args := []string{"demo", "charts/ml-autoscaling", "--namespace", "ml", "--post-renderer", pr,
		"--post-renderer-args=--config=examples/policy.yaml", "--post-renderer-args=--namespace=ml"}
	out, stderr, err := run(t, root, env, helm, append([]string{"template"}, args...)...)
	require.NoError(t, err, stderr)
	require.NoError(t, kedatest.ValidateStream([]byte(out)))
	golden(t, filepath.Join(root, "examples/helm3/expected.yaml"), out)

	// the same policy from the environment
	envOut, stderr, err := run(t, root, append(env, "ML_AUTOSCALING_CONFIG=examples/policy.yaml"), helm, "template", "demo", "charts/ml-autoscaling",
		"--namespace", "ml", "--post-renderer", pr, "--post-renderer-args=--namespace=ml")
	require.NoError(t, err, stderr)
	require.Equal(t, out, envOut)

	// helm install --dry-run goes through the same post-renderer; Helm 3 asks
	// the API server for its version even then, so a stub answers on loopback
	inst, stderr, err := run(t, root, append(env, "KUBECONFIG="+stubAPIServer(t)), helm, append([]string{"install", "--dry-run=client", "--disable-openapi-validation"}, args...)...)
	require.NoError(t, err, stderr)
	require.Contains(t, inst, "kind: ScaledObject")
	require.NotContains(t, inst, "kind: HorizontalPodAutoscaler")
}

// stubAPIServer answers the discovery requests that helm install
// --dry-run=client makes (version, API groups and resources — as on a cluster
// with KEDA installed), on 127.0.0.1, and returns a kubeconfig pointing at it.
func stubAPIServer(t *testing.T) string {
	type res struct{ name, kind string }
	groups := map[string][]res{
		"v1":                       {{"services", "Service"}, {"configmaps", "ConfigMap"}, {"secrets", "Secret"}, {"serviceaccounts", "ServiceAccount"}},
		"apps/v1":                  {{"deployments", "Deployment"}, {"statefulsets", "StatefulSet"}},
		"autoscaling/v2":           {{"horizontalpodautoscalers", "HorizontalPodAutoscaler"}},
		"keda.sh/v1alpha1":         {{"scaledobjects", "ScaledObject"}, {"triggerauthentications", "TriggerAuthentication"}},
		"monitoring.coreos.com/v1": {{"servicemonitors", "ServiceMonitor"}, {"prometheusrules", "PrometheusRule"}},
	}
	resourceList := func(gv string) string {
		var items []string
		for _, r := range groups[gv] {
			items = append(items, fmt.Sprintf(`{"name":%q,"singularName":"","namespaced":true,"kind":%q,"verbs":["get","list","create","update","patch","delete"]}`, r.name, r.kind))
		}
		return fmt.Sprintf(`{"kind":"APIResourceList","apiVersion":"v1","groupVersion":%q,"resources":[%s]}`, gv, strings.Join(items, ","))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch p := r.URL.Path; {
		case p == "/version":
			fmt.Fprint(w, `{"major":"1","minor":"31","gitVersion":"v1.31.0","platform":"linux/amd64"}`)
		case p == "/api":
			fmt.Fprint(w, `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}`)
		case p == "/apis":
			var gs []string
			for gv := range groups {
				if g, v, ok := strings.Cut(gv, "/"); ok {
					gs = append(gs, fmt.Sprintf(`{"name":%q,"versions":[{"groupVersion":%q,"version":%q}],"preferredVersion":{"groupVersion":%q,"version":%q}}`, g, gv, v, gv, v))
				}
			}
			fmt.Fprintf(w, `{"kind":"APIGroupList","apiVersion":"v1","groups":[%s]}`, strings.Join(gs, ","))
		case p == "/api/v1":
			fmt.Fprint(w, resourceList("v1"))
		case strings.HasPrefix(p, "/apis/") && groups[strings.TrimPrefix(p, "/apis/")] != nil:
			fmt.Fprint(w, resourceList(strings.TrimPrefix(p, "/apis/")))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	cfg := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(cfg, []byte(`apiVersion: v1
kind: Config
clusters: [{name: stub, cluster: {server: "`+srv.URL+`"}}]
contexts: [{name: stub, context: {cluster: stub, user: stub}}]
users: [{name: stub, user: {}}]
current-context: stub
`), 0o600))
	return cfg
}

// installPlugin installs the Helm 4 plugin (postrender/plugin.yaml with a
// freshly built binary) into a temporary HELM_DATA_HOME.
func installPlugin(t *testing.T, helm string, env []string) {
	root := testbin.Root(t)
	pr := testbin.Build(t, "./postrender", "ml-autoscaling-postrender")
	dir := filepath.Join(t.TempDir(), "ml-autoscaling")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	plugin, err := os.ReadFile(filepath.Join(root, "postrender/plugin.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plugin.yaml"), plugin, 0o644))
	bin, err := os.ReadFile(pr)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bin/ml-autoscaling-postrender"), bin, 0o755))
	_, stderr, err := run(t, root, env, helm, "plugin", "install", dir)
	require.NoError(t, err, stderr)
}

func TestHelm4PluginExample(t *testing.T) {
	root := testbin.Root(t)
	helm := testbin.Tool(t, "helm4/helm")
	env := helmEnv(t)
	installPlugin(t, helm, env)
	policy := "--post-renderer-args=--config=" + filepath.Join(root, "examples/policy.yaml")
	out, stderr, err := run(t, root, env, helm, "template", "demo", "examples/helm4/chart", "--namespace", "ml",
		"--post-renderer", "ml-autoscaling", policy, "--post-renderer-args=--namespace=ml")
	require.NoError(t, err, stderr)
	require.NoError(t, kedatest.ValidateStream([]byte(out)))
	golden(t, filepath.Join(root, "examples/helm4/expected.yaml"), out)
	// Helm 4 turns the kept postrender-filename annotation into the "# Source:" line:
	// generated objects carry their workload's file
	require.Equal(t, 3, strings.Count(out, "# Source: hooks-demo/templates/worker.yaml"), "Helm 4's file annotation is kept and copied")

	// the hook passes through untouched
	plain, _, err := run(t, root, env, helm, "template", "demo", "examples/helm4/chart", "--namespace", "ml")
	require.NoError(t, err)
	require.Equal(t, hookDocument(t, plain), hookDocument(t, out))

	// a bad annotation fails the render, and Helm shows why
	logFile := filepath.Join(t.TempDir(), "errors.log")
	out, stderr, err = run(t, root, env, helm, "template", "demo", "examples/helm4/chart", "--namespace", "ml", "--set", "maxReplicas=ten",
		"--post-renderer", "ml-autoscaling", policy, "--post-renderer-args=--log-file="+logFile)
	require.Error(t, err)
	require.Empty(t, out)
	require.Contains(t, stderr, `ml-autoscaling.io/max-replicas: "ten": not a whole number`)
	logged, err := os.ReadFile(logFile)
	require.NoError(t, err)
	require.Contains(t, string(logged), `Deployment/demo-worker: ml-autoscaling.io/max-replicas: "ten": not a whole number`)
}

// hookDocument returns the document of the hook Job in a rendered stream.
func hookDocument(t *testing.T, stream string) string {
	for _, doc := range strings.Split(stream, "\n---\n") {
		if strings.Contains(doc, "helm.sh/hook:") {
			return doc
		}
	}
	t.Fatalf("no hook in output")
	return ""
}

// copyDir copies an example to a temporary directory.
func copyDir(t *testing.T, src string) string {
	dst := t.TempDir()
	require.NoError(t, filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode())
	}))
	return dst
}

func TestKustomizeExample(t *testing.T) {
	root := testbin.Root(t)
	kustomize := testbin.Tool(t, "kustomize")
	fn := testbin.Build(t, "./fn", "ml-autoscaling")
	dir := copyDir(t, filepath.Join(root, "examples/kustomize"))
	cfg := filepath.Join(dir, "autoscaling.yaml")
	b, err := os.ReadFile(cfg)
	require.NoError(t, err)
	require.Contains(t, string(b), "path: ../../bin/ml-autoscaling", "the example points at the built binary")
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(b), "../../bin/ml-autoscaling", fn, 1)), 0o644))
	out, stderr, err := run(t, dir, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	require.NoError(t, err, stderr)
	require.NoError(t, kedatest.ValidateStream([]byte(out)))
	golden(t, filepath.Join(root, "examples/kustomize/expected.yaml"), out)
}

// readTree reads every file below dir (relative path → content), skipping the Kptfile.
func readTree(t *testing.T, dir string) map[string]string {
	files := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Name() == "Kptfile" {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return err
	}))
	return files
}

func kpt(t *testing.T) string {
	p, err := exec.LookPath("kpt")
	if err != nil {
		msg := "kpt is not on PATH (Debian/Ubuntu: the google-cloud-cli-kpt package); the kpt example needs it"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("optional: " + msg)
	}
	return p
}

func TestKptExample(t *testing.T) {
	kptBin := kpt(t)
	root := testbin.Root(t)
	fn := testbin.Build(t, "./fn", "ml-autoscaling")
	pkg := copyDir(t, filepath.Join(root, "examples/kpt/package"))
	kf := filepath.Join(pkg, "Kptfile")
	b, err := os.ReadFile(kf)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(kf, []byte(strings.Replace(string(b), "../../../bin/ml-autoscaling", fn, 1)), 0o644))
	for i := 0; i < 2; i++ { // rendering twice changes nothing
		_, stderr, err := run(t, pkg, nil, kptBin, "fn", "render", ".", "--allow-exec")
		require.NoError(t, err, stderr)
	}
	got := readTree(t, pkg)
	expectedDir := filepath.Join(root, "examples/kpt/expected")
	if update {
		require.NoError(t, os.RemoveAll(expectedDir))
		for rel, content := range got {
			require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(expectedDir, rel)), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(expectedDir, rel), []byte(content), 0o644))
		}
	}
	require.Equal(t, readTree(t, expectedDir), got)
	for rel, content := range got {
		require.NoError(t, kedatest.ValidateStream([]byte(content)), rel)
	}

	// kpt fn eval with the MLAutoscalingPolicy as function config gives the same objects
	pkg2 := copyDir(t, filepath.Join(root, "examples/kpt/package"))
	_, stderr, err := run(t, pkg2, nil, kptBin, "fn", "eval", ".", "--exec", fn, "--fn-config", filepath.Join(root, "examples/policy.yaml"))
	require.NoError(t, err, stderr)
	evalled := readTree(t, pkg2)
	for rel, content := range got {
		if strings.HasPrefix(rel, "ml/") {
			require.Equal(t, content, evalled[rel], rel)
		}
	}
}

func TestArgoCDPluginExample(t *testing.T) {
	root := testbin.Root(t)
	helm := testbin.Tool(t, "helm3/helm")
	pr := testbin.Build(t, "./postrender", "ml-autoscaling-postrender")
	raw, err := os.ReadFile(filepath.Join(root, "examples/argocd/plugin.yaml"))
	require.NoError(t, err)
	var plugin struct {
		Spec struct {
			Init, Generate struct {
				Command []string `yaml:"command"`
				Args    []string `yaml:"args"`
			}
		} `yaml:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &plugin))
	// a sidecar's view: the chart as the working directory, helm and the tool on PATH
	chart := copyDir(t, filepath.Join(root, "charts/ml-autoscaling"))
	policy, err := os.ReadFile(filepath.Join(root, "examples/policy.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(chart, "ml-autoscaling-policy.yaml"), policy, 0o644))
	env := append(helmEnv(t), "PATH="+filepath.Dir(helm)+":"+filepath.Dir(pr)+":"+os.Getenv("PATH"),
		"ARGOCD_APP_NAME=demo", "ARGOCD_APP_NAMESPACE=ml", "ARGOCD_ENV_HELM_ARGS=")
	step := func(c []string, args []string) (string, string, error) {
		return run(t, chart, env, c[0], append(c[1:], args...)...)
	}
	_, stderr, err := step(plugin.Spec.Init.Command, plugin.Spec.Init.Args)
	require.NoError(t, err, stderr)
	out, stderr, err := step(plugin.Spec.Generate.Command, plugin.Spec.Generate.Args)
	require.NoError(t, err, stderr)
	helm3, err := os.ReadFile(filepath.Join(root, "examples/helm3/expected.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(helm3), out, "the plugin renders what the Helm 3 example does")

	// a bad value fails the generate step
	bad := append(env, "ARGOCD_ENV_HELM_ARGS=--set-string services.celeryWorker.autoscaling.maxReplicas=ten")
	out, stderr, err = run(t, chart, bad, plugin.Spec.Generate.Command[0], append(plugin.Spec.Generate.Command[1:], plugin.Spec.Generate.Args...)...)
	require.Error(t, err)
	require.Empty(t, out)
	require.Contains(t, stderr, "not a whole number")
}
