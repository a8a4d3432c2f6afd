package history

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func golden(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenDir, "ml.worker.yaml"))
	require.NoError(t, err)
	return string(data)
}

func TestDecodeGolden(t *testing.T) {
	got, err := Decode([]byte(golden(t)))
	require.NoError(t, err)
	assertSameHistory(t, example(), got)
}

func TestDecodeErrors(t *testing.T) {
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				panic("test input lacks " + old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	const line2 = "    7, 6.5, null, 0, 12\n"
	tests := []struct {
		name  string
		edit  func(string) string
		field string   // Field of the first diagnostic
		want  []string // substrings of the whole error
	}{
		{name: "empty", edit: func(string) string { return "" }, want: []string{"error: not a ScalingHistory: the document is empty (allowed: one ScalingHistory document)"}},
		{name: "only a comment", edit: func(string) string { return "# nothing\n" }, want: []string{"the document is empty"}},
		{name: "corrupt bytes", edit: func(s string) string { return s[:40] + "\x00\x01\xfe" + s[40:] }, want: []string{"is not valid YAML"}},
		{name: "corrupt indentation", edit: replace("  step: 5m", "step: 5m\n   - x"), want: []string{"is not valid YAML"}},
		{name: "truncated inside values", edit: func(s string) string { return s[:len(s)-20] }, want: []string{"is not valid YAML", "one ScalingHistory document"}},
		{name: "truncated after a line of values", edit: func(s string) string { return s[:len(s)-len(line2)-4] }, want: []string{"is not valid YAML"}},
		{name: "truncated before values", edit: func(s string) string { return s[:strings.Index(s, "  values:")] },
			field: "spec.values", want: []string{"spec.values: is required"}},
		{name: "two documents", edit: func(s string) string { return s + "---\n" + s }, want: []string{"more than one YAML document"}},
		{name: "a list", edit: func(string) string { return "- a\n- b\n" }, want: []string{"YAML sequence, not a mapping"}},
		{name: "wrong apiVersion", edit: replace("ml-autoscaling.io/v1alpha1", "ml-autoscaling.io/v1"), field: "apiVersion",
			want: []string{`"ml-autoscaling.io/v1": is not the ScalingHistory apiVersion (allowed: ml-autoscaling.io/v1alpha1)`}},
		{name: "wrong kind", edit: replace("kind: ScalingHistory", "kind: Deployment"), field: "kind", want: []string{`"Deployment": is not ScalingHistory`}},
		{name: "unknown top-level field", edit: replace("spec:", "sepc:"), field: "sepc",
			want: []string{"sepc: is not a known field; did you mean spec?", "spec.target, spec.query"}},
		{name: "unknown spec field", edit: replace("  values:", "  vaules:"), field: "spec.vaules",
			want: []string{"spec.vaules: is not a known field; did you mean values? (allowed: query, start, step, target, values)"}},
		{name: "unknown target field", edit: replace("    name: worker\n    namespace: ml\n  query", "    nmae: worker\n    namespace: ml\n  query"),
			field: "spec.target.nmae", want: []string{"did you mean name?"}},
		{name: "unknown metadata field", edit: replace("  namespace: ml\n  annotations", "  namspace: ml\n  annotations"),
			field: "metadata.namspace", want: []string{"did you mean namespace?"}},
		{name: "unknown field far from any", edit: replace("spec:\n", "spec:\n  replicas: 3\n"), field: "spec.replicas",
			want: []string{"spec.replicas: is not a known field (allowed:"}},
		{name: "status not allowed", edit: func(s string) string { return s + "status: {}\n" }, field: "status", want: []string{"status: is not a known field (allowed: apiVersion, kind, metadata, spec)"}},
		{name: "duplicate field", edit: replace("  step: 5m\n", "  step: 5m\n  step: 1m\n"), field: "spec.step", want: []string{"appears more than once"}},
		{name: "step with bad unit", edit: replace("step: 5m", "step: 5x"), field: "spec.step", want: []string{`"5x": is not a Go duration`, "e.g. 5m or 30s"}},
		{name: "step without unit", edit: replace("step: 5m", "step: 300"), field: "spec.step", want: []string{`"300": is not a Go duration`}},
		{name: "zero step", edit: replace("step: 5m", "step: 0s"), field: "spec.step", want: []string{"is missing or zero"}},
		{name: "negative step", edit: replace("step: 5m", "step: -5m"), field: "spec.step", want: []string{"must be positive"}},
		{name: "fractional step", edit: replace("step: 5m", "step: 2500ms"), field: "spec.step", want: []string{`"2.5s": is not a whole number of seconds`}},
		{name: "missing step", edit: replace("  step: 5m\n", ""), field: "spec.step", want: []string{"is missing or zero"}},
		{name: "step is a list", edit: replace("step: 5m", "step: [5m]"), field: "spec.step", want: []string{"is a YAML sequence, not a string"}},
		{name: "start not RFC 3339", edit: replace(`"2026-05-04T00:00:00Z"`, "yesterday"), field: "spec.start", want: []string{`"yesterday": is not an RFC 3339 time`}},
		{name: "start a date only", edit: replace(`"2026-05-04T00:00:00Z"`, "2026-05-04"), field: "spec.start", want: []string{"is not an RFC 3339 time"}},
		{name: "missing start", edit: replace("  start: \"2026-05-04T00:00:00Z\"\n", ""), field: "spec.start", want: []string{"spec.start: is required"}},
		{name: "negative value", edit: replace("7, 6.5,", "7, -6.5,"), field: "spec.values[13] (2026-05-04T01:05:00Z)",
			want: []string{`"-6.5": is not a replica count (allowed: a finite number ≥ 0, or null for a gap)`}},
		{name: "NaN value", edit: replace("7, 6.5,", "7, .nan,"), field: "spec.values[13] (2026-05-04T01:05:00Z)", want: []string{`".nan"`}},
		{name: "infinite value", edit: replace("3, 3, 4", "3, .inf, 4"), field: "spec.values[1] (2026-05-04T00:05:00Z)", want: []string{`".inf"`}},
		{name: "quoted number", edit: replace("3, 3, 4", `3, "3", 4`), field: "spec.values[1] (2026-05-04T00:05:00Z)", want: []string{`"3": is not a replica count`}},
		{name: "word", edit: replace("3, 3, 4", "3, three, 4"), field: "spec.values[1] (2026-05-04T00:05:00Z)", want: []string{`"three"`}},
		{name: "hexadecimal", edit: replace("3, 3, 4", "3, 0x3, 4"), field: "spec.values[1] (2026-05-04T00:05:00Z)", want: []string{`"0x3"`}},
		{name: "nested list", edit: replace("3, 3, 4", "3, [3], 4"), field: "spec.values[1] (2026-05-04T00:05:00Z)", want: []string{`"a YAML sequence"`}},
		{name: "empty values", edit: func(s string) string { return s[:strings.Index(s, "  values:")] + "  values: []\n" }, field: "spec.values", want: []string{"spec.values: is empty (allowed: at least one value)"}},
		{name: "values a mapping", edit: func(s string) string { return s[:strings.Index(s, "  values:")] + "  values: {a: 1}\n" }, field: "spec.values", want: []string{"not a sequence"}},
		{name: "missing target", edit: func(s string) string {
			i, j := strings.Index(s, "  target:"), strings.Index(s, "  query:")
			return s[:i] + s[j:]
		}, field: "spec.target", want: []string{"spec.target: is required"}},
		{name: "unsupported kind", edit: replace("kind: Deployment", "kind: DaemonSet"), field: "spec.target.kind", want: []string{"Deployment or StatefulSet"}},
		{name: "missing name", edit: replace("  name: worker\n  namespace", "  namespace"), field: "metadata.name", want: []string{"metadata.name: is required"}},
		{name: "metadata a string", edit: func(s string) string {
			i, j := strings.Index(s, "metadata:"), strings.Index(s, "spec:")
			return s[:i] + "metadata: worker\n" + s[j:]
		}, field: "metadata", want: []string{"not a mapping"}},
		{name: "missing query", edit: replace("  query: kube", "  qurey: kube"), field: "spec.qurey", want: []string{"did you mean query?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := Decode([]byte(tt.edit(golden(t))))
			require.Error(t, err)
			assert.Nil(t, h)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			var list diag.List
			require.True(t, errors.As(err, &list), "Decode errors are a diag.List")
			require.NotEmpty(t, list)
			assert.Equal(t, tt.field, list[0].Field)
			assert.Equal(t, diag.Error, list[0].Severity)
			if strings.Contains(err.Error(), "/ml/worker:") {
				assert.Equal(t, diag.Ref{APIVersion: APIVersion, Kind: Kind, Namespace: "ml", Name: "worker"}, list[0].Resource)
			}
		})
	}
}

func TestDecodeNamesTheResource(t *testing.T) {
	_, err := Decode([]byte(strings.Replace(golden(t), "step: 5m", "step: 5x", 1)))
	require.Error(t, err)
	assert.Equal(t, `error: ScalingHistory/ml/worker: spec.step: "5x": is not a Go duration (allowed: `+stepAllowed+`)`, err.Error())
}

func TestDecodeTolerates(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
	}{
		{name: "labels and extra annotations", edit: func(s string) string {
			return strings.Replace(s, "  annotations:\n", "  labels:\n    app: worker\n  annotations:\n    config.kubernetes.io/index: '0'\n    internal.config.kubernetes.io/path: ml.worker.yaml\n", 1)
		}},
		{name: "block-style values and unquoted start", edit: func(s string) string {
			s = strings.Replace(s, `"2026-05-04T00:00:00Z"`, "2026-05-04T00:00:00Z", 1)
			i := strings.Index(s, "  values:")
			return s[:i] + "  values:\n  - 3\n  - 3\n  - 4\n  - 4\n  - 5\n  - ~\n  - 5\n  - 6\n  - 6\n  - 6\n  - 7\n  - 7\n  - 7\n  - 6.5\n  -\n  - 0\n  - 1.2e1\n"
		}},
		{name: "no trailing newline", edit: func(s string) string { return strings.TrimSuffix(s, "\n") }},
		{name: "document marker", edit: func(s string) string { return "---\n" + s }},
		{name: "anchors and aliases", edit: func(s string) string {
			s = strings.Replace(s, "  name: worker\n  namespace: ml", "  name: &n worker\n  namespace: &ns ml", 1)
			return strings.Replace(s, "    name: worker\n    namespace: ml", "    name: *n\n    namespace: *ns", 1)
		}},
		{name: "merge keys", edit: func(s string) string {
			s = strings.Replace(s, "  name: worker\n  namespace: ml", "  <<: &id {name: worker, namespace: ml}", 1)
			return strings.Replace(s, "    name: worker\n    namespace: ml", "    <<: *id", 1)
		}},
		{name: "start with an offset", edit: func(s string) string {
			return strings.Replace(s, `"2026-05-04T00:00:00Z"`, `"2026-05-04T02:00:00+02:00"`, 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.edit(golden(t))))
			require.NoError(t, err)
			assertSameHistory(t, example(), got)
		})
	}
}

