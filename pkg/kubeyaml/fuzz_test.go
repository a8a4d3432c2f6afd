package kubeyaml

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

// FuzzReadMatchesKubernetes checks Read against Kubernetes' own decoder:
// the tree Read returns and the tree it was given, both written out by
// kyaml in block style (so that kyaml's own reading and writing of scalars
// cancels out), decode to the same JSON whenever Kubernetes reads them
// without error.
func FuzzReadMatchesKubernetes(f *testing.F) {
	for _, s := range []string{
		"a: 1\n<<: {a: 2, b: 3}\n",
		"<<: {a: 2}\na: 1\n",
		"p: &p {a: 1, b: 1}\nq: &q {b: 2, c: 2}\nr: {<<: [*p, *q], c: 3}\n",
		"base: &b {a: 1}\nmid: &m {<<: *b, c: 3}\ntop: {<<: *m, d: 4}\n",
		"x: &x [1, 2]\nz: {k: *x, <<: {k: 0}}\n",
		"k: &k name\n*k : v\n",
		"a: {<<: {x: 1}, <<: {x: 2}}\n",
		"metadata:\n  labels: &l {app: w}\n  annotations:\n    <<: {e: \"true\"}\nspec: {selector: {matchLabels: *l}}\n",
		"limits: {gpu: 010, cpu: 0x1, m: 1_0, f: 8.0}\nname: !!binary d29ya2Vy\n!!binary a2luZA==: x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				panic(fmt.Sprintf("no answer within 5s for %q", in))
			}
		}()
		n, err := yaml.Parse(string(in))
		if err != nil || n.YNode() == nil {
			return
		}
		blockStyle(n.YNode(), map[*yaml.Node]bool{})
		written, err := n.String()
		if err != nil {
			return
		}
		want, err := k8syaml.YAMLToJSON([]byte(written))
		if err != nil {
			return
		}
		out, problems := Read(n.YNode())
		if len(problems) > 0 {
			return
		}
		text, err := yaml.NewRNode(out).String()
		if err != nil {
			t.Fatalf("the resolved tree cannot be written: %v", err)
		}
		got, err := k8syaml.YAMLToJSON([]byte(text))
		if err != nil {
			t.Fatalf("Kubernetes cannot read the resolved tree: %v\n%s", err, text)
		}
		if !bytes.Equal(want, got) {
			t.Fatalf("Kubernetes reads\n%s\nfrom\n%s\nbut\n%s\nfrom Read's result:\n%s", want, written, got, text)
		}
	})
}

// blockStyle turns flow mappings and sequences into block ones, where kyaml
// writes an empty scalar as null rather than as an empty quoted string.
func blockStyle(n *yaml.Node, seen map[*yaml.Node]bool) {
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	n.Style &^= yaml.FlowStyle
	for _, c := range n.Content {
		blockStyle(c, seen)
	}
	blockStyle(n.Alias, seen)
}
