package realcharts

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The tests below run the tool on the rendered charts through both of its
// doors, the KRM function's standalone mode and the Helm post-renderer, as
// built binaries. The charts opt their workloads in on the pod template; the
// tests move those annotations onto the workload's metadata, as a kustomize
// patch would, so that the tool reads them where it always has.

// namespace is the release namespace every variant was rendered for.
const namespace = "ml"

// annotationPrefix starts every annotation of the tool.
const annotationPrefix = "ml-autoscaling.io/"

// generatedFor marks the objects the tool generates.
const generatedFor = annotationPrefix + "generated-for"

// tools are the two binaries under test.
type tools struct{ fn, postrender string }

// buildTools builds both binaries once per test process.
func buildTools(t *testing.T) tools {
	t.Helper()
	return tools{
		fn:         testbin.Build(t, "./fn", "ml-autoscaling"),
		postrender: testbin.Build(t, "./postrender", "ml-autoscaling-postrender"),
	}
}

// doors are the two ways in, by name.
var doors = []string{"function", "post-renderer"}

// result is one run of the tool.
type result struct {
	door, stdout, stderr string
	code                 int
}

// objects parses the run's output.
func (r result) objects(t *testing.T) []*yaml.RNode {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(r.stdout), OmitReaderAnnotations: true}).Read()
	require.NoError(t, err, "%s: output does not parse", r.door)
	return nodes
}

// render runs the tool through door on input with the policy file.
func (tl tools) render(t *testing.T, door string, input []byte, policy string) result {
	t.Helper()
	switch door {
	case "function":
		in := filepath.Join(t.TempDir(), "rendered.yaml")
		require.NoError(t, os.WriteFile(in, input, 0o600))
		return run(t, door, nil, tl.fn, "--namespace", namespace, policy, in)
	case "post-renderer":
		return run(t, door, input, tl.postrender, "--config="+policy, "--namespace="+namespace)
	}
	require.Failf(t, "unknown door", "%q", door)
	return result{}
}

// plan runs `ml-autoscaling plan` on input.
func (tl tools) plan(t *testing.T, input []byte, policy string) result {
	t.Helper()
	in := filepath.Join(t.TempDir(), "rendered.yaml")
	require.NoError(t, os.WriteFile(in, input, 0o600))
	return run(t, "plan", nil, tl.fn, "plan", "--namespace", namespace, policy, in)
}

