package transform

import (
	"fmt"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkStructure rejects what YAML allows but makes a resource ambiguous to
// the tool: a key given twice in one mapping (which value counts depends on
// the reader) and anchors or aliases in metadata, where the tool reads
// annotations (an alias would hide the value it must validate).
func checkStructure(n *yaml.RNode, ref diag.Ref, out *diag.List) {
	var walk func(node *yaml.Node, path string, inMeta bool)
	walk = func(node *yaml.Node, path string, inMeta bool) {
		if node == nil {
			return
		}
		if inMeta && (node.Kind == yaml.AliasNode || node.Anchor != "") {
			out.Errorf(ref, path, "", "plain values (expand YAML anchors and aliases)", "YAML anchor or alias in metadata")
			return
		}
		switch node.Kind {
		case yaml.MappingNode:
			seen := map[string]bool{}
			for i := 0; i+1 < len(node.Content); i += 2 {
				k := node.Content[i].Value
				sub := k
				if path != "" {
					sub = path + "." + k
				}
				if seen[k] {
					out.Errorf(ref, sub, "", "each key once per mapping", "key appears more than once")
				}
				seen[k] = true
				walk(node.Content[i+1], sub, inMeta || (path == "" && k == "metadata"))
			}
		case yaml.SequenceNode:
			for i, c := range node.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i), inMeta)
			}
		}
	}
	walk(n.YNode(), "", false)
}
