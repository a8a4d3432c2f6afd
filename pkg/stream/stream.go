// Package stream runs the transform over a plain multi-document YAML stream
// (what Helm hands a post-renderer) without touching what it does not own:
// a cheap scan picks the documents the transform may need (opted-in
// workloads, HPAs, KEDA objects, recorded histories, and anything else that
// mentions them, erring toward parsing); every other document, and every
// parsed document the transform leaves unchanged, is copied through byte for
// byte. It works on bytes only: no I/O.
package stream

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Doc is one document of the stream.
type Doc struct {
	// Sep is the separator line that opened the document ("---\n"), empty for a first document without one.
	Sep []byte
	// Body is the document text after the separator line.
	Body []byte
	// Nodes are the parsed resources (more than one for an expanded List); nil when not parsed.
	Nodes []*yaml.RNode
	// Expanded is true when a List document was replaced by its items.
	Expanded bool
}

// Split cuts a stream into documents at lines that start with "---".
// Separator lines are kept with their document, so joining Sep and Body of
// every document gives the input back exactly. A byte-order mark that opens
// the stream does not hide a separator behind it.
func Split(in []byte) []Doc {
	docs, _ := splitN(in, -1)
	return docs
}

// splitN is Split that stops, returning false, once the stream holds more
// than max documents (max < 0: no limit).
func splitN(in []byte, max int) ([]Doc, bool) {
	var docs []Doc
	cur := Doc{}
	start := 0
	bodyStart := 0
	for pos := 0; pos < len(in); {
		end := bytes.IndexByte(in[pos:], '\n')
		lineEnd := len(in)
		if end >= 0 {
			lineEnd = pos + end + 1
		}
		line := in[pos:lineEnd]
		if pos == 0 {
			line = bytes.TrimPrefix(line, bom)
		}
		if isSeparator(line) {
			if pos > start || len(cur.Sep) > 0 {
				cur.Body = in[bodyStart:pos]
				docs = append(docs, cur)
				if max >= 0 && len(docs) > max {
					return docs, false
				}
			}
			cur = Doc{Sep: in[pos:lineEnd]}
			start, bodyStart = pos, lineEnd
		}
		pos = lineEnd
	}
	if len(in) > start || len(cur.Sep) > 0 {
		cur.Body = in[bodyStart:]
		docs = append(docs, cur)
	}
	return docs, max < 0 || len(docs) <= max
}

func isSeparator(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := line[3:]
	return len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' || rest[0] == ' ' || rest[0] == '\t'
}

// resourceMarkers are the substrings that make a document worth parsing
// besides the workload markers of the scope decision: the other kinds the
// transform reads. A !!binary scalar (base64 text Kubernetes decodes) or a
// line continuation can spell any key or kind, so a document that uses one
// is parsed too.
var resourceMarkers = [][]byte{
	[]byte("HorizontalPodAutoscaler"),
	[]byte("keda.sh"),
	[]byte("ScalingHistory"),
	[]byte("!!binary"),
	[]byte("2002:binary"),
	// a backslash at the end of a line joins the lines of a double-quoted
	// scalar ("Horizontal\<newline>PodAutoscaler"), so it can spell a kind
	[]byte("\\\n"),
	[]byte("\\\r\n"),
}

// Scan is the cheap scan for one policy and release namespace.
type Scan struct{ markers [][]byte }

// NewScan returns the cheap scan whose workload markers derive from the
// scope rules of sc (see scope.Scope.Markers), so that every workload the
// scope decision would look into is parsed.
func NewScan(sc *scope.Scope) *Scan {
	return &Scan{markers: append(sc.Markers(), resourceMarkers...)}
}

var ruleless = NewScan(scope.New(nil, ""))

// Interesting reports whether a document may matter to the transform.
func (s *Scan) Interesting(body []byte) bool {
	for _, m := range s.markers {
		if bytes.Contains(body, m) {
			return true
		}
	}
	return escapedTag(body)
}

// escapedTag reports whether body holds a YAML tag with a %-escape
// (!!bin%61ry is !!binary to every YAML parser).
func escapedTag(body []byte) bool {
	for rest := body; ; {
		i := bytes.IndexByte(rest, '!')
		if i < 0 {
			return false
		}
		rest = rest[i+1:]
		end := bytes.IndexAny(rest, " \t\r\n")
		if end < 0 {
			end = len(rest)
		}
		if bytes.IndexByte(rest[:end], '%') >= 0 {
			return true
		}
	}
}

// Interesting reports whether a document may matter to the transform under
// a policy without rules.
func Interesting(body []byte) bool { return ruleless.Interesting(body) }

// IsBlank reports whether a document holds only whitespace and comments.
func IsBlank(body []byte) bool {
	for _, line := range bytes.Split(body, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("...")) {
			return false
		}
	}
	return true
}

// Error is a failed run: the diagnostics (errors and warnings) that stopped it.
type Error struct{ Diagnostics diag.List }

// Error implements error.
func (e *Error) Error() string { return e.Diagnostics.Errors().Error() }

