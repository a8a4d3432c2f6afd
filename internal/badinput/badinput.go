// Package badinput holds what the two runners of the bad-input catalogue
// (testdata/bad-input, see its README.md) share: reading a case's line
// files and generating the inputs too big or too hostile to commit. It is
// imported from tests only.
package badinput

import (
	"fmt"
	"os"
	"strings"
)

// Dir is the catalogue, relative to a package directory of the module.
const Dir = "../testdata/bad-input"

// TenMB is the size of the large generated documents.
const TenMB = 10 << 20

// ReadLines returns the non-empty lines of a catalogue file that are not
// comments ("# " at the start, or a lone "#"); nil when the file does not exist.
func ReadLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "" || l == "#" || strings.HasPrefix(l, "# ") {
			continue
		}
		out = append(out, l)
	}
	return out, nil
}

// OptedIn is an opted-in Deployment that needs nothing from the policy.
const OptedIn = `# Source: chart/templates/worker.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: ml
  annotations:
    ml-autoscaling.io/enabled: "true"
    ml-autoscaling.io/cpu-utilization: "60"
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: worker
        image: registry.example.com/worker:1.0
        resources:
          requests: {cpu: 250m}
`

// BigConfigMap returns a ConfigMap of about size bytes, in many keys.
func BigConfigMap(size int) string {
	var b strings.Builder
	b.WriteString("# Source: chart/templates/big.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: ml\ndata:\n")
	line := strings.Repeat("x", 100)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "  key-%07d: %s\n", i, line)
	}
	return b.String()
}

// BigWorkload returns OptedIn with about size bytes of environment
// variables; tail is appended to its last line.
func BigWorkload(size int, tail string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(OptedIn, "          requests: {cpu: 250m}\n"))
	b.WriteString("          requests: {cpu: 250m}\n        env:\n")
	val := strings.Repeat("v", 100)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "        - {name: VAR_%07d, value: %s}\n", i, val)
	}
	b.WriteString("        - {name: LAST, value: last}" + tail + "\n")
	return b.String()
}

// AliasBomb returns YAML lines (at the given indentation) that define a
// billion-laughs anchor chain: 10^levels expansions of the last anchor.
func AliasBomb(indent string, levels int) string {
	var b strings.Builder
	b.WriteString(indent + `l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i <= levels; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ",")
		fmt.Fprintf(&b, "%sl%d: &l%d [%s]\n", indent, i, i, refs)
	}
	return b.String()
}

// Bombs returns three documents with a 10^9 alias chain: in an unowned
// ConfigMap's labels, in an opted-in workload's pod template, and as the
// value of an opted-in workload's annotation.
func Bombs() (configMap, inWorkload, asAnnotation string) {
	configMap = "# Source: chart/templates/bomb.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  namespace: ml\n  labels:\n" + AliasBomb("    ", 9)
	inWorkload = strings.Replace(OptedIn, "spec:\n  replicas: 2\n  template:\n", "spec:\n  replicas: 2\n  template:\n    metadata:\n      annotations:\n"+AliasBomb("        ", 9), 1)
	asAnnotation = strings.Replace(OptedIn, "  annotations:\n", "  labels:\n"+AliasBomb("    ", 9)+"  annotations:\n    ml-autoscaling.io/max-replicas: *l9\n", 1)
	return configMap, inWorkload, asAnnotation
}

// Nested returns a value of levels flow sequences nested in one another.
func Nested(levels int) string {
	return strings.Repeat("[", levels) + "x" + strings.Repeat("]", levels)
}

// ManyDocuments returns n small documents, each after a separator.
func ManyDocuments(n int) string {
	return strings.Repeat("---\na: 1\n", n)
}

// History returns a ScalingHistory for the Deployment ml/worker with n values.
func History(n int) string {
	return "apiVersion: ml-autoscaling.io/v1alpha1\nkind: ScalingHistory\nmetadata: {name: worker, namespace: ml}\nspec:\n" +
		"  target: {apiVersion: apps/v1, kind: Deployment, name: worker, namespace: ml}\n  query: demand\n" +
		"  start: \"2026-05-04T00:00:00Z\"\n  step: 1m\n  values: [" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]\n"
}

// LimitInputs are inputs that exceed one stated limit each.
type LimitInputs struct {
	// TooLarge is an opted-in workload after a ConfigMap that makes the
	// input one byte larger than the limit of the given size.
	TooLarge string
	// TooManyDocuments holds one document more than the given limit.
	TooManyDocuments string
	// DeepWorkload is an opted-in workload with a container argument nested
	// past the given depth; DeepUnowned a ConfigMap nested as deep, then OptedIn.
	DeepWorkload, DeepUnowned string
	// TooManyValues is a history with one value more than the given limit.
	TooManyValues string
}

// Limits returns the inputs for limits of the given sizes.
func Limits(maxBytes, maxDocuments, maxDepth, maxValues int) LimitInputs {
	deepArg := "        args: [" + Nested(maxDepth) + "]\n"
	// "---\n" + big + "---\n" + OptedIn is maxBytes+1 long; a comment line pads big
	room := maxBytes + 1 - 8 - len(OptedIn)
	big := BigConfigMap(room - 200)
	big += "#" + strings.Repeat("x", room-len(big)-2) + "\n"
	return LimitInputs{
		TooLarge:         "---\n" + big + "---\n" + OptedIn,
		TooManyDocuments: ManyDocuments(maxDocuments + 1),
		DeepWorkload:     strings.Replace(OptedIn, "        resources:\n", deepArg+"        resources:\n", 1),
		DeepUnowned:      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: ml}\ndata: {}\nextra: " + Nested(maxDepth) + "\n---\n" + OptedIn,
		TooManyValues:    History(maxValues + 1),
	}
}
