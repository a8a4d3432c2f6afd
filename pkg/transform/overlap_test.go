package transform

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
	"github.com/stretchr/testify/require"
)

// wl renders a workload; ann "" means not opted in, "gpu" a vLLM GPU
// workload, "cpu" a CPU-triggered one.
func wl(kind, name, ann, selector, labels string) string {
	a := ""
	switch ann {
	case "gpu":
		a = "  annotations: {ml-autoscaling.io/enabled: \"true\"}\n"
	case "cpu":
		a = "  annotations: {ml-autoscaling.io/enabled: \"true\", ml-autoscaling.io/cpu-utilization: \"60\"}\n"
	}
	res := "{requests: {cpu: 100m}}"
	if ann == "gpu" {
		res = "{limits: {nvidia.com/gpu: 1}}"
	}
	return fmt.Sprintf("apiVersion: apps/v1\nkind: %s\nmetadata:\n  name: %s\n  namespace: ml\n%sspec:\n  selector: %s\n  template:\n    metadata:\n      labels: %s\n    spec:\n      containers: [{name: c, image: vllm/vllm-openai:v1, resources: %s}]\n",
		kind, name, a, selector, labels, res)
}

func hpaOf(kind, name string) string {
	return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: " + name + "-hpa, namespace: ml}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: " + kind + ", name: " + name + "}\n  minReplicas: 1\n  maxReplicas: 3\n"
}

func run(t *testing.T, docs ...string) diag.List {
	t.Helper()
	return Run(items(t, strings.Join(docs, "---\n")), Options{}).Diagnostics
}

// only returns the diagnostics of one severity, one per line.
func only(d diag.List, sev diag.Severity) string {
	var b strings.Builder
	for _, x := range d {
		if x.Severity == sev {
			b.WriteString(x.Error() + "\n")
		}
	}
	return b.String()
}

