package yamltext

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestKindAndSnippet(t *testing.T) {
	cases := []struct{ doc, kind, snippet string }{
		{"[a, b]", "a sequence", "[a, b]"},
		{"{x: y, z: [1]}", "a mapping", "{x: y, z: [1]}"},
		{"hello", "a single value", "hello"},
		{"a: &x 1\nb: *x", "a mapping", "{a: 1, b: *x}"},
		{"[" + strings.Repeat("abcdefgh, ", 100) + "x]", "a sequence", "[abcdefgh, abcdefgh"},
	}
	for _, c := range cases {
		n, err := yaml.Parse(c.doc)
		require.NoError(t, err)
		require.Equal(t, c.kind, Kind(n.YNode()), c.doc)
		s := Snippet(n.YNode())
		require.True(t, strings.HasPrefix(s, c.snippet), "%q: %q", c.doc, s)
		require.LessOrEqual(t, len(s), MaxSnippet+len("…"))
	}
}
