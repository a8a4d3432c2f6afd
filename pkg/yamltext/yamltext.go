// Package yamltext renders YAML nodes for messages: what kind of value a
// node is, and the value itself, short and on one line.
package yamltext

import "sigs.k8s.io/kustomize/kyaml/yaml"

// Kind names a node's kind with an article: "a mapping", "a sequence", "an
// alias" or, for a scalar, "a single value".
func Kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	return "a single value"
}

// MaxSnippet bounds how much of a value Snippet repeats.
const MaxSnippet = 80

// Snippet renders a node on one line in YAML flow style ("[a, b]",
// "{x: y}"), cut to MaxSnippet bytes with "…"; a scalar is its value.
func Snippet(n *yaml.Node) string {
	b := make([]byte, 0, 32)
	b = appendFlow(b, n, 0)
	if len(b) > MaxSnippet {
		return string(b[:MaxSnippet]) + "…"
	}
	return string(b)
}

func appendFlow(b []byte, n *yaml.Node, depth int) []byte {
	if len(b) > MaxSnippet || depth > 8 {
		return append(b, "…"...)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			b = appendFlow(b, c, depth+1)
		}
	case yaml.SequenceNode, yaml.MappingNode:
		open, closing := byte('['), byte(']')
		if n.Kind == yaml.MappingNode {
			open, closing = '{', '}'
		}
		b = append(b, open)
		for i, c := range n.Content {
			switch {
			case i == 0:
			case n.Kind == yaml.MappingNode && i%2 == 1:
				b = append(b, ": "...)
			default:
				b = append(b, ", "...)
			}
			b = appendFlow(b, c, depth+1)
		}
		b = append(b, closing)
	case yaml.AliasNode:
		b = append(b, '*')
		b = append(b, n.Value...)
	default:
		b = append(b, n.Value...)
	}
	return b
}
