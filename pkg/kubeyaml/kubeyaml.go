// Package kubeyaml reads YAML nodes the way Kubernetes does. Kubernetes
// decodes manifests with sigs.k8s.io/yaml, which uses go-yaml v2: merge
// keys (<<) are applied, an alias stands for a copy of its anchored node,
// and of a key given twice the later value counts. kyaml, which the tool
// reads with, keeps merge keys as ordinary keys and aliases as pointers.
// Read turns such a node into the tree Kubernetes sees, within stated
// limits on nesting depth and alias expansion, and reports what makes a
// resource ambiguous or too large. It is pure: no I/O.
package kubeyaml

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const (
	// MaxDepth is the deepest nesting of mappings and sequences accepted in
	// a resource the tool reads, with YAML aliases expanded.
	MaxDepth = 1000
	// MaxAliasNodes is the most nodes that expanding the YAML aliases of a
	// resource the tool reads may add to it.
	MaxAliasNodes = 1_000_000
)

// Problem is a reason a resource cannot be read as Kubernetes reads it:
// the field path ("" for the whole resource), the value, what is wrong and
// what is allowed.
type Problem struct {
	Path, Value, Message, Allowed string
}

// Read returns n as Kubernetes reads it. A node without aliases, anchors,
// merge keys, repeated keys or scalars that Kubernetes reads otherwise than
// they are written is returned itself. Otherwise the result is a new tree
// (n is left unchanged) in which merge keys are applied as go-yaml v2
// applies them — key by key in order, each key, written or merged,
// overriding the same key earlier in the mapping; of a sequence of merged
// mappings the earlier one wins — aliases are replaced by copies of their
// anchored nodes, anchors are removed, !!binary scalars become their
// decoded text and numbers the decimal form Kubernetes receives (go-yaml v2
// reads 010 as 8 and 0x10 as 16; encoding/json writes 8.0 as 8). Problems
// are keys given twice, keys that are not scalars, merge values that are
// not mappings, scalars Kubernetes cannot decode (a !!binary value that is
// not base64), and the limits MaxDepth and MaxAliasNodes; the result is nil
// when a limit was hit or a merge could not be applied.
func Read(n *yaml.Node) (*yaml.Node, []Problem) { return read(n, true) }

// ReadStructure is Read with every scalar kept as written: merge keys,
// aliases, repeated keys and the limits as in Read. It is for the tool's
// own formats, whose decoders judge a value's text themselves.
func ReadStructure(n *yaml.Node) (*yaml.Node, []Problem) { return read(n, false) }

func read(n *yaml.Node, scalars bool) (*yaml.Node, []Problem) {
	s := &scan{scalars: scalars}
	s.walk(n, 0)
	if s.hard {
		return nil, s.problems
	}
	if !s.indirect && len(s.problems) == 0 {
		return n, nil
	}
	if s.indirect {
		if p := checkExpansion(n, s.nodes); len(p) > 0 {
			return nil, append(s.problems, p...)
		}
	}
	r := &resolver{scalars: scalars}
	out := r.node(n)
	if len(r.problems) > 0 {
		return nil, append(s.problems, r.problems...)
	}
	return out, s.problems
}

// IsMerge reports whether a mapping key is the YAML merge key: a plain <<
// (or one tagged !!merge), not a quoted "<<".
func IsMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

// scan walks a node tree without following aliases: it counts the nodes,
// notes aliases, anchors and merge keys, and reports keys given twice,
// keys that are not scalars and nesting deeper than MaxDepth.
type scan struct {
	scalars  bool // whether scalars Kubernetes reads otherwise than written count
	path     path
	problems []Problem
	nodes    int
	indirect bool
	// hard is set by a problem that leaves no tree to read: the depth limit
	// or a key that is not a scalar.
	hard bool
}

