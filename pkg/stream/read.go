package stream

import (
	"bytes"
	"fmt"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

// Limits of an input stream, the same for the post-renderer and the KRM
// function. Within a resource the tool reads, kubeyaml states the limits on
// nesting depth and alias expansion.
const (
	// MaxBytes is the largest input accepted: the post-renderer's stdin, or
	// the function's input files (or ResourceList) together.
	MaxBytes = 64 << 20
	// MaxDocuments is the most YAML documents (or ResourceList items)
	// accepted in one run.
	MaxDocuments = 100_000
)

// bom is the UTF-8 byte-order mark. Kubernetes' readers drop one at the
// start of the stream and at the start of each document.
var bom = []byte("\xef\xbb\xbf")

// TooLarge is the error for an input of size bytes when MaxBytes is the limit.
func TooLarge(size int64) diag.List {
	var l diag.List
	l.Errorf(diag.Ref{}, "", "", fmt.Sprintf("at most %d bytes (64 MiB) of input (limit: input size)", MaxBytes),
		"the input holds %d bytes or more", size)
	return l
}

// TooManyDocuments is the error for an input of more than MaxDocuments documents.
func TooManyDocuments() diag.List {
	var l diag.List
	l.Errorf(diag.Ref{}, "", "", fmt.Sprintf("at most %d documents or ResourceList items (limit: documents per input)", MaxDocuments),
		"the input holds more than %d YAML documents or ResourceList items", MaxDocuments)
	return l
}

// Documents splits a stream into documents, refusing one beyond the size
// and document limits, and one in UTF-16.
func Documents(in []byte) ([]Doc, diag.List) {
	if len(in) > MaxBytes {
		return nil, TooLarge(int64(len(in)))
	}
	docs, ok := splitN(in, MaxDocuments)
	if !ok {
		return nil, TooManyDocuments()
	}
	for i, d := range docs {
		if utf16(d.Body) {
			var l diag.List
			l.Errorf(diag.Ref{}, fmt.Sprintf("document %d", i+1), "", "UTF-8, as Helm, kustomize and kubectl write it",
				"the document starts with a UTF-16 byte-order mark: YAML parsers read UTF-16, but the scan that finds the resources to change reads UTF-8")
			return nil, l
		}
	}
	return docs, nil
}

// utf16 reports whether b starts with a UTF-16 byte-order mark.
func utf16(b []byte) bool {
	return bytes.HasPrefix(b, []byte("\xff\xfe")) || bytes.HasPrefix(b, []byte("\xfe\xff"))
}

// Text is the document as a YAML parser must see it: what follows "---" on
// the separator line, then the body, without the byte-order mark that may
// open the stream or the document.
func (d Doc) Text() []byte {
	sep := d.afterSeparator()
	return append(append(make([]byte, 0, len(sep)+len(d.Body)), sep...), bytes.TrimPrefix(d.Body, bom)...)
}

// afterSeparator returns the rest of the separator line after "---" and
// the blanks that follow it (a tab separates as a space does), with its
// line break, so that line numbers still count the separator line.
func (d Doc) afterSeparator() []byte {
	return bytes.TrimLeft(bytes.TrimLeft(bytes.TrimPrefix(d.Sep, bom), "-"), " \t")
}

// Content is what the cheap scan looks at: the body, preceded by whatever
// the separator line holds after "---" ("--- {apiVersion: apps/v1, …}"
// starts a document that Kubernetes reads like any other).
func (d Doc) Content() []byte {
	if len(bytes.TrimSpace(d.afterSeparator())) == 0 {
		return d.Body
	}
	return d.Text()
}

// StrayBOM returns the error for a byte-order mark at the start of a line
// inside document i (1-based) other than its first: YAML parsers skip it
// there or not depending on where their read buffer happens to start, so
// Kubernetes and the tool could read different keys.
func (d Doc) StrayBOM(i int) diag.List {
	body := bytes.TrimPrefix(d.Body, bom)
	at := bytes.Index(body, []byte("\n\xef\xbb\xbf"))
	if at < 0 {
		return nil
	}
	var l diag.List
	l.Errorf(diag.Ref{}, fmt.Sprintf("document %d%s", i, source(d.Body)), "",
		"a byte-order mark only at the start of the input or of a document",
		"byte-order mark (U+FEFF) at the start of line %d of the document; YAML readers disagree on whether it belongs to the key", bytes.Count(body[:at+1], []byte("\n"))+1)
	return l
}

// Clean returns the documents joined again, without the byte-order marks
// Kubernetes drops (at the start of the stream and of each document), for
// a reader that would otherwise keep them.
func Clean(docs []Doc) []byte {
	var out bytes.Buffer
	for _, d := range docs {
		out.Write(bytes.TrimPrefix(d.Sep, bom))
		out.Write(bytes.TrimPrefix(d.Body, bom))
	}
	return out.Bytes()
}
