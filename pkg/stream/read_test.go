package stream

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/badinput"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"github.com/stretchr/testify/require"
)

const bomText = "\xef\xbb\xbf"

// TestDocumentsLimits checks each limit at its value and one past it.
func TestDocumentsLimits(t *testing.T) {
	atSize := bytes.Repeat([]byte("#"), MaxBytes)
	tests := []struct {
		name string
		in   []byte
		want string // "" for no error
	}{
		{"size at the limit", atSize, ""},
		{"size past the limit", append(atSize, '\n'), "the input holds 67108865 bytes or more (allowed: at most 67108864 bytes (64 MiB) of input (limit: input size))"},
		{"documents at the limit", []byte(badinput.ManyDocuments(MaxDocuments)), ""},
		{"documents past the limit", []byte(badinput.ManyDocuments(MaxDocuments + 1)), "the input holds more than 100000 YAML documents or ResourceList items (allowed: at most 100000 documents or ResourceList items (limit: documents per input))"},
		{"empty separators count", []byte(strings.Repeat("---\n", MaxDocuments+1)), "more than 100000 YAML documents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, d := Documents(tt.in)
			if tt.want == "" {
				require.Empty(t, d)
				require.NotEmpty(t, docs)
				return
			}
			require.Nil(t, docs)
			require.Len(t, d, 1)
			require.Contains(t, d[0].Error(), tt.want)
		})
	}
}

// TestByteOrderMarks checks where a byte-order mark is dropped (the start of
// the input and of each document, as Kubernetes' readers drop it) and where
// it is an error (the start of any other line).
func TestByteOrderMarks(t *testing.T) {
	tests := []struct {
		name, in string
		texts    []string // Text() of each document
		stray    int      // 1-based document with a stray mark, 0 for none
		clean    string   // Clean() of the documents
	}{
		{"at the start, before a separator", bomText + "---\na: 1\n", []string{"\na: 1\n"}, 0, "---\na: 1\n"},
		{"at the start, before content", bomText + "a: 1\n---\nb: 2\n", []string{"a: 1\n", "\nb: 2\n"}, 0, "a: 1\n---\nb: 2\n"},
		{"after a separator", "a: 1\n---\n" + bomText + "b: 2\n", []string{"a: 1\n", "\nb: 2\n"}, 0, "a: 1\n---\nb: 2\n"},
		{"after a separator with a comment", "--- # x\n" + bomText + "# c\nb: 2\n", []string{"# x\n# c\nb: 2\n"}, 0, "--- # x\n# c\nb: 2\n"},
		{"a tab after the separator", "---\t# x\nb: 2\n---\t\nc: 3\n", []string{"# x\nb: 2\n", "\nc: 3\n"}, 0, "---\t# x\nb: 2\n---\t\nc: 3\n"},
		{"a document on the separator line", "a: 1\n--- {b: 2}\n", []string{"a: 1\n", "{b: 2}\n"}, 0, "a: 1\n--- {b: 2}\n"},
		{"inside a document", "---\na: 1\n" + bomText + "b: 2\n", []string{"\na: 1\n" + bomText + "b: 2\n"}, 1, "---\na: 1\n" + bomText + "b: 2\n"},
		{"inside a line", "---\na: \"" + bomText + "\"\n", []string{"\na: \"" + bomText + "\"\n"}, 0, "---\na: \"" + bomText + "\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, d := Documents([]byte(tt.in))
			require.Empty(t, d)
			require.Len(t, docs, len(tt.texts))
			var joined bytes.Buffer
			for i, doc := range docs {
				require.Equal(t, tt.texts[i], string(doc.Text()))
				joined.Write(doc.Sep)
				joined.Write(doc.Body)
				stray := doc.StrayBOM(i + 1)
				if i+1 == tt.stray {
					require.Len(t, stray, 1)
					require.Contains(t, stray[0].Error(), "at the start of line 2 of the document")
				} else {
					require.Empty(t, stray)
				}
			}
			require.Equal(t, tt.in, joined.String(), "documents join back to the input")
			require.Equal(t, tt.clean, string(Clean(docs)))
		})
	}
}

