package examples_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// shortAddress is a Prometheus address KEDA's operator cannot resolve (not
// namespace-qualified): every ScaledObject with a Prometheus trigger gets a
// warning, which the tests below look for on the object and in strict mode.
const shortAddress = "http://prometheus:9090"

// addressWarning is the warning about shortAddress, as it is recorded.
const addressWarning = `spec.prometheus.serverAddress: "` + shortAddress + `" is not namespace-qualified`

// warnedPolicy writes examples/policy.yaml with the short Prometheus address
// and the given extra spec lines, and returns its path.
func warnedPolicy(t *testing.T, extra string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testbin.Root(t), "examples/policy.yaml"))
	require.NoError(t, err)
	s := strings.Replace(string(b), "http://prometheus-operated.monitoring.svc.cluster.local:9090", shortAddress, 1)
	require.NotEqual(t, string(b), s, "the example policy names the qualified address")
	p := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(p, []byte(s+extra), 0o600))
	return p
}

// warningsByScaledObject reads every ScaledObject of a stream and returns its
// warnings annotation by name ("" when it has none).
func warningsByScaledObject(t *testing.T, stream string) map[string]string {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(stream), OmitReaderAnnotations: true}).Read()
	require.NoError(t, err)
	out := map[string]string{}
	for _, n := range nodes {
		if n.GetKind() == "ScaledObject" {
			out[n.GetName()] = n.GetAnnotations()["ml-autoscaling.io/warnings"]
		}
	}
	return out
}

// strictCase is one way of turning strict mode on for a host.
type strictCase struct {
	name string
	// source is how the failure names what turned strict mode on.
	source string
}

// checkStrictFailure checks a host's answer in strict mode: a failure,
// nothing rendered, and the warning (now an error) with its source in the
// host's error output.
func checkStrictFailure(t *testing.T, out, stderr string, err error, source string) {
	t.Helper()
	require.Error(t, err, "strict mode must fail the render")
	require.NotContains(t, out, "kind: ScaledObject", "nothing rendered")
	require.Contains(t, stderr, "strict mode: \""+shortAddress+"\" is not namespace-qualified")
	require.Contains(t, stderr, "no warnings in strict mode, which "+source+" turns on")
}

// helmRender renders charts/ml-autoscaling through the post-renderer with a
// policy, further environment and further helm flags.
type helmRender func(policy string, env []string, args ...string) (string, string, error)

// checkHelmStrictAndWarnings checks, for one Helm, that the warning is
// recorded on the ScaledObject it concerns and nowhere else, that the render
// is deterministic, and that strict mode from the flag, the environment and
// the policy fails the render with the warning; more checks each failure
// further.
func checkHelmStrictAndWarnings(t *testing.T, render helmRender, more func(t *testing.T, stderr string)) {
	policy := warnedPolicy(t, "")
	out, stderr, err := render(policy, nil)
	require.NoError(t, err, stderr)
	w := warningsByScaledObject(t, out)
	require.Contains(t, w["demo-ml-autoscaling-orchestrator"], "MLAutoscalingPolicy/default: "+addressWarning)
	require.Empty(t, w["demo-ml-autoscaling-celery-worker"], "a RabbitMQ-only ScaledObject has no Prometheus trigger to warn about")
	again, _, err := render(policy, nil)
	require.NoError(t, err)
	require.Equal(t, out, again, "deterministic")

	for _, c := range []struct {
		strictCase
		policy string
		env    []string
		args   []string
	}{
		{strictCase{"flag", "--strict=true"}, policy, nil, []string{"--post-renderer-args=--strict"}},
		{strictCase{"environment", "ML_AUTOSCALING_STRICT=true"}, policy, []string{"ML_AUTOSCALING_STRICT=true"}, nil},
		{strictCase{"policy", "policy spec.strict: true"}, warnedPolicy(t, "  strict: true\n"), nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, stderr, err := render(c.policy, c.env, c.args...)
			checkStrictFailure(t, out, stderr, err, c.source)
			more(t, stderr)
		})
	}
}

// helmRenderer renders with the given helm and --post-renderer value.
func helmRenderer(t *testing.T, helm, postRenderer string, env []string) helmRender {
	return func(policy string, extraEnv []string, extra ...string) (string, string, error) {
		args := append([]string{"template", "demo", "charts/ml-autoscaling", "--namespace", "ml", "--post-renderer", postRenderer,
			"--post-renderer-args=--config=" + policy, "--post-renderer-args=--namespace=ml"}, extra...)
		return run(t, testbin.Root(t), append(append([]string{}, env...), extraEnv...), helm, args...)
	}
}

func TestHelm3StrictAndWarnings(t *testing.T) {
	helm := testbin.Tool(t, "helm3/helm")
	pr := testbin.Build(t, "./postrender", "ml-autoscaling-postrender")
	checkHelmStrictAndWarnings(t, helmRenderer(t, helm, pr, helmEnv(t)), func(t *testing.T, stderr string) {
		require.Contains(t, stderr, "ml-autoscaling: no manifests were written", "Helm 3 shows the post-renderer's stderr")
	})
}

