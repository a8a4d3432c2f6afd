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
	if size := expandedSize(n.YNode(), map[*yaml.Node]int{}, 0); size > maxExpandedNodes {
		out.Errorf(ref, "", "", fmt.Sprintf("at most %d nodes once YAML aliases are expanded", maxExpandedNodes),
			"YAML aliases expand to more than %d nodes (an alias bomb); every reader after the tool would expand them", maxExpandedNodes)
	}
}

// maxExpandedNodes bounds a resource's size with its aliases expanded.
const maxExpandedNodes = 1_000_000

// expandedSize counts the nodes of y with aliases expanded, memoised, and
// stops counting once past the limit.
func expandedSize(y *yaml.Node, memo map[*yaml.Node]int, depth int) int {
	if y == nil || depth > 1000 {
		return maxExpandedNodes + 1
	}
	if v, ok := memo[y]; ok {
		return v
	}
	memo[y] = maxExpandedNodes + 1 // a cycle counts as too large
	size := 1
	if y.Kind == yaml.AliasNode {
		size += expandedSize(y.Alias, memo, depth+1)
	}
	for _, c := range y.Content {
		size += expandedSize(c, memo, depth+1)
		if size > maxExpandedNodes {
			break
		}
	}
	memo[y] = size
	return size
}