// TestProcessReadsAsKubernetes runs the post-renderer's core on inputs that
// Kubernetes reads differently from a naive YAML reader, and checks both
// the scaled workload and the documents that must stay byte for byte.
func TestProcessReadsAsKubernetes(t *testing.T) {
	unowned := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ml}\ndata:\n  <<: &d {a: \"1\"}\n  b: *d\n"
	notOptedIn := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n  namespace: ml\n  labels: &l {app: other}\n  annotations: {note: ml-autoscaling.io is not used here}\nspec:\n  selector: {matchLabels: *l}\n"
	merged := strings.Replace(badinput.OptedIn, "  annotations:\n", "  annotations:\n    <<: {ml-autoscaling.io/max-replicas: \"7\"}\n", 1)
	tests := []struct {
		name, in string
		want     []string
	}{
		{"byte-order mark after a separator", "---\n" + unowned + "---\n" + bomText + badinput.OptedIn, []string{"maxReplicaCount: 10"}},
		{"merge key in annotations", "---\n" + unowned + "---\n" + merged, []string{"maxReplicaCount: 7"}},
		{"nested List", "---\n" + unowned + "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - " +
			strings.ReplaceAll(strings.TrimSuffix(merged, "\n"), "\n", "\n    ") + "\n", []string{"maxReplicaCount: 7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(tt.in, "---\n"+unowned, "---\n"+unowned+"---\n"+notOptedIn, 1)
			out, _, err := Process([]byte(in), transform.Options{})
			require.NoError(t, err)
			for _, w := range tt.want {
				require.Contains(t, string(out), w)
			}
			require.Equal(t, 1, strings.Count(string(out), "kind: ScaledObject"))
			require.Contains(t, string(out), unowned, "a document the tool does not own is copied byte for byte")
			require.Contains(t, string(out), notOptedIn, "a workload that does not opt in is copied byte for byte")
			require.NotContains(t, string(out), bomText)
			again, _, err := Process(out, transform.Options{})
			require.NoError(t, err)
			require.Equal(t, string(out), string(again), "idempotent")
		})
	}
}

// TestContent checks what the cheap scan reads of a document: the body, and
// the separator line's text when a document starts on it.
func TestContent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"---\nkind: X\n", "kind: X\n"},
		{"--- # Source: x\nkind: X\n", "# Source: x\nkind: X\n"},
		{"---\t\nkind: X\n", "kind: X\n"},
		{"--- {kind: HorizontalPodAutoscaler}\n", "{kind: HorizontalPodAutoscaler}\n"},
		{"---\t!!map\nkind: X\n", "!!map\nkind: X\n"},
	}
	for _, tt := range tests {
		docs := Split([]byte(tt.in))
		require.Len(t, docs, 1, tt.in)
		require.Equal(t, tt.want, string(docs[0].Content()), tt.in)
	}
	require.True(t, Interesting(Split([]byte("a: 1\n--- {kind: HorizontalPodAutoscaler}\n"))[1].Content()))
}

// TestDocumentsRefuseUTF16 checks that input with a UTF-16 byte-order mark
// is refused: the scan reads bytes as UTF-8 and would find no marker.
func TestDocumentsRefuseUTF16(t *testing.T) {
	for _, in := range []string{"\xff\xfek\x00:\x00", "\xfe\xff\x00k\x00:", "a: 1\n---\n\xff\xfek\x00:\x00"} {
		docs, d := Documents([]byte(in))
		require.Nil(t, docs)
		require.Len(t, d, 1)
		require.Contains(t, d[0].Message, "UTF-16 byte-order mark")
	}
	_, d := Documents([]byte("\xef\xbb\xbfkind: X\n"))
	require.Empty(t, d, "a UTF-8 byte-order mark is dropped, not refused")
}
