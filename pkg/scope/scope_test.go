package scope

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/testkit"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/stretchr/testify/require"
)

// deployment renders a Deployment with the given metadata annotations,
// pod-template annotations and image; labels app=<name>, pod label tier=<name>.
func deployment(name, ns, ann, podAnn, image string) string {
	nsLine := ""
	if ns != "" {
		nsLine = "\n  namespace: " + ns
	}
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s%s
  labels: {app: %s}
  annotations: {%s}
spec:
  template:
    metadata:
      labels: {tier: %s}
      annotations: {%s}
    spec:
      containers: [{name: c, image: %q}]
`, name, nsLine, name, ann, name, podAnn, image)
}

const (
	on      = `ml-autoscaling.io/enabled: "true"`
	off     = `ml-autoscaling.io/enabled: "false"`
	cpu70   = `ml-autoscaling.io/cpu-utilization: "70"`
	min2    = `ml-autoscaling.io/min-replicas: "2"`
	min3    = `ml-autoscaling.io/min-replicas: "3"`
	workers = `  rules:
  - name: workers
    match: {names: ["*-worker"]}
    settings: {cpuUtilization: "60", minReplicas: "4"}
`
)

func TestDecide(t *testing.T) {
	for _, c := range []struct {
		name, input, spec, release string
		// in lists "ref by optIn" of the workloads in scope; notScaled "ref: reason part"
		in, notScaled, errs []string
		// sources maps "ref key" to the expected Spec.Sources entry
		sources map[string]string
	}{
		{name: "workload annotation", input: deployment("web", "ml", on+", "+cpu70, "", "nginx"),
			in:      []string{"Deployment/ml/web by annotation ml-autoscaling.io/enabled"},
			sources: map[string]string{"Deployment/ml/web cpu-utilization": "annotation", "Deployment/ml/web min-replicas": "built-in default"}},
		{name: "pod-template annotation", input: deployment("web", "ml", "", on+", "+cpu70, "nginx"),
			in:      []string{"Deployment/ml/web by pod-template annotation ml-autoscaling.io/enabled"},
			sources: map[string]string{"Deployment/ml/web cpu-utilization": "pod-template annotation ml-autoscaling.io/cpu-utilization"}},
		{name: "workload annotation above pod template", input: deployment("web", "ml", min3, on+", "+cpu70+", "+min2, "nginx"),
			in:      []string{"Deployment/ml/web by pod-template annotation ml-autoscaling.io/enabled"},
			sources: map[string]string{"Deployment/ml/web min-replicas": "annotation"}},
		{name: "workload enabled false overrides pod template", input: deployment("web", "ml", off, on+", "+cpu70, "nginx"),
			notScaled: []string{`Deployment/ml/web: annotation ml-autoscaling.io/enabled is not "true"`}},
		{name: "keys without enabled", input: deployment("web", "ml", "", cpu70, "nginx"),
			notScaled: []string{"Deployment/ml/web: carries ml-autoscaling.io/ keys, but neither"}},
		{name: "no keys, no rules: not a candidate", input: deployment("web", "ml", "", "", "nginx")},
		{name: "rule opts in", input: deployment("celery-worker", "ml", "", "", "python") + "---\n" + deployment("web", "ml", "", "", "nginx"), spec: workers,
			in:      []string{"Deployment/ml/celery-worker by policy rule workers"},
			sources: map[string]string{"Deployment/ml/celery-worker min-replicas": "policy rule workers"}},
		{name: "annotations above rule", input: deployment("celery-worker", "ml", min2, "", "python"), spec: workers,
			in:      []string{"Deployment/ml/celery-worker by policy rule workers"},
			sources: map[string]string{"Deployment/ml/celery-worker min-replicas": "annotation", "Deployment/ml/celery-worker cpu-utilization": "policy rule workers"}},
		{name: "pod annotation above rule", input: deployment("celery-worker", "ml", "", min2, "python"), spec: workers,
			in:      []string{"Deployment/ml/celery-worker by policy rule workers"},
			sources: map[string]string{"Deployment/ml/celery-worker min-replicas": "pod-template annotation ml-autoscaling.io/min-replicas"}},
		{name: "enabled false overrides rule", input: deployment("celery-worker", "ml", off, "", "python"), spec: workers,
			notScaled: []string{"Deployment/ml/celery-worker: annotation ml-autoscaling.io/enabled is not \"true\"; it overrides policy rule(s) workers"}},
		{name: "rule above profile above defaults", input: deployment("celery-worker", "ml", "", "", "python"),
			spec: "  defaults: {maxReplicas: \"7\", pollingInterval: \"15\"}\n  profiles:\n    big: {maxReplicas: \"30\"}\n" +
				"  rules:\n  - name: w\n    match: {names: [\"*-worker\"]}\n    settings: {profile: big, cpuUtilization: \"60\"}\n",
			in: []string{"Deployment/ml/celery-worker by policy rule w"},
			sources: map[string]string{"Deployment/ml/celery-worker max-replicas": "profile big", "Deployment/ml/celery-worker polling-interval": "policy defaults",
				"Deployment/ml/celery-worker profile": "policy rule w"}},
		{name: "exclude", input: deployment("canary-worker", "ml", "", "", "python"),
			spec:      "  rules:\n  - name: w\n    match: {names: [\"*-worker\"]}\n    exclude: {names: [\"canary-*\"]}\n    settings: {cpuUtilization: \"60\"}\n",
			notScaled: []string{"Deployment/ml/canary-worker: excluded by the exclude of policy rule(s) w"}},
		{name: "two rules agree", input: deployment("celery-worker", "ml", "", "", "python:3.12"),
			spec: workers + "  - name: python\n    match: {images: [\"python:*\"]}\n    settings: {minReplicas: \"4\"}\n",
			in:   []string{"Deployment/ml/celery-worker by policy rules workers, python"}},
		{name: "two rules conflict", input: deployment("celery-worker", "ml", "", "", "python:3.12"),
			spec:      workers + "  - name: python\n    match: {images: [\"python:*\"]}\n    settings: {minReplicas: \"5\"}\n",
			notScaled: []string{"Deployment/ml/celery-worker: errors, listed below"},
			errs:      []string{`Deployment/ml/celery-worker: policy spec.rules[python].settings.minReplicas: "5": policy rules workers and python both select this workload and set minReplicas differently (workers sets "4")`}},
		{name: "rule by namespace, namespace unknown", input: deployment("web", "", "", "", "nginx"),
			spec:      "  rules:\n  - name: ml\n    match: {namespaces: [ml]}\n    settings: {cpuUtilization: \"60\"}\n",
			notScaled: []string{"Deployment/web: errors, listed below"},
			errs:      []string{"Deployment/web: metadata.namespace: policy rule ml selects by namespace, and this workload's namespace is unknown"}},
		{name: "rule by namespace, release namespace", input: deployment("web", "", "", "", "nginx"), release: "ml",
			spec: "  rules:\n  - name: ml\n    match: {namespaces: [ml]}\n    settings: {cpuUtilization: \"60\"}\n",
			in:   []string{"Deployment/web by policy rule ml"}},
		{name: "rule by labels", input: deployment("a", "ml", "", "", "x") + "---\n" + deployment("b", "ml", "", "", "x"),
			spec: "  rules:\n  - name: l\n    match: {labels: {matchLabels: {app: b}}, podLabels: {matchExpressions: [{key: tier, operator: In, values: [b, c]}]}}\n    settings: {cpuUtilization: \"60\"}\n",
			in:   []string{"Deployment/ml/b by policy rule l"}},
		{name: "bad value names the pod-template field", input: deployment("web", "ml", "", on+", "+cpu70+`, ml-autoscaling.io/min-replicas: "-1"`, "nginx"),
			notScaled: []string{"Deployment/ml/web: errors, listed below"},
			errs:      []string{`Deployment/ml/web: spec.template.metadata.annotations.ml-autoscaling.io/min-replicas: "-1": out of range`}},
		{name: "unknown pod-template key", input: deployment("web", "ml", "", `ml-autoscaling.io/min-replica: "1"`, "nginx"),
			notScaled: []string{"Deployment/ml/web: errors, listed below"},
			errs:      []string{"Deployment/ml/web: spec.template.metadata.annotations.ml-autoscaling.io/min-replica: unknown annotation; did you mean ml-autoscaling.io/min-replicas?"}},
		{name: "duplicate", input: deployment("web", "ml", on+", "+cpu70, "", "nginx") + "---\n" + deployment("web", "ml", on+", "+cpu70, "", "nginx"),
			in: []string{"Deployment/ml/web by annotation ml-autoscaling.io/enabled"}, notScaled: []string{"Deployment/ml/web: errors, listed below"},
			errs: []string{"duplicate of an earlier Deployment"}},
		{name: "hook", input: strings.Replace(deployment("web", "ml", on+", "+cpu70, "", "nginx"), "annotations: {", "annotations: {helm.sh/hook: pre-install, ", 1),
			notScaled: []string{"Deployment/ml/web: a Helm hook"}},
		{name: "rule opts in a workload whose name the API server rejects", input: deployment("Celery_worker", "ml", "", "", "python"),
			spec:      "  rules:\n  - name: w\n    match: {images: [\"python\"]}\n    settings: {cpuUtilization: \"60\"}\n",
			notScaled: []string{"Deployment/ml/Celery_worker: errors, listed below"},
			errs:      []string{`Deployment/ml/Celery_worker: metadata.name: "Celery_worker"`}},
		{name: "pod-template opt-in with a negative request", input: strings.Replace(deployment("web", "ml", "", on+", "+cpu70, "nginx"),
			`image: "nginx"`, `image: "nginx", resources: {requests: {cpu: "-1"}}`, 1),
			notScaled: []string{"Deployment/ml/web: errors, listed below"},
			errs:      []string{"Deployment/ml/web: spec.template.spec.containers[c].resources.requests.cpu"}},
		{name: "unreadable metadata with keys", input: "apiVersion: apps/v1\nkind: Deployment\nmetadata: oops\nspec: {template: {metadata: {annotations: {" + on + "}}}}\n",
			errs: []string{"Deployment/(no name): metadata: metadata is not a mapping"}},
		{name: "unreadable metadata without keys", input: "apiVersion: apps/v1\nkind: Deployment\nmetadata: oops\n"},
		{name: "unreadable metadata a rule may select", input: "apiVersion: apps/v1\nkind: Deployment\nmetadata: oops\n",
			spec: "  rules:\n  - name: all\n    match: {kinds: [Deployment]}\n    settings: {cpuUtilization: \"60\"}\n",
			errs: []string{"metadata is not a mapping"}},
		{name: "unreadable pod-template metadata", input: deployment("web", "ml", on, "", "x") + "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s, annotations: {" + on + "}}\nspec: {template: {metadata: [a]}}\n",
			in:   []string{"Deployment/ml/web by annotation ml-autoscaling.io/enabled"},
			errs: []string{"StatefulSet/s: spec.template.metadata: spec.template.metadata is not a mapping"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(testkit.Items(t, c.input), testkit.Policy(t, c.spec), c.release)
			var in []string
			for _, w := range d.InScope {
				in = append(in, w.Ref.String()+" by "+w.OptIn)
				for k, want := range c.sources {
					ref, key, _ := strings.Cut(k, " ")
					if ref == w.Ref.String() {
						require.Equal(t, want, w.Spec.Sources[key], k)
					}
				}
			}
			require.Equal(t, c.in, in)
			require.Len(t, d.NotScaled, len(c.notScaled))
			for i, want := range c.notScaled {
				require.Contains(t, d.NotScaled[i].Ref.String()+": "+d.NotScaled[i].Reason, want)
			}
			errs := d.Diagnostics.Errors()
			require.Len(t, errs, len(c.errs), errs.Error())
			for i, want := range c.errs {
				require.Contains(t, errs[i].Error(), want)
			}
		})
	}
}

// TestMarkersFindEverySelectedWorkload checks the cheap scan's contract:
// every document the decision looks into holds one of the markers.
func TestMarkersFindEverySelectedWorkload(t *testing.T) {
	docs := []string{
		deployment("celery-worker", "ml", "", "", "python:3.12"),
		deployment("web", "ml", "", "", "nvcr.io/nvidia/tritonserver:24.01"),
		deployment("b", "ml", "", "", "x"),
		deployment("web", "", "", "", "nginx"),
		"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: oops\nspec: {template: {spec: {containers: [{image: \"python:3\"}]}}}\n",
	}
	for _, spec := range []string{
		workers,
		"  rules:\n  - name: i\n    match: {images: [\"*tritonserver*\", \"python:*\"]}\n",
		"  rules:\n  - name: l\n    match: {labels: {matchLabels: {app: b}}}\n",
		"  rules:\n  - name: e\n    match: {podLabels: {matchExpressions: [{key: tier, operator: NotIn, values: [x]}]}}\n",
		"  rules:\n  - name: k\n    match: {kinds: [StatefulSet]}\n",
		"  rules:\n  - name: n\n    match: {namespaces: [\"m*\"]}\n",
		"  rules:\n  - name: any\n    match: {names: [\"*\"]}\n",
	} {
		sc := New(testkit.Policy(t, spec), "ml")
		markers := sc.Markers()
		for _, doc := range docs {
			if !sc.Candidate(testkit.Items(t, doc)[0]) {
				continue
			}
			found := false
			for _, m := range markers {
				found = found || bytes.Contains([]byte(doc), m)
			}
			require.True(t, found, "policy %s: no marker in a document the decision looks into:\n%s", spec, doc)
		}
	}
}

func TestMarkers(t *testing.T) {
	for _, c := range []struct {
		spec string
		want []string
	}{
		{"", []string{"ml-autoscaling.io", `\x`, `\u`, `\U`}},
		{workers, []string{"ml-autoscaling.io", `\x`, `\u`, `\U`, `\/`, "\\\n", "\\\r\n", "-worker"}},
		{"  rules:\n  - name: i\n    match: {names: [\"*\"], images: [\"*triton*\"]}\n", []string{"triton"}},
		{"  rules:\n  - name: l\n    match: {labels: {matchLabels: {app.kubernetes.io/component: worker}}}\n", []string{"worker"}},
		{"  rules:\n  - name: e\n    match: {names: [\"a*\"], podLabels: {matchExpressions: [{key: tier, operator: In, values: [serving, batch]}]}}\n", []string{"serving", "batch"}},
		{"  rules:\n  - name: k\n    match: {namespaces: [ml]}\n", []string{"Deployment", "StatefulSet"}},
	} {
		var got []string
		for _, m := range New(testkit.Policy(t, c.spec), "").Markers() {
			got = append(got, string(m))
		}
		if c.spec == "" || c.spec == workers {
			require.Equal(t, c.want, got)
			continue
		}
		require.Subset(t, got, c.want)
	}
}

func TestHistoryNamespace(t *testing.T) {
	for _, c := range []struct{ own, release, want string }{
		{"ml", "", "ml"}, {"ml", "other", "ml"}, {"", "ml", "ml"}, {"", "", "default"},
	} {
		require.Equal(t, c.want, New(nil, c.release).HistoryNamespace(c.own))
	}
}

func TestLocate(t *testing.T) {
	in := deployment("celery-worker", "ml", min2, `ml-autoscaling.io/max-replicas: "9"`, "python")
	w := Decide(testkit.Items(t, in), testkit.Policy(t, workers), "").InScope[0]
	for key, want := range map[string]string{
		"cpu-utilization": "policy spec.rules[workers].settings.cpuUtilization",
		"enabled":         "policy spec.rules[workers].match",
		"max-replicas":    "spec.template.metadata.annotations.ml-autoscaling.io/max-replicas",
		"min-replicas":    "ml-autoscaling.io/min-replicas",
	} {
		d := diag.List{{Resource: w.Ref, Field: "ml-autoscaling.io/" + key}, {Resource: diag.Ref{Kind: "Deployment", Name: "other"}, Field: "ml-autoscaling.io/" + key}}
		got := w.Locate(d)
		require.Equal(t, want, got[0].Field, key)
		require.Equal(t, "ml-autoscaling.io/"+key, got[1].Field, "another resource's diagnostic is left alone")
	}
}