func TestSelectorOverlap(t *testing.T) {
	long := "prod-llama-3-1-8b-instruct-fp8-deployment-vllm-inference-server"
	for _, c := range []struct {
		name   string
		docs   []string
		errors []string // substrings, one per expected error; none: no error
	}{
		{"two scaled Deployments sharing a selector label (kedacore/keda#4683)", []string{
			wl("Deployment", "api", "cpu", "{matchLabels: {group: xxxx}}", "{group: xxxx, app: api}"),
			wl("Deployment", "svc", "cpu", "{matchLabels: {group: xxxx}}", "{group: xxxx, app: svc}"),
		}, []string{"Deployment/ml/svc: spec.selector: \"group=xxxx\": the selector of Deployment/ml/svc (group=xxxx) selects the pods of Deployment/ml/api (labels app=api,group=xxxx), and the selector of Deployment/ml/api (group=xxxx) selects the pods of Deployment/ml/svc (labels app=svc,group=xxxx); KEDA's HPAs for Deployment/ml/api and Deployment/ml/svc would both stop with AmbiguousSelector"}},
		{"selectors that tell them apart", []string{
			wl("Deployment", "api", "cpu", "{matchLabels: {group: xxxx, app: api}}", "{group: xxxx, app: api}"),
			wl("Deployment", "svc", "cpu", "{matchLabels: {group: xxxx, app: svc}}", "{group: xxxx, app: svc}"),
		}, nil},
		{"pods carrying both selectors' labels (kubernetes#112027)", []string{
			wl("Deployment", "a", "cpu", "{matchLabels: {pod: a}}", "{pod: a, role: b}"),
			wl("Deployment", "b", "cpu", "{matchLabels: {role: b}}", "{pod: x, role: b}"),
		}, []string{"the selector of Deployment/ml/b (role=b) selects the pods of Deployment/ml/a"}},
		{"matchExpressions In and Exists", []string{
			wl("Deployment", "a", "cpu", "{matchExpressions: [{key: app, operator: In, values: [a, b]}]}", "{app: a}"),
			wl("StatefulSet", "b", "cpu", "{matchExpressions: [{key: app, operator: Exists}, {key: shard, operator: Exists}]}", "{app: b, shard: \"1\"}"),
		}, []string{"the selector of Deployment/ml/a (app in (a,b)) selects the pods of StatefulSet/ml/b"}},
		{"matchExpressions NotIn and DoesNotExist keep them apart", []string{
			wl("Deployment", "a", "cpu", "{matchLabels: {app: a}, matchExpressions: [{key: canary, operator: DoesNotExist}]}", "{app: a}"),
			wl("Deployment", "a-canary", "cpu", "{matchLabels: {app: a, canary: \"true\"}}", "{app: a, canary: \"true\"}"),
			wl("Deployment", "b", "cpu", "{matchExpressions: [{key: app, operator: NotIn, values: [a]}]}", "{app: b}"),
		}, nil},
		{"an HPA of another workload whose selector selects the scaled pods (kedacore/keda#5825)", []string{
			wl("Deployment", "msgrtr", "cpu", "{matchLabels: {rtf-id: d20e76b6}}", "{rtf-id: d20e76b6, app: msgrtr}"),
			wl("Deployment", "msgrtr-canary", "", "{matchLabels: {rtf-id: d20e76b6}}", "{rtf-id: d20e76b6, app: canary}"),
			hpaOf("Deployment", "msgrtr-canary"),
		}, []string{"HorizontalPodAutoscaler/ml/msgrtr-canary-hpa: spec.scaleTargetRef: \"Deployment/msgrtr-canary\": this HPA scales Deployment/ml/msgrtr-canary, and the selector of Deployment/ml/msgrtr (rtf-id=d20e76b6) selects the pods of Deployment/ml/msgrtr-canary (labels app=canary,rtf-id=d20e76b6), and the selector of Deployment/ml/msgrtr-canary (rtf-id=d20e76b6) selects the pods of Deployment/ml/msgrtr (labels app=msgrtr,rtf-id=d20e76b6); the HPA controller would stop it and KEDA's HPA for Deployment/ml/msgrtr with AmbiguousSelector"}},
		{"the same workloads without the HPA", []string{
			wl("Deployment", "msgrtr", "cpu", "{matchLabels: {rtf-id: d20e76b6, app: msgrtr}}", "{rtf-id: d20e76b6, app: msgrtr}"),
			wl("Deployment", "msgrtr-canary", "", "{matchLabels: {rtf-id: d20e76b6}}", "{rtf-id: d20e76b6, app: canary}"),
		}, nil},
		{"an HPA of a workload that is not in the input", []string{
			wl("Deployment", "msgrtr", "cpu", "{matchLabels: {app: msgrtr}}", "{app: msgrtr}"),
			hpaOf("Deployment", "elsewhere"),
		}, nil},
		{"a selector Kubernetes rejects", []string{
			wl("Deployment", "a", "cpu", "{matchExpressions: [{key: app, operator: Gt, values: [\"1\"]}]}", "{app: a}"),
		}, []string{"Deployment/ml/a: spec.selector.matchExpressions[0].operator: \"Gt\": not a label selector operator"}},
		{"a GPU workload and an unscaled one sharing its first 58 characters", []string{
			wl("Deployment", long, "gpu", "{matchLabels: {app: a}}", "{app: a}"),
			wl("Deployment", long[:58]+"-canary", "", "{matchLabels: {app: b}}", "{app: b}"),
		}, nil},
		{"two scaled GPU workloads sharing their first 58 characters", []string{
			wl("Deployment", long, "gpu", "{matchLabels: {app: a}}", "{app: a}"),
			wl("Deployment", long[:58]+"-canary", "gpu", "{matchLabels: {app: b}}", "{app: b}"),
		}, []string{"both are scaled, and this workload's GPU triggers would count the other's pods"}},
		{"vllm and vllm-small", []string{
			wl("Deployment", "vllm", "gpu", "{matchLabels: {app: a}}", "{app: a}"),
			wl("Deployment", "vllm-small", "gpu", "{matchLabels: {app: b}}", "{app: b}"),
		}, nil},
	} {
		d := run(t, c.docs...)
		errs := only(d, diag.Error)
		require.Equal(t, len(c.errors), strings.Count(errs, "\n"), "%s:\n%s", c.name, errs)
		for _, e := range c.errors {
			require.Contains(t, errs, e, c.name)
		}
	}
}

