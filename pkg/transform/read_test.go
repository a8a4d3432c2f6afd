package transform

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/badinput"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// optedIn is an opted-in Deployment, ml/worker.
const optedIn = badinput.OptedIn

const hpaOfWorker = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: worker, namespace: ml}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
  maxReplicas: 3
`

// TestPrepare checks which resources Prepare rewrites as Kubernetes reads
// them, which it leaves as written, and which problems are errors.
func TestPrepare(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		rewritten bool     // the first resource is replaced by its resolved reading
		errors    []string // substrings of the errors, in order; none when empty
		items     int      // resources after Prepare
	}{
		{name: "merge key in an opted-in workload", rewritten: true, items: 1,
			in: strings.Replace(optedIn, "    ml-autoscaling.io/enabled: \"true\"\n", "    <<: {ml-autoscaling.io/enabled: \"true\"}\n", 1)},
		{name: "anchor in a workload that does not opt in", items: 1,
			in: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: o, labels: &l {app: o}}\nspec: {selector: {matchLabels: *l}}\n"},
		{name: "merge key in a ConfigMap", items: 1, in: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {<<: {a: b}}\n"},
		{name: "key twice in a ConfigMap", items: 1, in: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b, a: c}\n"},
		{name: "key twice in a workload that does not opt in", items: 1,
			in:     "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: o}\nspec: {paused: true, paused: false}\n",
			errors: []string{"Deployment/o: spec.paused: key appears more than once"}},
		{name: "merge key in a Helm hook", items: 1,
			in: strings.Replace(optedIn, "  annotations:\n", "  annotations:\n    helm.sh/hook: pre-install\n    <<: {ml-autoscaling.io/max-replicas: \"3\"}\n", 1)},
		{name: "key twice in a Helm hook", items: 1,
			in: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: o, annotations: {helm.sh/hook: pre-install}}\nspec: {paused: true, paused: false}\n"},
		{name: "a merge key makes a ConfigMap of an HPA", rewritten: true, items: 1,
			in: strings.Replace(hpaOfWorker, "kind: HorizontalPodAutoscaler\n", "kind: HorizontalPodAutoscaler\n<<: {kind: ConfigMap}\n", 1)},
		{name: "a merge key at the top that cannot be read", items: 1,
			in:     "<<: [apps/v1]\nkind: Deployment\nmetadata: {name: o}\n",
			errors: []string{"Deployment/o: <<: \"apps/v1\": a YAML merge key whose value is a scalar"}},
		{name: "nested List with an opted-in workload", items: 3,
			in: "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n- apiVersion: v1\n  kind: List\n  items:\n  - " +
				itemOf(optedIn, "    ") + "\n  - " + itemOf(hpaOfWorker, "    ") + "\n"},
		{name: "List with a workload that opts in on its pod template", items: 2,
			in: "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n" +
				"- {apiVersion: apps/v1, kind: Deployment, metadata: {name: w}, spec: {template: {metadata: {annotations: {ml-autoscaling.io/enabled: \"true\"}}}}}\n"},
		{name: "List with a workload that does not opt in", items: 1,
			in: "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: w}, spec: {template: {metadata: {annotations: {a: b}}}}}\n"},
		{name: "nested List of nothing the tool acts on", items: 1,
			in: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n"},
		{name: "alias bomb in a List with an opted-in workload", items: 1,
			in:     "apiVersion: v1\nkind: List\nmetadata:\n  labels:\n" + badinput.AliasBomb("    ", 6) + "items:\n- " + itemOf(optedIn, "  ") + "\n",
			errors: []string{`metadata.labels.l6[0]: "*l5": YAML alias expands to more than 1000000 nodes`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := yaml.Parse(tt.in) // one document, a List not unwrapped
			require.NoError(t, err)
			in := []*yaml.RNode{n}
			before := in[0].YNode()
			var copyBefore yaml.Node = *before
			out, d := Prepare(in, nil, scope.New(nil, ""))
			require.Len(t, out, tt.items)
			if len(tt.errors) == 0 {
				require.Empty(t, d)
			} else {
				require.Len(t, d, len(tt.errors), d.Error())
				for i, e := range tt.errors {
					require.Contains(t, d[i].Error(), e)
				}
			}
			if tt.rewritten {
				require.NotEqual(t, copyBefore.Content, in[0].YNode().Content, "not rewritten")
				s, err := in[0].String()
				require.NoError(t, err)
				require.NotContains(t, s, "<<")
			} else if len(tt.errors) == 0 && tt.items == 1 {
				require.Equal(t, copyBefore.Content, in[0].YNode().Content, "rewritten, though the tool does not act on it")
			}
		})
	}
}

// TestRunReadsMergedHPAKind checks that a resource whose kind a merge key
// overrides is treated as what Kubernetes reads: this HPA is a ConfigMap to
// Kubernetes, so it is neither a conflict nor removed.
func TestRunReadsMergedHPAKind(t *testing.T) {
	notHPA := strings.Replace(hpaOfWorker, "kind: HorizontalPodAutoscaler\n", "kind: HorizontalPodAutoscaler\n<<: {kind: ConfigMap}\n", 1)
	out := Run(items(t, optedIn+"---\n"+notHPA), Options{})
	require.False(t, out.Diagnostics.HasErrors(), out.Diagnostics.Error())
	var kinds []string
	for _, n := range out.Items {
		kinds = append(kinds, n.GetKind())
	}
	require.Equal(t, []string{"Deployment", "ScaledObject", "ConfigMap"}, kinds)
}

// itemOf indents every line of a resource but the first, for a List item.
func itemOf(resource, indent string) string {
	return strings.ReplaceAll(strings.TrimSuffix(resource, "\n"), "\n", "\n"+indent)
}

// TestPrepareExpandsTheListsScopeLooksInto: a List whose only workload a
// policy rule selects is expanded under that policy, and kept whole without.
func TestPrepareExpandsTheListsScopeLooksInto(t *testing.T) {
	const in = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n" +
		"- {apiVersion: apps/v1, kind: Deployment, metadata: {name: celery-worker}}\n"
	rule := policy(t, "  rules:\n  - name: w\n    match: {names: [\"*-worker\"]}\n")
	for _, c := range []struct {
		sc    *scope.Scope
		items int
	}{{scope.New(nil, ""), 1}, {scope.New(rule, ""), 2}} {
		n, err := yaml.Parse(in)
		require.NoError(t, err)
		out, d := Prepare([]*yaml.RNode{n}, nil, c.sc)
		require.Empty(t, d)
		require.Len(t, out, c.items)
	}
}
