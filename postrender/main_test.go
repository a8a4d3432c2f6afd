package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const goldenDir = "../testdata/golden"

type goldenCase struct {
	name, dir, config string
	input             []byte
	expected          []byte // nil for error cases
	errors            []string
	warnings          []string // regular expressions stderr must match on success
}

// goldenCases loads the shared golden cases; the post-renderer must agree
// with the KRM function on every one of them.
func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(goldenDir, "*"))
	require.NoError(t, err)
	var out []goldenCase
	for _, d := range dirs {
		inputs, _ := filepath.Glob(filepath.Join(d, "input*.yaml"))
		if len(inputs) == 0 {
			continue
		}
		c := goldenCase{name: filepath.Base(d), dir: d, config: filepath.Join(d, "config.yaml")}
		for _, in := range inputs {
			b, err := os.ReadFile(in)
			require.NoError(t, err)
			if len(c.input) > 0 {
				c.input = append(c.input, "---\n"...)
			}
			c.input = append(c.input, b...)
		}
		if b, err := os.ReadFile(filepath.Join(d, "expected.yaml")); err == nil {
			c.expected = b
		}
		if b, err := os.ReadFile(filepath.Join(d, "errors.txt")); err == nil {
			c.errors = strings.Split(strings.TrimSpace(string(b)), "\n")
		}
		if b, err := os.ReadFile(filepath.Join(d, "warnings.txt")); err == nil {
			c.warnings = strings.Split(strings.TrimSpace(string(b)), "\n")
		}
		out = append(out, c)
	}
	require.NotEmpty(t, out)
	return out
}

func runPR(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, bytes.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// canonical parses a stream into a comparable list of plain values.
func canonical(t *testing.T, s []byte) []any {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(s), OmitReaderAnnotations: true}).Read()
	require.NoError(t, err)
	var out []any
	for _, n := range nodes {
		var v any
		require.NoError(t, n.YNode().Decode(&v))
		out = append(out, v)
	}
	return out
}

func TestGoldenCasesAgreeWithFunction(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runPR(t, c.input, "--config="+c.config)
			if c.errors != nil {
				require.Equal(t, 1, code)
				require.Empty(t, stdout, "nothing on stdout after an error")
				for _, re := range c.errors {
					require.Regexp(t, regexp.MustCompile(re), stderr)
				}
				return
			}
			require.Equal(t, 0, code, stderr)
			require.Equal(t, canonical(t, c.expected), canonical(t, []byte(stdout)))
			for _, re := range c.warnings {
				require.Regexp(t, regexp.MustCompile(re), stderr)
			}

			// deterministic and idempotent
			again, _, code := runPR(t, c.input, "--config="+c.config)
			require.Equal(t, 0, code)
			require.Equal(t, stdout, again)
			third, _, code := runPR(t, []byte(stdout), "--config="+c.config)
			require.Equal(t, 0, code)
			require.Equal(t, stdout, third, "output fed back in changed")

			// documents the tool did not change pass through byte for byte
			for _, d := range stream.Split(c.input) {
				if stream.IsBlank(d.Body) || changedOrDropped(t, d.Body, stdout) {
					continue
				}
				require.Contains(t, stdout, string(d.Body), "unchanged document not copied byte for byte")
			}
		})
	}
}

// changedOrDropped reports whether the resource in body is absent from the
// output or differs in content (so byte identity is not expected).
func changedOrDropped(t *testing.T, body []byte, out string) bool {
	n, err := yaml.Parse(string(body))
	if err != nil || n.YNode().Kind != yaml.MappingNode {
		return false
	}
	want := canonical(t, body)
	for _, got := range canonical(t, []byte(out)) {
		if equalValue(want[0], got) {
			return false
		}
	}
	return true
}

func equalValue(a, b any) bool {
	ya, _ := yaml.Marshal(a)
	yb, _ := yaml.Marshal(b)
	return bytes.Equal(ya, yb)
}

func TestByteForBytePassThrough(t *testing.T) {
	in := []byte("---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: odd,   labels: {a: b}}\ndata:\n  x:   'quoted'   # comment\n  y: |\n    ---not a separator inside a block\n---\n# Source: demo/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n    name: four-space-indent\nspec:\n    ports:\n    -   port: 80\n")
	out, stderr, code := runPR(t, in)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, string(in), out)
}

func TestEmptyInputGivesEmptyOutput(t *testing.T) {
	for _, in := range []string{"", "\n", "---\n", "# only a comment\n"} {
		out, stderr, code := runPR(t, []byte(in))
		require.Equal(t, 0, code, stderr)
		require.Equal(t, in, out)
	}
}

const cpuWorkload = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    ml-autoscaling.io/enabled: "true"
    ml-autoscaling.io/cpu-utilization: "60"
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: api
        image: nginx
        resources: {requests: {cpu: 100m}}
