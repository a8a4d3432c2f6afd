package main

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/badinput"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/kubeyaml"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/stretchr/testify/require"
)

// resourceList wraps documents as the items of a KRM ResourceList.
func resourceList(docs ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, d := range docs {
		for i, line := range strings.Split(strings.TrimSuffix(d, "\n"), "\n") {
			if i == 0 {
				b.WriteString("- " + line + "\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	return b.String()
}

// TestResourceListReadsAsKubernetes checks that ResourceList mode reads
// what Kubernetes reads: a byte-order mark at the start of the input, merge
// keys, aliases and nested Lists in the items.
func TestResourceListReadsAsKubernetes(t *testing.T) {
	mergedAnnotations := strings.Replace(badinput.OptedIn,
		"    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/cpu-utilization: \"60\"\n",
		"    <<: {ml-autoscaling.io/enabled: \"true\", ml-autoscaling.io/cpu-utilization: \"60\"}\n    ml-autoscaling.io/max-replicas: \"7\"\n", 1)
	aliasedRequests := strings.Replace(badinput.OptedIn, "  name: worker\n", "  name: worker\n  labels: {cpu: &cpu 250m}\n", 1)
	aliasedRequests = strings.Replace(aliasedRequests, "requests: {cpu: 250m}", "requests: {cpu: *cpu}", 1)
	nestedList := "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n" +
		indent(badinput.OptedIn, "  - ", "    ")
	tests := []struct {
		name, stdin string
		want        []string
	}{
		{"byte-order mark", "\xef\xbb\xbf" + resourceList(badinput.OptedIn), []string{"kind: ScaledObject"}},
		{"byte-order mark after a separator", "---\n\xef\xbb\xbf" + resourceList(badinput.OptedIn), []string{"kind: ScaledObject"}},
		{"merge key in annotations", resourceList(mergedAnnotations), []string{"kind: ScaledObject", "maxReplicaCount: 7"}},
		{"alias in resources", resourceList(aliasedRequests), []string{"kind: ScaledObject", "type: cpu"}},
		{"nested List", resourceList(nestedList), []string{"kind: ScaledObject", "name: worker"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := runResourceList(t, tt.stdin)
			require.NoError(t, err, stderr)
			for _, w := range tt.want {
				require.Contains(t, out, w)
			}
			require.NotContains(t, out, "kind: List\n  items")
			require.NotContains(t, out, "\xef\xbb\xbf")
		})
	}
}

// indent prefixes the first line of s with first and the others with rest.
func indent(s, first, rest string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = first + lines[i]
		} else {
			lines[i] = rest + lines[i]
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestResourceListLimits checks that ResourceList mode refuses input over
// each stated limit, with an error naming that limit and its value.
func TestResourceListLimits(t *testing.T) {
	l := badinput.Limits(stream.MaxBytes, stream.MaxDocuments, kubeyaml.MaxDepth, history.MaxValues)
	items := strings.Repeat("- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n", stream.MaxDocuments+1)
	tests := []struct {
		name, stdin string
		want        []string
	}{
		{"input size", resourceList(badinput.OptedIn) + "#" + strings.Repeat("x", stream.MaxBytes) + "\n",
			[]string{"at most 67108864 bytes (64 MiB) of input (limit: input size)"}},
		{"items", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + items,
			[]string{"more than 100000 YAML documents", "limit: documents per input"}},
		{"nesting depth", resourceList(l.DeepWorkload),
			[]string{"Deployment/ml/worker", "nested more than 1000 levels deep", "limit: nesting depth"}},
		{"values of a history", resourceList(l.TooManyValues),
			[]string{"spec.values", "has 1000001 values", "limit: values per history"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := runResourceList(t, tt.stdin)
			require.Error(t, err)
			require.NotContains(t, out, "kind: ScaledObject")
			for _, w := range tt.want {
				require.Contains(t, stderr, w)
			}
			require.NotContains(t, stderr, "alias bomb")
		})
	}
}
