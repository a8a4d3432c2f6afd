package kubeyaml

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

// kubernetesJSON is what Kubernetes reads from a manifest: sigs.k8s.io/yaml,
// the decoder of kubectl, Helm and the API machinery.
func kubernetesJSON(t *testing.T, text string) string {
	t.Helper()
	j, err := k8syaml.YAMLToJSON([]byte(text))
	require.NoError(t, err, text)
	return string(j)
}

// readText runs Read on a document and renders the result as YAML.
func readText(t *testing.T, text string) (string, []Problem) {
	t.Helper()
	n, err := yaml.Parse(text)
	require.NoError(t, err)
	out, problems := Read(n.YNode())
	if out == nil {
		return "", problems
	}
	s, err := yaml.NewRNode(out).String()
	require.NoError(t, err)
	return s, problems
}

// TestReadAsKubernetes checks, for each document, the JSON Kubernetes reads
// from Read's result against the JSON it reads from the document itself,
// and against the value worked out by hand from go-yaml v2's merge rules.
func TestReadAsKubernetes(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"merge of a mapping", "a: 1\n<<: {b: 2}\n", `{"a":1,"b":2}`},
		{"written key after the merge wins", "<<: {a: 2}\na: 1\n", `{"a":1}`},
		{"merge after the written key wins", "a: 1\n<<: {a: 2}\n", `{"a":2}`},
		{"merge of an alias", "x: &x {cpu: 250m}\nz:\n  <<: *x\n  memory: 1Gi\n", `{"x":{"cpu":"250m"},"z":{"cpu":"250m","memory":"1Gi"}}`},
		{"first of a merged sequence wins", "p: &p {a: 1, b: 1}\nq: &q {b: 2, c: 2}\nr:\n  <<: [*p, *q]\n", `{"p":{"a":1,"b":1},"q":{"b":2,"c":2},"r":{"a":1,"b":1,"c":2}}`},
		{"merge inside a merged mapping", "base: &b {a: 1}\nmid: &m {<<: *b, c: 3}\ntop: {<<: *m, d: 4}\n", `{"base":{"a":1},"mid":{"a":1,"c":3},"top":{"a":1,"c":3,"d":4}}`},
		{"two merge keys apply in order", "a: {<<: {x: 1}, <<: {x: 2}}\n", `{"a":{"x":2}}`},
		{"quoted << is a key", "'<<': {a: 1}\n", `{"\u003c\u003c":{"a":1}}`},
		{"alias of a scalar", "l: &v \"5\"\nm: *v\n", `{"l":"5","m":"5"}`},
		{"alias of a sequence", "s: &s [1, 2]\nt: *s\n", `{"s":[1,2],"t":[1,2]}`},
		{"alias as a key", "k: &k name\n*k : v\n", `{"k":"name","name":"v"}`},
		{"anchor only", "a: &x {b: 1}\n", `{"a":{"b":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := readText(t, tt.in)
			require.Empty(t, problems)
			require.JSONEq(t, tt.want, kubernetesJSON(t, tt.in), "the expectation is not what Kubernetes reads")
			require.JSONEq(t, tt.want, kubernetesJSON(t, got), "Read gave:\n%s", got)
			require.NotContains(t, got, "<<:")
			require.NotContains(t, got, "&")
			require.NotContains(t, got, "*")
		})
	}
}

// TestReadKeepsPlainNodes checks that a node with nothing to resolve is
// returned itself, so that documents stay as written.
func TestReadKeepsPlainNodes(t *testing.T) {
	n, err := yaml.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n")
	require.NoError(t, err)
	out, problems := Read(n.YNode())
	require.Empty(t, problems)
	require.Same(t, n.YNode(), out)
}

// TestReadDoesNotChangeItsInput checks that the input tree keeps its merge
// keys and aliases.
func TestReadDoesNotChangeItsInput(t *testing.T) {
	in := "x: &x {a: 1}\ny: {<<: *x}\n"
	n, err := yaml.Parse(in)
	require.NoError(t, err)
	before, err := n.String()
	require.NoError(t, err)
	_, problems := Read(n.YNode())
	require.Empty(t, problems)
	after, err := n.String()
	require.NoError(t, err)
	require.Equal(t, before, after)
}

// nested returns a document whose value v is wrapped in levels flow sequences.
func nested(levels int, v string) string {
	return "a: " + strings.Repeat("[", levels) + v + strings.Repeat("]", levels) + "\n"
}

// bomb returns a billion-laughs chain of the given order under key l.
func bomb(levels int) string {
	var b strings.Builder
	b.WriteString("l:\n  l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "  l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ","))
	}
	return b.String()
}

// TestReadProblems checks each problem: where it is, and what it says.
func TestReadProblems(t *testing.T) {
	many := strings.Builder{}
	many.WriteString("x: &x [" + strings.TrimSuffix(strings.Repeat("a,", 1000), ",") + "]\ny: [")
	many.WriteString(strings.TrimSuffix(strings.Repeat("*x,", 1100), ",") + "]\n")
	tests := []struct {
		name, in string
		path     string
		want     []string
		noTree   bool
	}{
		{name: "key twice", in: "m:\n  a: 1\n  a: 2\n", path: "m.a", want: []string{"more than once"}},
		{name: "key twice in a large mapping", in: "m: {" + strings.Repeat("k1: 1, ", 1) + keys(20) + ", k1: 2}\n", path: "m.k1", want: []string{"more than once"}},
		{name: "sequence as a key", in: "? [a]\n: 1\n", want: []string{"sequence as a mapping key", "string keys"}, noTree: true},
		{name: "merge of a scalar", in: "m: {<<: 5}\n", path: "m.<<", want: []string{"scalar, not a mapping"}, noTree: true},
		{name: "merge of an alias of a sequence", in: "s: &s [a]\nm: {<<: *s}\n", path: "m.<<", want: []string{"sequence, not a mapping"}, noTree: true},
		{name: "merge of a sequence holding a scalar", in: "m: {<<: [{a: 1}, b]}\n", path: "m.<<", want: []string{"scalar, not a mapping"}, noTree: true},
		{name: "nested too deep", in: nested(MaxDepth, "1"), path: "a" + strings.Repeat("[0]", 11) + "…",
			want: []string{"nested more than 1000 levels deep", "limit: nesting depth"}, noTree: true},
		{name: "nested too deep through an alias", in: "x: &x " + strings.Repeat("[", 600) + "1" + strings.Repeat("]", 600) + "\ny: " + strings.Repeat("[", 600) + "*x" + strings.Repeat("]", 600) + "\n",
			want: []string{"nested more than 1000 levels deep", "aliases expanded", "limit: nesting depth"}, noTree: true},
		{name: "alias bomb", in: bomb(9) + "m: *l9\n", path: "l.l6[0]", want: []string{`"\*l5"`, "expands to more than 1000000 nodes", "limit: alias expansion"}, noTree: true},
		{name: "many small aliases", in: many.String(), want: []string{"expand to more than 1000000 further nodes", "limit: alias expansion"}, noTree: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := yaml.Parse(tt.in)
			require.NoError(t, err)
			out, problems := Read(n.YNode())
			require.NotEmpty(t, problems)
			require.Equal(t, tt.path, problems[0].Path)
			text := fmt.Sprintf("%q %s (allowed: %s)", problems[0].Value, problems[0].Message, problems[0].Allowed)
			for _, w := range tt.want {
				require.Regexp(t, w, text)
			}
			if tt.noTree {
				require.Nil(t, out)
			}
		})
	}
}

// keys returns n distinct flow-mapping entries.
func keys(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf("x%d: %d", i, i))
	}
	return strings.Join(parts, ", ")
}

// TestReadAliasBombNamesEachAnchorOnce checks that an alias chain is
// reported once per anchor, the annotation that uses it included.
func TestReadAliasBombNamesEachAnchorOnce(t *testing.T) {
	n, err := yaml.Parse(bomb(9) + "ann:\n  max: *l9\n")
	require.NoError(t, err)
	_, problems := Read(n.YNode())
	var paths []string
	for _, p := range problems {
		paths = append(paths, p.Path)
	}
	require.Equal(t, []string{"l.l6[0]", "l.l7[0]", "l.l8[0]", "l.l9[0]", "ann.max"}, paths)
}

// TestReadLimitsAreInclusive checks that a resource exactly at each limit is read.
func TestReadLimitsAreInclusive(t *testing.T) {
	got, problems := readText(t, nested(MaxDepth-1, "1"))
	require.Empty(t, problems)
	require.Contains(t, got, "1")
	// each alias of a sequence of 1,000 scalars stands for 1,001 nodes and
	// adds 1,000 (the alias node itself is replaced): 1,000 of them add
	// exactly 1,000,000
	in := "x: &x [" + strings.TrimSuffix(strings.Repeat("a,", 1000), ",") + "]\ny: [" + strings.TrimSuffix(strings.Repeat("*x,", 1000), ",") + "]\n"
	n, err := yaml.Parse(in)
	require.NoError(t, err)
	out, problems := Read(n.YNode())
	require.Empty(t, problems)
	require.Len(t, out.Content[3].Content, 1000)
}

// TestReadCycle checks that an alias inside its own anchor is a problem, not a hang.
func TestReadCycle(t *testing.T) {
	n, err := yaml.Parse("a: &a [b, *a]\n")
	require.NoError(t, err, "kyaml keeps the cycle as a pointer")
	out, problems := Read(n.YNode())
	require.Nil(t, out)
	require.NotEmpty(t, problems)
	require.Contains(t, problems[0].Message, "contains it")
}

// toolJSON renders a tree as the tool reads it: each scalar's text, as a
// JSON number when tagged !!int or !!float (an invalid JSON number fails),
// so that a scalar whose text Kubernetes reads otherwise shows.
func toolJSON(t *testing.T, n *yaml.Node) string {
	t.Helper()
	var conv func(n *yaml.Node) any
	conv = func(n *yaml.Node) any {
		switch n.Kind {
		case yaml.DocumentNode:
			return conv(n.Content[0])
		case yaml.MappingNode:
			m := map[string]any{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				m[n.Content[i].Value] = conv(n.Content[i+1])
			}
			return m
		case yaml.SequenceNode:
			var s []any
			for _, c := range n.Content {
				s = append(s, conv(c))
			}
			return s
		}
		switch n.ShortTag() {
		case "!!int", "!!float":
			return json.Number(n.Value)
		case "!!bool":
			return n.Value == "true"
		case "!!null":
			return nil
		}
		return n.Value
	}
	b, err := json.Marshal(conv(n))
	require.NoError(t, err, "the tool's reading is not the JSON Kubernetes receives")
	return string(b)
}

// TestReadScalarsAsKubernetes checks scalars whose text Kubernetes reads
// otherwise: numbers go-yaml v2 resolves (010 is 8, 0x10 is 16, 8.0 is 8)
// and !!binary values (base64, decoded), as values and as keys. The tool
// reads scalar text, so after Read the text must be what Kubernetes reads.
func TestReadScalarsAsKubernetes(t *testing.T) {
	tests := []struct {
		name, in, want string
		same           bool // nothing to resolve: Read returns its input
	}{
		{"octal", "gpu: 010\n", `{"gpu":8}`, false},
		{"hexadecimal", "start: 0x8\n", `{"start":8}`, false},
		{"binary digits", "gpu: 0b10\n", `{"gpu":2}`, false},
		{"YAML 1.2 octal", "gpu: 0o10\n", `{"gpu":8}`, false},
		{"underscores", "start: 1_0\n", `{"start":10}`, false},
		{"a whole float", "gpu: 8.0\n", `{"gpu":8}`, false},
		{"an exponent", "gpu: 1e3\n", `{"gpu":1000}`, false},
		{"a sign", "gpu: +1\n", `{"gpu":1}`, false},
		{"a leading dot", "cpu: .5\n", `{"cpu":0.5}`, false},
		{"tagged !!int, quoted", "gpu: !!int \"4\"\n", `{"gpu":4}`, false},
		{"tagged !!float", "gpu: !!float \"2\"\n", `{"gpu":2}`, false},
		{"!!binary value", "name: !!binary d29ya2Vy\n", `{"name":"worker"}`, false},
		{"!!binary by its full tag", "kind: !<tag:yaml.org,2002:binary> RGVwbG95bWVudA==\n", `{"kind":"Deployment"}`, false},
		{"!!binary with a %-escaped tag", "kind: !!bin%61ry RGVwbG95bWVudA==\n", `{"kind":"Deployment"}`, false},
		{"!!binary key", "!!binary a2luZA==: Deployment\n", `{"kind":"Deployment"}`, false},
		{"numeric key", "010: a\n", `{"8":"a"}`, false},
		{"plain decimal", "gpu: 8\ncpu: 1.5\n", `{"gpu":8,"cpu":1.5}`, true},
		{"quoted number", "gpu: \"010\"\n", `{"gpu":"010"}`, true},
		{"tagged string", "gpu: !!str 010\n", `{"gpu":"010"}`, true},
		{"a date", "d: 2024-01-01\n", `{"d":"2024-01-01"}`, true},
		{"a version", "v: 1.2.3\n", `{"v":"1.2.3"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.JSONEq(t, tt.want, kubernetesJSON(t, tt.in), "the expectation is not what Kubernetes reads")
			n, err := yaml.Parse(tt.in)
			require.NoError(t, err)
			out, problems := Read(n.YNode())
			require.Empty(t, problems)
			if tt.same {
				require.Same(t, n.YNode(), out)
			}
			require.JSONEq(t, tt.want, toolJSON(t, out))
			text, err := yaml.NewRNode(out).String()
			require.NoError(t, err)
			require.JSONEq(t, tt.want, kubernetesJSON(t, text), "Read's result, written:\n%s", text)
		})
	}
}