`

func TestNoPolicyUsesBuiltInDefaults(t *testing.T) {
	t.Setenv("ML_AUTOSCALING_CONFIG", "")
	out, stderr, code := runPR(t, []byte(cpuWorkload))
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "kind: ScaledObject")
	require.Contains(t, out, "minReplicaCount: 1\n  maxReplicaCount: 10\n")
	require.NotContains(t, out, "replicas: 2")
}

func TestConfigFromEnvironment(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte("apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n  keepReplicas: true\n  defaults: {maxReplicas: 7}\n"), 0o600))
	t.Setenv("ML_AUTOSCALING_CONFIG", policy)
	out, stderr, code := runPR(t, []byte(cpuWorkload))
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "maxReplicaCount: 7")
	require.Contains(t, out, "replicas: 2")
}

func TestReleaseNamespaceMatchesHPAs(t *testing.T) {
	in := cpuWorkload + `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: prod
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  maxReplicas: 3
`
	out, _, code := runPR(t, []byte(in), "--namespace=prod")
	require.Equal(t, 0, code)
	require.NotContains(t, out, "HorizontalPodAutoscaler", "HPA in the release namespace is removed")
	out, _, code = runPR(t, []byte(in), "--namespace=staging")
	require.Equal(t, 0, code)
	require.Contains(t, out, "HorizontalPodAutoscaler", "HPA in another namespace stays")
}

func TestErrorsWriteNothing(t *testing.T) {
	cases := map[string]struct {
		in   string
		args []string
		want string
	}{
		"malformed yaml in a relevant document": {in: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n  bad: [unclosed\n", want: "cannot parse"},
		"missing policy file":                   {in: cpuWorkload, args: []string{"--config=/nonexistent/policy.yaml"}, want: "cannot read policy"},
		"endless policy file":                   {in: cpuWorkload, args: []string{"--config=/dev/zero"}, want: "policy /dev/zero: larger than 1048576 bytes (1 MiB), the most a policy file may hold (limit: policy size)"},
		"bad annotation":                        {in: strings.Replace(cpuWorkload, `cpu-utilization: "60"`, `cpu-utilization: "sixty"`, 1), want: `ml-autoscaling.io/cpu-utilization: "sixty": not a whole number`},
		"stray argument":                        {in: cpuWorkload, args: []string{"manifests.yaml"}, want: "manifests are read from stdin"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := runPR(t, []byte(c.in), c.args...)
			require.Equal(t, 1, code)
			require.Empty(t, out)
			require.Contains(t, stderr, c.want)
		})
	}
}

func TestExplainGoesToStderr(t *testing.T) {
	out, stderr, code := runPR(t, []byte(cpuWorkload), "--explain")
	require.Equal(t, 0, code)
	require.Contains(t, stderr, "Deployment/api")
	require.Contains(t, stderr, "TRIGGERS")
	require.NotContains(t, out, "TRIGGERS")
}

// TestHistoryFlag gives --history a directory (of .yaml or .yml files) or
// a single ScalingHistory file: each plans the schedule; a path that does
// not exist is an error.
func TestHistoryFlag(t *testing.T) {
	hist, err := os.ReadFile("../testdata/golden/predictive-weekly/input-history.yaml")
	require.NoError(t, err)
	in, err := os.ReadFile("../testdata/golden/predictive-weekly/input.yaml")
	require.NoError(t, err)
	write := func(name string) (dir, file string) {
		dir = t.TempDir()
		file = filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(file, hist, 0o644))
		return dir, file
	}
	dirYAML, fileYAML := write("ml.trip-pricer.yaml")
	dirYML, _ := write("ml.trip-pricer.yml")
	for name, path := range map[string]string{"directory": dirYAML, "directory of .yml": dirYML, "file": fileYAML} {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := runPR(t, in, "--config=../testdata/golden/predictive-weekly/config.yaml", "--history="+path)
			require.Equal(t, 0, code, stderr)
			require.Contains(t, out, "type: cron")
			require.NotContains(t, out, "ScalingHistory")
			require.NotContains(t, stderr, "no ScalingHistory")
		})
	}
	_, stderr, code := runPR(t, in, "--history=/nonexistent")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "history: stat /nonexistent")
	require.Contains(t, stderr, "a ScalingHistory file or a directory of them")
}

func TestHelpAndVersion(t *testing.T) {
	_, stderr, code := runPR(t, nil, "--help")
	require.Equal(t, 0, code)
	require.Contains(t, stderr, "Examples:")
	// each flag that takes a value shows what it takes, as the usage line does
	for _, want := range []string{"-config string", "-history DIR|FILE", "-log-file string", "-namespace string"} {
		require.Contains(t, stderr, want)
	}
	out, _, code := runPR(t, nil, "--version")
	require.Equal(t, 0, code)
	require.NotEmpty(t, strings.TrimSpace(out))
}

// TestStdoutFailureIsReported: output and --version that cannot be written
// fail with the message every command uses.
func TestStdoutFailureIsReported(t *testing.T) {
	p := filepath.Join(t.TempDir(), "stdout")
	require.NoError(t, os.WriteFile(p, nil, 0o600))
	f, err := os.Open(p) // read-only: every write fails
	require.NoError(t, err)
	defer f.Close()
	for name, args := range map[string][]string{"output": nil, "version": {"--version"}} {
		var stderr bytes.Buffer
		code := run(args, strings.NewReader(cpuWorkload), f, &stderr)
		require.Equal(t, 1, code, name)
		require.Regexp(t, `(?m)^ml-autoscaling: error: writing stdout: `, stderr.String(), name)
	}
}