func TestFromRNode(t *testing.T) {
	items, err := (&kioReader{}).read(golden(t) + "---\n" + strings.Replace(golden(t), "step: 5m", "step: 5x", 1))
	require.NoError(t, err)
	require.Len(t, items, 2)

	got, err := FromRNode(items[0])
	require.NoError(t, err)
	assertSameHistory(t, example(), got)

	_, err = FromRNode(items[1])
	require.ErrorContains(t, err, `ScalingHistory/ml/worker: spec.step: "5x"`)

	_, err = FromRNode(nil)
	require.Error(t, err)
}

// kioReader splits a multi-document stream into RNodes the way a KRM
// function host hands them over.
type kioReader struct{}

func (kioReader) read(s string) ([]*yaml.RNode, error) {
	var out []*yaml.RNode
	for _, doc := range strings.Split(s, "---\n") {
		rn, err := yaml.Parse(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, rn)
	}
	return out, nil
}

// TestDecodeLimits checks that each limit of a history is reported as
// itself: its name, its value, and nothing about the others.
func TestDecodeLimits(t *testing.T) {
	values := func(n int) func(string) string {
		return func(s string) string {
			return s[:strings.Index(s, "  values:")] + "  values: [" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]\n"
		}
	}
	tests := []struct {
		name    string
		edit    func(string) string
		field   string
		want    []string
		notWant string
	}{
		{name: "too many values", edit: values(MaxValues + 1), field: "spec.values",
			want: []string{"has 1000001 values", "at most 1000000 values (limit: values per history)"}, notWant: "alias"},
		{name: "too large", edit: func(s string) string { return s + "#" + strings.Repeat("x", MaxBytes) + "\n" },
			want: []string{"holds 33554", "at most 33554432 bytes", "limit: history size"}, notWant: "values"},
		{name: "nested too deep", edit: func(s string) string {
			return strings.Replace(s, "  annotations:\n", "  labels: "+strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+"\n  annotations:\n", 1)
		}, field: "metadata.labels" + strings.Repeat("[0]", 10) + "…", want: []string{"nested more than 1000 levels", "limit: nesting depth"}, notWant: "alias bomb"},
		{name: "alias bomb", edit: func(s string) string {
			var b strings.Builder
			b.WriteString("  labels:\n    l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n")
			for i := 1; i <= 6; i++ {
				b.WriteString(fmt.Sprintf("    l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ",")))
			}
			return strings.Replace(s, "  annotations:\n", b.String()+"  annotations:\n", 1)
		}, field: "metadata.labels.l6[0]", want: []string{"expands to more than 1000000 nodes", "limit: alias expansion"}, notWant: "values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.edit(golden(t))))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), tt.notWant)
			var list diag.List
			require.True(t, errors.As(err, &list))
			if tt.field != "" {
				assert.Equal(t, tt.field, list[0].Field)
			}
		})
	}
}

// TestDecodeAtLimits checks that a history exactly at the size limit, and
// one with exactly MaxValues values, are read.
func TestDecodeAtLimits(t *testing.T) {
	g := golden(t)
	pad := MaxBytes - len(g) - 2
	h, err := Decode([]byte(g + "#" + strings.Repeat("x", pad) + "\n"))
	require.NoError(t, err)
	assertSameHistory(t, example(), h)

	i := strings.Index(g, "  values:")
	h, err = Decode([]byte(g[:i] + "  values: [" + strings.TrimSuffix(strings.Repeat("1,", MaxValues), ",") + "]\n"))
	require.NoError(t, err)
	require.Len(t, h.Values, MaxValues)
}
