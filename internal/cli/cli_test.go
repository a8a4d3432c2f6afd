package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"github.com/stretchr/testify/require"
)

const testPolicy = "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata:\n  name: strict\nspec:\n  keepReplicas: true\n"

func TestPolicyDocument(t *testing.T) {
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {hpaConflict: adopt}\n"
	cases := []struct {
		name, text, wantErr string
	}{
		{"one policy", testPolicy, ""},
		{"leading separator and comments", "# the policy\n---\n" + testPolicy, ""},
		{"document end marker", testPolicy + "...\n", ""},
		{"a ConfigMap", cm, ""},
		{"byte-order mark at the start", "\uFEFF" + testPolicy, ""},
		{"byte-order mark after the separator", "---\n\uFEFF" + testPolicy, ""},
		{"byte-order mark before a comment after the separator", "---\n\uFEFF# the policy\n" + testPolicy, ""},
		{"empty file", "", "is empty (no YAML document)"},
		{"only comments", "# nothing yet\n", "is empty (no YAML document)"},
		{"only a separator", "---\n", "holds only an empty YAML document"},
		{"empty document first", "---\n---\n" + testPolicy, "holds 2 YAML documents (1: empty, 2: MLAutoscalingPolicy/strict)"},
		{"trailing separator", testPolicy + "---\n", "holds 2 YAML documents (1: MLAutoscalingPolicy/strict, 2: empty)"},
		{"two policies", testPolicy + "---\n" + cm, "holds 2 YAML documents (1: MLAutoscalingPolicy/strict, 2: ConfigMap/cfg)"},
		{"three documents", testPolicy + "---\n- a\n---\nx: 1\n", "holds 3 YAML documents (1: MLAutoscalingPolicy/strict, 2: not a mapping, 3: a mapping without kind)"},
		{"not YAML", testPolicy + "---\nspec: [\n", "not valid YAML (document 2)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := PolicyDocument([]byte(c.text), "p.yaml")
			if c.wantErr == "" {
				require.NoError(t, err)
				require.False(t, n.IsNilOrEmpty())
				p, _, err := ParsePolicy([]byte(c.text), "p.yaml")
				require.NoError(t, err)
				require.NotEqual(t, "built-in", p.Metadata.Name)
				return
			}
			require.Error(t, err)
			require.Contains(t, err.Error(), "policy p.yaml")
			require.Contains(t, err.Error(), c.wantErr)
			if !strings.Contains(c.wantErr, "valid YAML") {
				require.Contains(t, err.Error(), "exactly one YAML document")
			}
		})
	}
}

func TestLoadHistories(t *testing.T) {
	hist, err := os.ReadFile("../../testdata/golden/predictive-weekly/input-history.yaml")
	require.NoError(t, err)
	dir := t.TempDir()
	put := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	file := put("one/a.yaml", hist)
	put("two/a.yaml", hist)
	put("two/b.yml", hist)
	put("two/notes.txt", []byte("not read"))
	notHistory := put("bad/cm.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "empty"), 0o755))
	put("fifo/a.yaml", hist)
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo", "b.yaml"), 0o600))
	cases := []struct {
		name, path string
		want       int
		wantErr    string
	}{
		{"none", "", 0, ""},
		{"a file", file, 1, ""},
		{"a directory", filepath.Join(dir, "two"), 2, ""},
		{"an empty directory", filepath.Join(dir, "empty"), 0, ""},
		{"missing", filepath.Join(dir, "missing"), 0, "a ScalingHistory file or a directory of them"},
		{"not a history", notHistory, 0, `not a ScalingHistory (kind "ConfigMap")`},
		{"a named pipe in the directory", filepath.Join(dir, "fifo"), 0, "b.yaml is not a regular file but a named pipe"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := LoadHistories(c.path)
			if c.wantErr != "" {
				require.ErrorContains(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, got, c.want)
		})
	}
}

func TestStrict(t *testing.T) {
	cases := []struct {
		name      string
		flagGiven bool
		flagValue bool
		env       string
		want      *transform.Switch
		err       string
	}{
		{"neither: the policy decides", false, false, "", nil, ""},
		{"flag on", true, true, "", &transform.Switch{On: true, Source: "--strict=true"}, ""},
		{"flag off", true, false, "", &transform.Switch{On: false, Source: "--strict=false"}, ""},
		{"environment on", false, false, "true", &transform.Switch{On: true, Source: "ML_AUTOSCALING_STRICT=true"}, ""},
		{"environment off", false, false, "false", &transform.Switch{On: false, Source: "ML_AUTOSCALING_STRICT=false"}, ""},
		{"the flag wins over the environment", true, false, "true", &transform.Switch{On: false, Source: "--strict=false"}, ""},
		{"the flag wins over a bad environment value", true, true, "yes", &transform.Switch{On: true, Source: "--strict=true"}, ""},
		{"a bad environment value", false, false, "yes", nil, `environment variable ML_AUTOSCALING_STRICT: "yes": not a boolean (allowed: true or false)`},
		{"no other spelling", false, false, "1", nil, `"1": not a boolean`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Strict(c.flagGiven, c.flagValue, func(k string) string {
				require.Equal(t, StrictEnv, k)
				return c.env
			})
			if c.err != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

// TestReadPolicyFileLimit reads a policy file of exactly MaxPolicyBytes and
// refuses one byte more, and an endless device, naming the limit.
func TestReadPolicyFileLimit(t *testing.T) {
	dir := t.TempDir()
	policy := "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec: {}\n#"
	at := filepath.Join(dir, "at.yaml")
	require.NoError(t, os.WriteFile(at, []byte(policy+strings.Repeat("x", MaxPolicyBytes-len(policy))), 0o600))
	over := filepath.Join(dir, "over.yaml")
	require.NoError(t, os.WriteFile(over, []byte(policy+strings.Repeat("x", MaxPolicyBytes-len(policy)+1)), 0o600))
	_, _, err := LoadPolicy(at)
	require.NoError(t, err)
	for _, path := range []string{over, "/dev/zero"} {
		_, err := ReadPolicyFile(path)
		require.ErrorContains(t, err, "larger than 1048576 bytes (1 MiB), the most a policy file may hold (limit: policy size)")
	}
}