func TestPodNameWarning(t *testing.T) {
	long := "prod-llama-3-1-8b-instruct-fp8-deployment-vllm-inference-server"
	d := run(t,
		wl("Deployment", long, "gpu", "{matchLabels: {app: a}}", "{app: a}"),
		wl("Deployment", long[:58]+"-canary", "", "{matchLabels: {app: b}}", "{app: b}"))
	w := only(d, diag.Warning)
	require.Contains(t, w, "Deployment/ml/"+long+": metadata.name: the GPU triggers select pods by name with "+long[:58]+"[24-9b-df-hj-np-tv-xz]{5}, which also matches "+long[:58]+"22222, a name Kubernetes can give a pod of Deployment/ml/"+long[:58]+"-canary")
	require.Equal(t, 1, strings.Count(w, "\n"), w)
}

// TestRelatedFindsEveryConfusableWorkload checks that the post-renderer's
// extra scan reads every workload whose pods a GPU workload's pattern may
// select: for random names built to collide, whenever podname reports a
// collision, Related must pick the other workload's document.
func TestRelatedFindsEveryConfusableWorkload(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	const chars = "bcdf4567-x"
	randomName := func(n int) string {
		b := []byte(strings.Repeat("a", n))
		for i := 1; i < n-1; i++ {
			b[i] = chars[r.Intn(len(chars))]
			if b[i] == '-' && b[i-1] == '-' {
				b[i] = 'x'
			}
		}
		return string(b)
	}
	found := 0
	for range 4000 {
		a := randomName(3 + r.Intn(70))
		if r.Intn(2) == 0 {
			a = randomName(44 + r.Intn(20)) // where pod-name prefixes are cut
		}
		var b string
		switch r.Intn(3) {
		case 0: // a longer name
			b = a + randomName(2 + r.Intn(12))[1:]
		case 1: // a shorter one
			b = strings.TrimRight(a[:1+r.Intn(len(a))], "-")
		default: // the same first characters, then others
			k := 1 + r.Intn(len(a))
			b = strings.TrimRight(a[:k], "-") + randomName(2 + r.Intn(20))[1:]
		}
		kinds := []string{"Deployment", "StatefulSet"}
		ak, bk := kinds[r.Intn(2)], kinds[r.Intn(2)]
		if (ak == "StatefulSet" && len(a) > 63) || (bk == "StatefulSet" && len(b) > 63) || (a == b && ak == bk) {
			continue
		}
		if _, ok := podname.Collision(podname.Workload{Kind: ak, Name: a, MaxOrdinal: 99999}, podname.Workload{Kind: bk, Name: b, MaxOrdinal: 99999}); !ok {
			continue
		}
		found++
		related := Related(items(t, wl(ak, a, "gpu", "{matchLabels: {app: a}}", "{app: a}")), scope.New(nil, ""))
		require.True(t, related([]byte(wl(bk, b, "", "{matchLabels: {app: b}}", "{app: b}"))), "%s %s is not read for %s %s", bk, b, ak, a)
	}
	require.Greater(t, found, 100)
}

func TestRelatedReadsHPATargets(t *testing.T) {
	related := Related(items(t, hpaOf("Deployment", "canary")), scope.New(nil, ""))
	require.True(t, related([]byte(wl("Deployment", "canary", "", "{}", "{}"))))
	require.False(t, related([]byte(wl("Deployment", "other", "", "{}", "{}"))))
	require.False(t, related([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: canary}\n")), "only workloads")
	require.False(t, Related(items(t, wl("Deployment", "w", "cpu", "{}", "{}")), scope.New(nil, ""))([]byte(wl("Deployment", "w-x", "", "{}", "{}"))), "a CPU workload selects no pods by name")
}

// TestRelatedFollowsScope: the look-alikes of a GPU workload that a policy
// rule opts in (it carries no annotation) are read too, and only then.
func TestRelatedFollowsScope(t *testing.T) {
	gpu := strings.Replace(wl("Deployment", "chat", "gpu", "{matchLabels: {app: chat}}", "{app: chat}"), "  annotations: {ml-autoscaling.io/enabled: \"true\"}\n", "", 1)
	other := []byte(wl("Deployment", "chat-eval", "", "{matchLabels: {app: eval}}", "{app: eval}"))
	require.False(t, Related(items(t, gpu), scope.New(nil, ""))(other), "not in scope without a rule")
	rule := policy(t, "  rules:\n  - name: chat\n    match: {names: [chat]}\n")
	require.True(t, Related(items(t, gpu), scope.New(rule, ""))(other))
}