// Process runs the transform over a YAML stream and returns the new stream.
// extra are further input resources that are not part of the stream (the
// recorded ScalingHistory files given with --history); they are consumed,
// never written. On any error it returns no output at all.
func Process(in []byte, opts transform.Options, extra ...*yaml.RNode) ([]byte, *transform.Output, error) {
	docs, parseErrs := Documents(in)
	if len(parseErrs) > 0 {
		return nil, nil, &Error{Diagnostics: parseErrs}
	}
	sc := scope.New(opts.Policy, opts.ReleaseNamespace)
	scan := NewScan(sc)
	var parsed []*yaml.RNode
	for i := range docs {
		d := &docs[i]
		if !scan.Interesting(d.Content()) || IsBlank(d.Content()) {
			continue
		}
		if stray := d.StrayBOM(i + 1); stray != nil {
			parseErrs = append(parseErrs, stray...)
			continue
		}
		read, err := parseDoc(d, sc)
		if err != nil {
			parseErrs.Errorf(diag.Ref{}, fmt.Sprintf("document %d%s", i+1, source(d.Body)), "", "valid YAML", "cannot parse: %v", err)
			continue
		}
		parseErrs = append(parseErrs, read...)
		parsed = append(parsed, d.Nodes...)
	}
	// documents without markers that the transform still needs (workloads
	// that HPAs target or whose pods look like a GPU workload's); one that
	// does not parse, or that Kubernetes would not read as written, is left
	// to Helm, like any other document the tool does not own
	if related := transform.Related(parsed, sc); len(parsed) > 0 {
		for i := range docs {
			if d := &docs[i]; d.Nodes == nil && !IsBlank(d.Content()) && d.StrayBOM(i+1) == nil && related(d.Content()) {
				_, _ = parseDoc(d, sc)
			}
		}
	}
	var items []*yaml.RNode
	owner := map[*yaml.RNode]int{}
	for i := range docs {
		for _, node := range docs[i].Nodes {
			owner[node] = i
			items = append(items, node)
		}
	}
	if len(parseErrs) > 0 {
		return nil, nil, &Error{Diagnostics: parseErrs}
	}
	res := transform.Run(append(items, extra...), opts)
	if res.Diagnostics.HasErrors() {
		return nil, res, &Error{Diagnostics: res.Diagnostics}
	}
	var out bytes.Buffer
	out.Grow(len(in) + len(res.Items)*512)
	cursor := 0
	replacedBy := make(map[*yaml.RNode]*yaml.RNode, len(res.Replaced))
	for old, r := range res.Replaced {
		replacedBy[r] = old
	}
	emitNode := func(n *yaml.RNode) error {
		if old, ok := replacedBy[n]; ok && sameContent(old, n) {
			n = old // regenerated identically: keep the earlier bytes
		}
		if i, ok := owner[n]; ok && !res.Changed[n] && !docs[i].Expanded {
			writeRaw(&out, docs[i])
			return nil
		}
		s, err := n.String()
		if err != nil {
			return err
		}
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		out.WriteString("---\n")
		out.WriteString(s)
		return nil
	}
	replacement := make(map[*yaml.RNode]bool, len(res.Replaced))
	for _, r := range res.Replaced {
		replacement[r] = true
	}
	pos := make(map[*yaml.RNode]int, len(res.Items))
	for i, n := range res.Items {
		pos[n] = i
	}
	for i := range docs {
		d := docs[i]
		if d.Nodes == nil {
			writeRaw(&out, d)
			continue
		}
		for _, n := range d.Nodes {
			p, kept := pos[n]
			if r, ok := res.Replaced[n]; ok {
				p, kept = pos[r]
			}
			if !kept {
				continue
			}
			for ; cursor <= p; cursor++ {
				if err := emitNode(res.Items[cursor]); err != nil {
					return nil, res, err
				}
			}
		}
		// generated objects that follow this document's resources
		for cursor < len(res.Items) {
			if _, original := owner[res.Items[cursor]]; original || replacement[res.Items[cursor]] {
				break
			}
			if err := emitNode(res.Items[cursor]); err != nil {
				return nil, res, err
			}
			cursor++
		}
	}
	for ; cursor < len(res.Items); cursor++ {
		if err := emitNode(res.Items[cursor]); err != nil {
			return nil, res, err
		}
	}
	return out.Bytes(), res, nil
}

// parseDoc parses a document's resources into d.Nodes (a List holding
// resources the transform acts on gives its items); a document that is not
// a mapping gets none.
func parseDoc(d *Doc, sc *scope.Scope) (diag.List, error) {
	n, err := yaml.Parse(string(d.Text()))
	if err != nil {
		return nil, err
	}
	if n.YNode().Kind != yaml.MappingNode {
		return nil, nil
	}
	nodes, read := transform.Prepare([]*yaml.RNode{n}, nil, sc)
	if len(read) > 0 {
		return read, nil
	}
	d.Nodes = nodes
	d.Expanded = len(nodes) != 1 || nodes[0] != n
	return nil, nil
}

// sameContent reports whether two nodes hold the same data, ignoring style and comments.
func sameContent(a, b *yaml.RNode) bool {
	var va, vb any
	if a.YNode().Decode(&va) != nil || b.YNode().Decode(&vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

func writeRaw(out *bytes.Buffer, d Doc) {
	if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		out.WriteByte('\n')
	}
	if len(d.Sep) == 0 && out.Len() > 0 {
		out.WriteString("---\n")
	}
	out.Write(d.Sep)
	out.Write(d.Body)
}

// source returns " (# Source: path)" from Helm's comment, if present.
func source(body []byte) string {
	for _, line := range strings.Split(string(body), "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "# Source:"); ok {
			return " (" + strings.TrimSpace(s) + ")"
		}
	}
	return ""
}
