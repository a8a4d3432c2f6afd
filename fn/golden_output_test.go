package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// expectedOutput reads the resources of a golden case's expected.yaml.
func expectedOutput(t *testing.T, c goldenCase) []*yaml.RNode {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, "expected.yaml"))
	require.NoError(t, err)
	nodes, err := (&kio.ByteReader{Reader: bytesReader(b), OmitReaderAnnotations: true}).Read()
	require.NoError(t, err)
	return nodes
}

// scaledObjectTriggers returns the triggers of every ScaledObject among nodes.
func scaledObjectTriggers(nodes []*yaml.RNode) []*yaml.RNode {
	var out []*yaml.RNode
	for _, n := range nodes {
		if n.GetKind() != "ScaledObject" {
			continue
		}
		ts, _ := n.Pipe(yaml.Lookup("spec", "triggers"))
		elems, _ := ts.Elements()
		out = append(out, elems...)
	}
	return out
}