// run runs a binary with stdin, without the tool's and Helm's variables
// of the environment the tests run in.
func run(t *testing.T, door string, stdin []byte, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ML_AUTOSCALING_") && !strings.HasPrefix(kv, "HELM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err, "running %s", bin)
	}
	return result{door: door, stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// renderBoth runs both doors on input, requires both to succeed, and
// requires them to generate the same objects; it returns both runs.
func (tl tools) renderBoth(t *testing.T, input []byte, policy string) []result {
	t.Helper()
	var out []result
	var first []any
	for _, door := range doors {
		r := tl.render(t, door, input, policy)
		require.Equal(t, 0, r.code, "%s failed:\n%s", door, r.stderr)
		var objs []any
		for _, n := range generated(r.objects(t)) {
			var v any
			require.NoError(t, n.YNode().Decode(&v))
			objs = append(objs, v)
		}
		require.NotEmpty(t, objs, "%s generated nothing", door)
		if first == nil {
			first = objs
		} else {
			require.True(t, reflect.DeepEqual(first, objs), "the doors generate different objects")
		}
		out = append(out, r)
	}
	return out
}

// generated returns the objects the tool generated.
func generated(nodes []*yaml.RNode) []*yaml.RNode {
	var out []*yaml.RNode
	for _, n := range nodes {
		if _, ok := n.GetAnnotations()[generatedFor]; ok {
			out = append(out, n)
		}
	}
	return out
}

// targets returns the objects of kind whose scaleTargetRef is
// targetKind/targetName (ScaledObjects, HPAs).
func targets(nodes []*yaml.RNode, kind, targetKind, targetName string) []*yaml.RNode {
	var out []*yaml.RNode
	for _, n := range nodes {
		k, _ := n.Pipe(yaml.Lookup("spec", "scaleTargetRef", "kind"))
		nm, _ := n.Pipe(yaml.Lookup("spec", "scaleTargetRef", "name"))
		if n.GetKind() == kind && yaml.GetValue(k) == targetKind && yaml.GetValue(nm) == targetName {
			out = append(out, n)
		}
	}
	return out
}

// scaledObjectFor returns the one ScaledObject whose target is kind/name.
func scaledObjectFor(t *testing.T, nodes []*yaml.RNode, kind, name string) *yaml.RNode {
	t.Helper()
	sos := targets(nodes, "ScaledObject", kind, name)
	require.Len(t, sos, 1, "ScaledObjects that target %s/%s", kind, name)
	return sos[0]
}

// requireNoOtherHPA requires that no HorizontalPodAutoscaler of a run's
// output targets kind/name: a chart's own would fight KEDA's
// (AmbiguousSelector).
func requireNoOtherHPA(t *testing.T, r result, nodes []*yaml.RNode, kind, name string) {
	t.Helper()
	for _, n := range targets(nodes, "HorizontalPodAutoscaler", kind, name) {
		require.Failf(t, "HPA left", "%s: HPA %s still targets %s/%s beside KEDA's", r.door, n.GetName(), kind, name)
	}
}

// trigger is a ScaledObject trigger as the tests read it.
type trigger struct {
	Type     string            `yaml:"type"`
	Name     string            `yaml:"name"`
	Metadata map[string]string `yaml:"metadata"`
	Auth     struct {
		Name string `yaml:"name"`
	} `yaml:"authenticationRef"`
}

// triggersOf decodes a ScaledObject's triggers.
func triggersOf(t *testing.T, so *yaml.RNode) []trigger {
	t.Helper()
	n, err := so.Pipe(yaml.Lookup("spec", "triggers"))
	require.NoError(t, err)
	require.NotNil(t, n, "%s has no triggers", so.GetName())
	var out []trigger
	require.NoError(t, n.YNode().Decode(&out))
	return out
}

// optIn returns a variant's rendered manifests with kind/name opted in:
// the ml-autoscaling.io annotations the chart put on the pod template move
// onto the workload's metadata, with add on top (enabled "true" always);
// edit, when set, changes the workload further. It also returns the
// annotations the workload ends up with.
func optIn(t *testing.T, dir, kind, name string, add map[string]string, edit func(*yaml.RNode) error) ([]byte, map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chartsDir, dir, "rendered.yaml"))
	require.NoError(t, err)
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
	require.NoError(t, err)
	var got map[string]string
	for _, n := range nodes {
		if n.GetKind() != kind || n.GetName() != name {
			continue
		}
		require.Nil(t, got, "%s: two %s/%s", dir, kind, name)
		got, err = moveAnnotations(n, add)
		require.NoError(t, err, "%s: %s/%s", dir, kind, name)
		if edit != nil {
			require.NoError(t, edit(n), "%s: %s/%s", dir, kind, name)
		}
	}
	require.NotNil(t, got, "%s: no %s/%s in rendered.yaml", dir, kind, name)
	var out bytes.Buffer
	require.NoError(t, kio.ByteWriter{Writer: &out}.Write(nodes))
	return out.Bytes(), got
}

// moveAnnotations moves the tool's annotations from n's pod template onto
// n and adds add and enabled "true".
func moveAnnotations(n *yaml.RNode, add map[string]string) (map[string]string, error) {
	tmpl, err := n.Pipe(yaml.Lookup("spec", "template", "metadata", "annotations"))
	if err != nil {
		return nil, err
	}
	ann := n.GetAnnotations()
	if tmpl != nil {
		var keys []string
		if err := tmpl.VisitFields(func(f *yaml.MapNode) error {
			if k := f.Key.YNode().Value; strings.HasPrefix(k, annotationPrefix) {
				ann[k] = f.Value.YNode().Value
				keys = append(keys, k)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		for _, k := range keys {
			if _, err := tmpl.Pipe(yaml.Clear(k)); err != nil {
				return nil, err
			}
		}
	}
	for k, v := range add {
		ann[k] = v
	}
	ann[annotationPrefix+"enabled"] = "true"
	return ann, n.SetAnnotations(ann)
}

// policyFile writes a policy whose oldest KEDA is 2.<minor>, with extra
// lines of spec, and returns its path.
func policyFile(t *testing.T, minor int, extra ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("policy-2.%d.yaml", minor))
	body := fmt.Sprintf(`apiVersion: ml-autoscaling.io/v1alpha1
kind: MLAutoscalingPolicy
metadata:
  name: real-charts
spec:
  prometheus:
    serverAddress: http://prometheus-operated.monitoring.svc.cluster.local:9090
  kedaVersion: "2.%d"
`, minor)
	for _, l := range extra {
		body += "  " + l + "\n"
	}
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}