func (s *scan) walk(n *yaml.Node, depth int) {
	if n == nil || s.hard {
		return
	}
	s.nodes++
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		s.indirect = true
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			s.walk(c, depth)
		}
		return
	case yaml.MappingNode, yaml.SequenceNode:
	default:
		if _, changed := readScalar(n, false); changed && s.scalars {
			s.indirect = true
		}
		return
	}
	if depth >= MaxDepth {
		s.hard = true
		s.problems = append(s.problems, depthProblem(s.path.String()))
		return
	}
	if n.Kind == yaml.SequenceNode {
		for i, c := range n.Content {
			s.path.push("", i)
			s.walk(c, depth+1)
			s.path.pop()
		}
		return
	}
	s.keys(n)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if IsMerge(k) {
			s.indirect = true
		}
		s.path.push(keyText(k), -1)
		s.walk(k, depth+1)
		s.walk(n.Content[i+1], depth+1)
		s.path.pop()
	}
}

// keys reports keys of mapping n given more than once (merge keys aside)
// and keys that are not scalars, which Kubernetes cannot decode.
func (s *scan) keys(n *yaml.Node) {
	var seen map[string]bool
	if len(n.Content) > 16 {
		seen = make(map[string]bool, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if IsMerge(k) {
			continue
		}
		if scalarKey(k) == nil {
			s.hard = true
			s.problems = append(s.problems, Problem{Path: s.path.String(), Message: "a YAML " + kindName(deref(k)) + " as a mapping key",
				Allowed: "string keys (Kubernetes cannot decode others)"})
			continue
		}
		text := keyText(k)
		dup := false
		if seen != nil {
			dup = seen[text]
			seen[text] = true
		} else {
			for j := 0; j < i && !dup; j += 2 {
				dup = !IsMerge(n.Content[j]) && scalarKey(n.Content[j]) != nil && keyText(n.Content[j]) == text
			}
		}
		if dup {
			s.path.push(text, -1)
			s.problems = append(s.problems, Problem{Path: s.path.String(), Message: "key appears more than once",
				Allowed: "each key once per mapping (YAML readers disagree on which value counts)"})
			s.path.pop()
		}
	}
}

func depthProblem(at string) Problem {
	return Problem{Path: at, Message: fmt.Sprintf("nested more than %d levels deep", MaxDepth),
		Allowed: fmt.Sprintf("at most %d levels of mappings and sequences, YAML aliases expanded (limit: nesting depth)", MaxDepth)}
}

// deref follows aliases to the anchored node.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i <= MaxDepth; i++ {
		n = n.Alias
	}
	return n
}

// scalarKey returns the scalar a key stands for (through an alias), or nil.
func scalarKey(k *yaml.Node) *yaml.Node {
	if k = deref(k); k == nil || k.Kind != yaml.ScalarNode {
		return nil
	}
	return k
}

// keyText is the key Kubernetes reads from k (see readScalar).
func keyText(k *yaml.Node) string {
	s := scalarKey(k)
	if s == nil {
		return "?"
	}
	if r, changed := readScalar(s, true); changed && r.problem == "" {
		return r.value
	}
	return s.Value
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "missing node"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.AliasNode:
		return "alias"
	default:
		return "scalar"
	}
}

// path is the field path of the node being visited, rendered only when a
// problem is reported.
type path []pathElem

type pathElem struct {
	key   string
	index int // -1 for a mapping key
}

func (p *path) push(key string, index int) { *p = append(*p, pathElem{key, index}) }
func (p *path) pop()                       { *p = (*p)[:len(*p)-1] }

// maxPathElems is how much of a path a message shows; a path nested
// deeper ends in "…".
const maxPathElems = 12

// String renders the path as field.sub[2].key.
func (p path) String() string {
	var b strings.Builder
	for i, e := range p {
		if i == maxPathElems {
			b.WriteString("…")
			break
		}
		if e.index >= 0 {
			b.WriteString("[" + strconv.Itoa(e.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.key)
	}
	return b.String()
}
