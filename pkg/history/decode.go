package history

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/kubeyaml"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var errNil = errors.New("ScalingHistory: nil history")

// Decode parses one ScalingHistory document strictly and validates it.
// Unknown fields are errors that name the nearest valid field; labels and
// annotations are accepted and ignored. The error, when not nil, is a
// diag.List whose entries name the field, the bad value and what is allowed.
func Decode(data []byte) (*History, error) {
	if len(data) > MaxBytes {
		return nil, parseError(fmt.Sprintf("the file holds %d bytes", len(data)), fmt.Sprintf("at most %d bytes (32 MiB) per history (limit: history size)", MaxBytes))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, parseError("the document is empty", "one ScalingHistory document")
		}
		return nil, parseError("is not valid YAML: "+err.Error(), "one ScalingHistory document")
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, parseError("holds more than one YAML document", "one ScalingHistory document per file")
	} else if !errors.Is(err, io.EOF) {
		return nil, parseError("is not valid YAML after the first document: "+err.Error(), "one ScalingHistory document")
	}
	return decodeNode(&doc)
}

// FromRNode decodes a ScalingHistory from a kyaml node, e.g. one of a KRM
// function's input items, with the same strictness as Decode.
func FromRNode(rn *yaml.RNode) (*History, error) {
	if rn == nil || rn.YNode() == nil {
		return nil, errNil
	}
	return decodeNode(rn.YNode())
}

// parseError reports a document that could not be read at all; it names no
// resource (none is known yet), so the message says what was expected.
func parseError(msg, allowed string) error {
	return diag.List{{Severity: diag.Error, Message: "not a ScalingHistory: " + msg, Allowed: allowed}}
}

func decodeNode(n *yaml.Node) (*History, error) {
	n, problems := kubeyaml.ReadStructure(n)
	if len(problems) > 0 {
		var l diag.List
		for _, p := range problems {
			l.Errorf(diag.Ref{}, p.Path, p.Value, p.Allowed, "in a ScalingHistory: %s", p.Message)
		}
		return nil, l
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, parseError("the document is empty", "one ScalingHistory document")
		}
		n = resolve(n.Content[0])
	}
	h := &History{}
	d := &decoder{h: h}
	if n.Kind != yaml.MappingNode {
		return nil, parseError("the document is a YAML "+kindName(n)+", not a mapping", "one ScalingHistory document")
	}
	// metadata first, so that every later diagnostic names the resource.
	if md := lookup(n, "metadata"); md != nil {
		d.metadata(md)
	}
	d.top(n)
	if err := d.v.err(); err != nil {
		return nil, err
	}
	h.validate(&d.v)
	if err := d.v.err(); err != nil {
		return nil, err
	}
	return h, nil
}

// decoder walks the node tree; its validator collects every problem found.
type decoder struct {
	v validator
	h *History
}

func (d *decoder) top(n *yaml.Node) {
	seen := d.fields(n, "", []string{"apiVersion", "kind", "metadata", "spec"})
	if seen["apiVersion"] == nil {
		d.v.add("apiVersion", "", "is required", APIVersion)
	} else if s, ok := d.str("apiVersion", seen["apiVersion"]); ok && s != APIVersion {
		d.v.add("apiVersion", s, "is not the ScalingHistory apiVersion", APIVersion)
	}
	if seen["kind"] == nil {
		d.v.add("kind", "", "is required", Kind)
	} else if s, ok := d.str("kind", seen["kind"]); ok && s != Kind {
		d.v.add("kind", s, "is not "+Kind, Kind)
	}
	if seen["metadata"] == nil {
		d.v.add("metadata", "", "is required", "metadata.name and optionally metadata.namespace")
	}
	if seen["spec"] == nil {
		d.v.add("spec", "", "is required", "spec.target, spec.query, spec.start, spec.step, spec.values")
		return
	}
	d.spec(seen["spec"])
}

func (d *decoder) metadata(n *yaml.Node) {
	if !d.mapping("metadata", n) {
		return
	}
	seen := d.fields(n, "metadata", []string{"annotations", "labels", "name", "namespace"})
	if s, ok := d.str("metadata.name", seen["name"]); ok {
		d.h.Name = s
	}
	if s, ok := d.str("metadata.namespace", seen["namespace"]); ok {
		d.h.Namespace = s
	}
	for _, k := range []string{"labels", "annotations"} {
		if m := seen[k]; m != nil && m.Tag != "!!null" && d.mapping("metadata."+k, m) {
			for i := 0; i+1 < len(m.Content); i += 2 {
				d.str("metadata."+k+"."+m.Content[i].Value, m.Content[i+1])
			}
		}
	}
	d.v.ref = d.h.Ref()
}

