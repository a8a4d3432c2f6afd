package history

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Encode validates h and renders it as a ScalingHistory document. The output
// is deterministic (the same History always gives the same bytes) and
// diff-friendly: ValuesPerLine values per line in one flow sequence, each
// line preceded by a comment with the UTC time of its first value, numbers in
// their shortest form and gaps as null. 28 days at 5m steps of replica counts
// below 100 take about 60 KB.
func Encode(h *History) ([]byte, error) {
	if h == nil {
		return nil, errNil
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(256 + len(h.Query) + len(h.Values)*5 + len(h.Values)/ValuesPerLine*30)
	b.WriteString("apiVersion: " + APIVersion + "\n")
	b.WriteString("kind: " + Kind + "\n")
	b.WriteString("metadata:\n")
	b.WriteString("  name: " + scalar(h.Name) + "\n")
	if h.Namespace != "" {
		b.WriteString("  namespace: " + scalar(h.Namespace) + "\n")
	}
	b.WriteString("  annotations:\n")
	b.WriteString("    " + LocalConfigAnnotation + ": \"true\"\n")
	b.WriteString("spec:\n")
	b.WriteString("  target:\n")
	if h.Target.APIVersion != "" {
		b.WriteString("    apiVersion: " + scalar(h.Target.APIVersion) + "\n")
	}
	b.WriteString("    kind: " + scalar(h.Target.Kind) + "\n")
	b.WriteString("    name: " + scalar(h.Target.Name) + "\n")
	b.WriteString("    namespace: " + scalar(h.Target.Namespace) + "\n")
	b.WriteString("  query: " + scalar(h.Query) + "\n")
	b.WriteString("  start: " + strconv.Quote(h.Start.UTC().Format(time.RFC3339Nano)) + "\n")
	b.WriteString("  step: " + FormatDuration(h.Step) + "\n")
	b.WriteString("  values: [")
	for i, v := range h.Values {
		if i%ValuesPerLine == 0 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n    # " + h.At(i).UTC().Format(time.RFC3339Nano) + "\n    ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(formatFloat(v))
	}
	b.WriteString("\n  ]\n")
	return b.Bytes(), nil
}

// scalar renders s as a YAML scalar for a single-line block mapping value:
// plain when YAML allows it, otherwise quoted (double-quoted with escapes
// when s spans lines).
func scalar(s string) string {
	out, err := yaml.Marshal(s)
	text := strings.TrimSuffix(string(out), "\n")
	if err != nil || strings.Contains(text, "\n") || strings.HasPrefix(text, "|") || strings.HasPrefix(text, ">") {
		// strconv.Quote's escapes (\n, \t, \", \\, \xXX, \uXXXX, \UXXXXXXXX)
		// are all valid in a YAML double-quoted scalar, and Validate has
		// ensured s is valid UTF-8.
		return strconv.Quote(s)
	}
	return text
}

// formatFloat renders v in its shortest exact form ("3", "2.5", "1e+21"),
// and NaN as null.
func formatFloat(v float64) string {
	if math.IsNaN(v) {
		return "null"
	}
	if v == 0 {
		return "0" // also for -0
	}
	f := strconv.FormatFloat(v, 'f', -1, 64)
	if g := strconv.FormatFloat(v, 'g', -1, 64); len(g) < len(f) {
		return g
	}
	return f
}

// FormatDuration renders d as a Go duration without zero components:
// 5m rather than 5m0s, 1h30m rather than 1h30m0s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
