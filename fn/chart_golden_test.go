package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/testkit"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// renderedFrom reads the chart render a chart case's ORIGIN.md names.
var renderedFrom = regexp.MustCompile("`(testdata/charts/[^`]+/rendered\\.yaml)`")

// TestChartCasesAreTheRenders checks that every chart-* golden case's input
// is the unedited render of testdata/charts it names.
func TestChartCasesAreTheRenders(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join(goldenDir, "chart-*"))
	require.GreaterOrEqual(t, len(cases), 4)
	for _, dir := range cases {
		origin, err := os.ReadFile(filepath.Join(dir, "ORIGIN.md"))
		require.NoError(t, err, dir)
		m := renderedFrom.FindSubmatch(origin)
		require.NotNil(t, m, "%s/ORIGIN.md names no render", dir)
		want, err := os.ReadFile(filepath.Join(goldenDir, "..", "..", string(m[1])))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%s/input.yaml differs from %s", dir, m[1])
	}
}

// TestChartCasesChangeOnlyWhatTheyScale compares each chart case's expected
// output with its input (see onlyScalingChanges).
func TestChartCasesChangeOnlyWhatTheyScale(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join(goldenDir, "chart-*"))
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
			require.NoError(t, err)
			out, err := os.ReadFile(filepath.Join(dir, "expected.yaml"))
			require.NoError(t, err)
			require.NotEmpty(t, onlyScalingChanges(t, string(in), string(out)), "no workload is scaled")
		})
	}
}

// TestSentryWorkerOptsInThroughItsValues runs the Sentry chart, whose
// sentry.workerEvents.annotations value lands on the pod template, through
// the function and the post-renderer. It is not a golden case: the chart
// renders a placeholder broker URL with a password into a ConfigMap, and
// golden outputs must hold no credential at all.
func TestSentryWorkerOptsInThroughItsValues(t *testing.T) {
	const render = "../testdata/charts/sentry/worker-events-two-queues/rendered.yaml"
	in, err := os.ReadFile(render)
	require.NoError(t, err)
	out, stderr, err := runFn("", render)
	require.NoError(t, err, stderr)
	require.Equal(t, map[string]bool{"Deployment/sentry-worker-events": true}, onlyScalingChanges(t, string(in), out))
	require.Contains(t, out, "queueName: events.save_event")
	require.Contains(t, out, "name: sentry-rabbitmq-conn")
	pr, stderr, err := runPostrender(t, in)
	require.NoError(t, err, stderr)
	require.Equal(t, canonicalDocs(t, out), canonicalDocs(t, pr))
}

// onlyScalingChanges checks, resource by resource, that out differs from
// in only by the generated KEDA objects of the scaled workloads, the HPAs
// that targeted them (removed) and their spec.replicas (removed, the
// policy's keepReplicas being false); every other resource is unchanged,
// in order. It returns the scaled workloads (Kind/name).
func onlyScalingChanges(t *testing.T, in, out string) map[string]bool {
	t.Helper()
	var kept []*yaml.RNode
	scaled := map[string]bool{}
	for _, n := range testkit.Items(t, out) {
		target, generated := n.GetAnnotations()[transform.GeneratedForAnnotation]
		if !generated {
			kept = append(kept, n)
			continue
		}
		require.Contains(t, []string{"ScaledObject", "TriggerAuthentication"}, n.GetKind())
		scaled[target] = true
	}
	removedHPAs := 0
	i := 0
	for _, n := range testkit.Items(t, in) {
		ref := n.GetKind() + "/" + n.GetName()
		if n.GetKind() == "HorizontalPodAutoscaler" {
			target, _ := n.Pipe(yaml.Lookup("spec", "scaleTargetRef"))
			if scaled[yaml.GetValue(target.Field("kind").Value)+"/"+yaml.GetValue(target.Field("name").Value)] {
				removedHPAs++
				continue // removed, as it must be
			}
		}
		require.Less(t, i, len(kept), "%s is missing from the output", ref)
		want := plain(t, n)
		if scaled[ref] {
			delete(want["spec"].(map[string]any), "replicas")
		}
		require.True(t, reflect.DeepEqual(want, plain(t, kept[i])), "%s changed (or the order did)", ref)
		i++
	}
	require.Equal(t, len(kept), i, "the output holds resources the input does not")
	require.Equal(t, strings.Count(in, "\nkind: HorizontalPodAutoscaler")-removedHPAs,
		strings.Count(out, "\nkind: HorizontalPodAutoscaler"), "HPAs of other workloads stay")
	return scaled
}

func plain(t *testing.T, n *yaml.RNode) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, n.YNode().Decode(&v))
	return v
}