func (d *decoder) spec(n *yaml.Node) {
	if !d.mapping("spec", n) {
		return
	}
	seen := d.fields(n, "spec", []string{"query", "start", "step", "target", "values"})
	if t := seen["target"]; t == nil {
		d.v.add("spec.target", "", "is required", "kind, name and namespace of the workload")
	} else if d.mapping("spec.target", t) {
		tf := d.fields(t, "spec.target", []string{"apiVersion", "kind", "name", "namespace"})
		d.h.Target.APIVersion, _ = d.str("spec.target.apiVersion", tf["apiVersion"])
		d.h.Target.Kind, _ = d.str("spec.target.kind", tf["kind"])
		d.h.Target.Name, _ = d.str("spec.target.name", tf["name"])
		d.h.Target.Namespace, _ = d.str("spec.target.namespace", tf["namespace"])
	}
	d.h.Query, _ = d.str("spec.query", seen["query"])
	if s, ok := d.str("spec.start", seen["start"]); ok && s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			d.v.add("spec.start", s, "is not an RFC 3339 time", "an RFC 3339 time in UTC, e.g. 2026-05-04T00:00:00Z")
		} else {
			d.h.Start = t.UTC()
		}
	}
	if s, ok := d.str("spec.step", seen["step"]); ok && s != "" {
		step, err := time.ParseDuration(s)
		if err != nil {
			d.v.add("spec.step", s, "is not a Go duration", stepAllowed)
		} else {
			d.h.Step = step
		}
	}
	if vals := seen["values"]; vals == nil {
		d.v.add("spec.values", "", "is required", "a sequence of numbers ≥ 0, null for a gap")
	} else {
		d.values(vals)
	}
}

// values decodes spec.values. Non-numbers are reported here (with the time
// of the value when start and step are known); negative numbers by Validate.
func (d *decoder) values(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		d.v.add("spec.values", n.Value, "is a YAML "+kindName(n)+", not a sequence", "a sequence of numbers ≥ 0, null for a gap")
		return
	}
	if len(n.Content) > MaxValues {
		d.v.add("spec.values", "", fmt.Sprintf("has %d values", len(n.Content)), fmt.Sprintf("at most %d values (limit: values per history)", MaxValues))
		return
	}
	vals := make([]float64, len(n.Content))
	for i, c := range n.Content {
		c = resolve(c)
		f, ok := parseValue(c)
		if !ok {
			text := c.Value
			if c.Kind != yaml.ScalarNode {
				text = "a YAML " + kindName(c)
			}
			d.h.Values = vals // for the time in the message
			d.v.badValue(d.h, i, text)
			continue
		}
		vals[i] = f
	}
	d.h.Values = vals
}

// parseValue returns the number in a values entry, NaN for null, and false
// for anything that is not a finite number or null (strings, quoted numbers,
// .nan, .inf, hexadecimal).
func parseValue(c *yaml.Node) (float64, bool) {
	if c.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch c.ShortTag() {
	case "!!null":
		return math.NaN(), true
	case "!!int", "!!float":
		f, err := strconv.ParseFloat(c.Value, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(c.Value, "xXoObB_") {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// fields returns the value node of each known key of mapping n and reports
// unknown and duplicate keys, suggesting the nearest known one.
func (d *decoder) fields(n *yaml.Node, path string, known []string) map[string]*yaml.Node {
	sort.Strings(known)
	out := make(map[string]*yaml.Node, len(known))
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		field := join(path, key)
		if idx := sort.SearchStrings(known, key); idx == len(known) || known[idx] != key {
			msg := "is not a known field"
			if near := diag.Nearest(key, known); near != "" {
				msg += "; did you mean " + near + "?"
			}
			d.v.add(field, "", msg, strings.Join(known, ", "))
			continue
		}
		if out[key] != nil {
			d.v.add(field, "", "appears more than once", "each field once")
			continue
		}
		out[key] = resolve(n.Content[i+1])
	}
	return out
}

// mapping reports whether n is a mapping, and a diagnostic when it is not.
func (d *decoder) mapping(field string, n *yaml.Node) bool {
	if n.Kind == yaml.MappingNode {
		return true
	}
	d.v.add(field, n.Value, "is a YAML "+kindName(n)+", not a mapping", "a mapping")
	return false
}

// str returns the text of scalar n; a missing node or null gives "" and
// true (required fields are checked by Validate), a collection gives a
// diagnostic and false.
func (d *decoder) str(field string, n *yaml.Node) (string, bool) {
	if n == nil {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		d.v.add(field, "", "is a YAML "+kindName(n)+", not a string", "a string")
		return "", false
	}
	if n.ShortTag() == "!!null" {
		return "", true
	}
	return n.Value, true
}

// lookup returns the value of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return resolve(n.Content[i+1])
		}
	}
	return nil
}

// resolve follows YAML aliases to the anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.DocumentNode:
		return "document"
	default:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return "scalar"
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
