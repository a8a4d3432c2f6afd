package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/yamltext"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkTypes walks node against the Go type t (using yaml struct tags) and
// reports every value that does not decode into its field, with the field's
// path (spec.gpu.utilizationTarget, or data.gpu.utilizationTarget for a
// ConfigMap), the value and what the field takes, so that a decoding error
// never reaches the user as "cannot unmarshal" without a key. Unknown keys
// are checkKnownFields' business and are skipped here. Aliases are followed,
// each anchored node checked once (so an alias chain cannot multiply the work).
func checkTypes(node *yaml.Node, t reflect.Type, path string, out *diag.List, ref diag.Ref) {
	w := typeWalker{out: out, ref: ref, seen: map[typedNode]bool{}}
	w.walk(node, t, path)
}

type typedNode struct {
	node *yaml.Node
	t    reflect.Type
}

type typeWalker struct {
	out  *diag.List
	ref  diag.Ref
	seen map[typedNode]bool
}

func (w typeWalker) walk(node *yaml.Node, t reflect.Type, path string) {
	for node != nil && (node.Kind == yaml.AliasNode || node.Kind == yaml.DocumentNode) {
		if node.Kind == yaml.AliasNode {
			node = node.Alias
		} else if len(node.Content) > 0 {
			node = node.Content[0]
		} else {
			node = nil
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if node == nil || w.seen[typedNode{node, t}] || (node.Kind == yaml.ScalarNode && node.ShortTag() == "!!null") {
		return // an empty value leaves the default
	}
	w.seen[typedNode{node, t}] = true
	out, ref := w.out, w.ref
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		checkLeaf(node, t, path, out, ref)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if !expectKind(node, yaml.MappingNode, path, out, ref) {
			return
		}
		fields := structFields(t)
		for i := 0; i+1 < len(node.Content); i += 2 {
			if ft, ok := fields[node.Content[i].Value]; ok {
				w.walk(node.Content[i+1], ft, joinPath(path, node.Content[i].Value))
			}
		}
	case reflect.Map:
		if !expectKind(node, yaml.MappingNode, path, out, ref) {
			return
		}
		for i := 0; i+1 < len(node.Content); i += 2 {
			w.walk(node.Content[i+1], t.Elem(), joinPath(path, node.Content[i].Value))
		}
	case reflect.Slice:
		if !expectKind(node, yaml.SequenceNode, path, out, ref) {
			return
		}
		for i, item := range node.Content {
			w.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		checkLeaf(node, t, path, out, ref)
	}
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

// expectKind reports a node that is not of the wanted kind.
func expectKind(node *yaml.Node, want yaml.Kind, path string, out *diag.List, ref diag.Ref) bool {
	if node.Kind == want {
		return true
	}
	what := "a mapping"
	if want == yaml.SequenceNode {
		what = "a sequence"
	}
	out.Errorf(ref, path, yamltext.Snippet(node), what, "is %s, not %s", yamltext.Kind(node), what)
	return false
}

// checkLeaf decodes a scalar into a fresh value of t and reports failure.
func checkLeaf(node *yaml.Node, t reflect.Type, path string, out *diag.List, ref diag.Ref) {
	allowed, short := leafAllowed(t)
	if node.Kind != yaml.ScalarNode {
		out.Errorf(ref, path, yamltext.Snippet(node), allowed, "is %s, not a single value", yamltext.Kind(node))
		return
	}
	if err := node.Decode(reflect.New(t).Interface()); err != nil {
		msg := "not " + short
		if reflect.PointerTo(t).Implements(unmarshalerType) {
			// the type's own explanation, without the value it repeats
			msg = strings.TrimPrefix(err.Error(), strconv.Quote(node.Value)+" ")
		}
		out.Errorf(ref, path, node.Value, allowed, "%s", msg)
	}
}

// leafAllowed says in words what a value of type t is: in full, and short.
func leafAllowed(t reflect.Type) (allowed, short string) {
	if t == reflect.TypeOf(Duration{}) {
		return "a duration: seconds (300) or a Go duration (30s, 5m, 1h)", "a duration"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "an integer (a whole number)", "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number", "a number"
	case reflect.Bool:
		return "true or false (a boolean)", "true or false"
	case reflect.String:
		return "a single value (a string or a number)", "a single value"
	}
	return "a " + t.String(), "a " + t.String()
}