func TestHelm4PluginStrictAndWarnings(t *testing.T) {
	helm := testbin.Tool(t, "helm4/helm")
	env := helmEnv(t)
	installPlugin(t, helm, env)
	checkHelmStrictAndWarnings(t, helmRenderer(t, helm, "ml-autoscaling", env), func(t *testing.T, stderr string) {
		require.Contains(t, stderr, "ml-autoscaling post-renderer failed; nothing was rendered", "the error document reached Helm's message")
	})
}

// kustomizeDir copies the kustomize example with the built function and the
// short Prometheus address; edit adjusts the transformer config further.
func kustomizeDir(t *testing.T, edit func(string) string) string {
	t.Helper()
	root := testbin.Root(t)
	fn := testbin.Build(t, "./fn", "ml-autoscaling")
	dir := copyDir(t, filepath.Join(root, "examples/kustomize"))
	cfg := filepath.Join(dir, "autoscaling.yaml")
	b, err := os.ReadFile(cfg)
	require.NoError(t, err)
	s := strings.Replace(string(b), "../../bin/ml-autoscaling", fn, 1)
	s = strings.Replace(s, "http://prometheus-operated.monitoring.svc.cluster.local:9090", shortAddress, 1)
	require.Contains(t, s, shortAddress)
	require.NoError(t, os.WriteFile(cfg, []byte(edit(s)), 0o644))
	return dir
}

func TestKustomizeStrictAndWarnings(t *testing.T) {
	kustomize := testbin.Tool(t, "kustomize")
	build := func(dir string) (string, string, error) {
		return run(t, dir, nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	}
	out, stderr, err := build(kustomizeDir(t, func(s string) string { return s }))
	require.NoError(t, err, stderr)
	w := warningsByScaledObject(t, out)
	require.Contains(t, w["orchestrator"], "MLAutoscalingPolicy/autoscaling: "+addressWarning)
	require.Empty(t, w["celery-worker"])

	withExec := func(line string) func(string) string {
		return func(s string) string {
			require.Contains(t, s, "        path: ")
			i := strings.Index(s, "        path: ")
			end := i + strings.Index(s[i:], "\n") + 1
			return s[:end] + line + s[end:]
		}
	}
	for _, c := range []struct {
		strictCase
		edit func(string) string
	}{
		{strictCase{"policy", "policy spec.strict: true"}, func(s string) string { return s + "  strict: true\n" }},
		{strictCase{"exec args", "--strict=true"}, withExec("        args: [--strict]\n")},
		{strictCase{"exec environment", "ML_AUTOSCALING_STRICT=true"}, withExec("        envs: [ML_AUTOSCALING_STRICT=true]\n")},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, stderr, err := build(kustomizeDir(t, c.edit))
			checkStrictFailure(t, out, stderr, err, c.source)
		})
	}
}

func TestKptStrictAndWarnings(t *testing.T) {
	kptBin := kpt(t)
	root := testbin.Root(t)
	fn := testbin.Build(t, "./fn", "ml-autoscaling")
	pkg := copyDir(t, filepath.Join(root, "examples/kpt/package"))
	edit := func(file, old, new string) {
		p := filepath.Join(pkg, file)
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Contains(t, string(b), old)
		require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644))
	}
	edit("Kptfile", "../../../bin/ml-autoscaling", fn)
	edit("autoscaling-policy.yaml", "http://prometheus-operated.monitoring.svc.cluster.local:9090", shortAddress)

	// the warning is recorded on the ScaledObject kpt writes into the package,
	// and a second render changes nothing
	_, stderr, err := run(t, pkg, nil, kptBin, "fn", "render", ".", "--allow-exec")
	require.NoError(t, err, stderr)
	first := readTree(t, pkg)
	var generated strings.Builder
	for rel, content := range first {
		if strings.HasPrefix(rel, "ml/") {
			generated.WriteString("---\n" + content)
		}
	}
	w := warningsByScaledObject(t, generated.String())
	require.Contains(t, w["orchestrator"], "ConfigMap/autoscaling-policy: "+addressWarning)
	require.Empty(t, w["celery-worker"])
	_, stderr, err = run(t, pkg, nil, kptBin, "fn", "render", ".", "--allow-exec")
	require.NoError(t, err, stderr)
	require.Equal(t, first, readTree(t, pkg), "rendering again changes nothing")

	// strict mode from the policy (ConfigMap form): the render fails and the package stays as it was
	edit("autoscaling-policy.yaml", "  rabbitmq.secret:", "  strict: \"true\"\n  rabbitmq.secret:")
	out, stderr, err := run(t, pkg, nil, kptBin, "fn", "render", ".", "--allow-exec")
	checkStrictFailure(t, out, stderr, err, "policy spec.strict: true")
	after := readTree(t, pkg)
	delete(after, "autoscaling-policy.yaml")
	delete(first, "autoscaling-policy.yaml")
	require.Equal(t, first, after, "a failed render writes nothing")

	// kpt fn eval with the MLAutoscalingPolicy as function config
	evalPkg := copyDir(t, filepath.Join(root, "examples/kpt/package"))
	out, stderr, err = run(t, evalPkg, nil, kptBin, "fn", "eval", ".", "--exec", fn, "--fn-config", warnedPolicy(t, "  strict: true\n"))
	checkStrictFailure(t, out, stderr, err, "policy spec.strict: true")
}