// TestReadScalarProblems checks scalars Kubernetes cannot decode, or
// decodes into text other than the bytes given: each is a problem naming
// its field.
func TestReadScalarProblems(t *testing.T) {
	tests := []struct {
		name, in, path, message string
		k8sReads                bool // Kubernetes reads it, with U+FFFD for bytes that are not UTF-8
	}{
		{"!!binary that is not base64", "spec:\n  name: !!binary \"not base64!\"\n", "spec.name", "not base64", false},
		{"!!binary that is not text", "name: !!binary /w==\n", "name", "not UTF-8", true},
		{"!!int that is a fraction", "limits:\n  gpu: !!int 2.5\n", "limits.gpu", "not a whole number", false},
		{"!!float that is not a number", "x: !!float many\n", "x", "not a number", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k8syaml.YAMLToJSON([]byte(tt.in))
			require.Equal(t, tt.k8sReads, err == nil, "Kubernetes' reading: %v", err)
			_, problems := readText(t, tt.in)
			require.Len(t, problems, 1)
			require.Equal(t, tt.path, problems[0].Path)
			require.Contains(t, problems[0].Message, tt.message)
		})
	}
}

// TestReadNumericKeysAlike checks keys written differently that Kubernetes
// reads as one number (0 and 00, 8 and 0x8): a key given twice.
func TestReadNumericKeysAlike(t *testing.T) {
	for _, in := range []string{"m: {0: a, 00: b}\n", "m: {8: a, 0x8: b}\n", "m: {1: a, 1.0: b}\n"} {
		_, problems := readText(t, in)
		require.Len(t, problems, 1, in)
		require.Equal(t, "key appears more than once", problems[0].Message, in)
	}
}

// TestReadStructureKeepsScalars checks that ReadStructure leaves scalars as
// written (the tool's own formats judge 0x3 themselves) while still
// resolving merge keys.
func TestReadStructureKeepsScalars(t *testing.T) {
	n, err := yaml.Parse("v: [0x3, !!binary Mw==]\n")
	require.NoError(t, err)
	out, problems := ReadStructure(n.YNode())
	require.Empty(t, problems)
	require.Same(t, n.YNode(), out)
	n, err = yaml.Parse("a: &a {v: 010}\nb: {<<: *a}\n")
	require.NoError(t, err)
	out, problems = ReadStructure(n.YNode())
	require.Empty(t, problems)
	text, err := yaml.NewRNode(out).String()
	require.NoError(t, err)
	require.Equal(t, "a: {v: 010}\nb: {v: 010}\n", text)
}
