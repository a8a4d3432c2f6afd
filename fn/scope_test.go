package main

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testkit"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/stretchr/testify/require"
)

// runPostrender runs the built post-renderer with stdin and arguments.
func runPostrender(t *testing.T, stdin []byte, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(testbin.Build(t, "./postrender", "ml-autoscaling-postrender"), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.Env = append(os.Environ(), "HELM_NAMESPACE=", "ML_AUTOSCALING_CONFIG=", "ML_AUTOSCALING_HISTORY=", "HELM_PLUGIN_NAME=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

const predictiveWorker = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  annotations:
    ml-autoscaling.io/enabled: "true"
    ml-autoscaling.io/rabbitmq-queue: jobs
    ml-autoscaling.io/rabbitmq-secret: rabbitmq-conn
%s
spec:
  template:
    spec:
      containers: [{name: w, image: python:3.12-slim}]
`

// TestRecordSeesProfileSettings: a profile with predictive: "true" makes a
// workload predictive for record as it does for plan (record used to read
// the raw annotation only).
func TestRecordSeesProfileSettings(t *testing.T) {
	dir := t.TempDir()
	manifests := strings.Replace(predictiveWorker, "%s", `    ml-autoscaling.io/profile: forecast`, 1)
	policy := testkit.Policy(t, "  profiles:\n    forecast: {predictive: \"true\"}\n")
	jobs, _, err := recordJobs(testkit.Items(t, manifests), policy, "ml")
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	require.Equal(t, "worker", jobs[0].Name)

	cfg := writeFile(t, dir, "policy.yaml", "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n  profiles:\n    forecast: {predictive: \"true\"}\n")
	out, _, err := runFn("plan", "--namespace", "ml", cfg, writeFile(t, dir, "m.yaml", manifests))
	require.NoError(t, err)
	require.Contains(t, out, "predictive schedule")

	// and a policy rule does the same
	rule := testkit.Policy(t, "  rules:\n  - name: w\n    match: {names: [worker]}\n    settings: {predictive: \"true\"}\n")
	jobs, _, err = recordJobs(testkit.Items(t, strings.Replace(predictiveWorker, "%s", "", 1)), rule, "ml")
	require.NoError(t, err)
	require.Len(t, jobs, 1)
}

// TestHistoryWithoutNamespace: record without --namespace names the
// history's namespace "default" (and says so); the post-renderer and the
// function without a namespace then use that history (the post-renderer
// used to reject it as belonging to no workload).
func TestHistoryWithoutNamespace(t *testing.T) {
	manifests := strings.Replace(predictiveWorker, "%s", `    ml-autoscaling.io/predictive: "true"`, 1)
	jobs, warnings, err := recordJobs(testkit.Items(t, manifests), testkit.Policy(t, ""), "")
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	require.Equal(t, history.DefaultNamespace, jobs[0].Namespace)
	require.Len(t, warnings, 1)
	require.Contains(t, warnings[0], "--namespace is not set")

	// the history record would write for that job
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	h := &history.History{Name: jobs[0].Name, Namespace: jobs[0].Namespace, Query: "q",
		Target: history.Target{Kind: jobs[0].Kind, Name: jobs[0].Name, Namespace: jobs[0].Namespace},
		Start:  start, Step: 30 * time.Minute}
	for i := range 14 * 48 {
		h.Values = append(h.Values, math.Round(5+4*math.Sin(2*math.Pi*float64(i)/48)))
	}
	data, err := history.Encode(h)
	require.NoError(t, err)
	dir := t.TempDir()
	hist := writeFile(t, dir, "history/"+history.FileName(jobs[0].Namespace, jobs[0].Name), string(data))

	out, stderr, err := runPostrender(t, []byte(manifests), "--history", filepath.Dir(hist))
	require.NoError(t, err, stderr)
	require.Contains(t, out, "type: cron", "the history drives a schedule")
	fnOut, stderr, err := runFn("", writeFile(t, dir, "m.yaml", manifests), hist)
	require.NoError(t, err, stderr)
	require.Equal(t, canonicalDocs(t, out), canonicalDocs(t, fnOut))

	// with the release namespace known, a history recorded for "default" is someone else's
	_, stderr, err = runPostrender(t, []byte(manifests), "--history", filepath.Dir(hist), "--namespace", "ml")
	require.Error(t, err)
	require.Contains(t, stderr, `no such workload asks for a predictive schedule (namespace "default")`)
}

// TestDoorsReadTheSameResources: what the post-renderer copies untouched,
// the function keeps too, and what one refuses the other refuses.
func TestDoorsReadTheSameResources(t *testing.T) {
	opted := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ml, annotations: {ml-autoscaling.io/enabled: \"true\", ml-autoscaling.io/cpu-utilization: \"70\"}}\n" +
		"spec: {template: {spec: {containers: [{name: c, image: x, resources: {requests: {cpu: 100m}}}]}}}\n"
	for _, c := range []struct {
		name, input string
		fails       bool
		// policyPath "" runs both with the built-in policy
		want []string
	}{
		{name: "lone List of ConfigMaps stays whole",
			input: "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n",
			want:  []string{"kind: List"}},
		{name: "lone List with an opted-in workload is expanded",
			input: "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSpace(opted), "\n", "\n  ") + "\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n",
			want:  []string{"kind: ScaledObject"}},
		{name: "metadata: oops without any key passes",
			input: opted + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: oops\nspec: {}\n",
			want:  []string{"metadata: oops", "kind: ScaledObject"}},
		{name: "metadata: oops with a pod-template key fails",
			input: "apiVersion: apps/v1\nkind: Deployment\nmetadata: oops\nspec: {template: {metadata: {annotations: {ml-autoscaling.io/enabled: \"true\"}}}}\n",
			fails: true, want: []string{"metadata is not a mapping"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := writeFile(t, t.TempDir(), "in.yaml", c.input)
			fnOut, fnErr, err := runFn("", in)
			prOut, prErr, prErrV := runPostrender(t, []byte(c.input))
			if c.fails {
				require.Error(t, err)
				require.Error(t, prErrV)
				require.Empty(t, fnOut)
				require.Empty(t, prOut)
				for _, w := range c.want {
					require.Contains(t, fnErr, w)
					require.Contains(t, prErr, w)
				}
				return
			}
			require.NoError(t, err, fnErr)
			require.NoError(t, prErrV, prErr)
			require.Equal(t, canonicalDocs(t, prOut), canonicalDocs(t, fnOut))
			for _, w := range c.want {
				require.Contains(t, prOut, w)
			}
		})
	}
}

// TestEmptyPolicyArgument: "" as the policy of the standalone function means
// the built-in defaults, as plan documents (it used to fail with "open : no
// such file").
func TestEmptyPolicyArgument(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ml, annotations: {ml-autoscaling.io/enabled: \"true\", ml-autoscaling.io/cpu-utilization: \"70\"}}\n"+
		"spec: {template: {spec: {containers: [{name: c, image: x, resources: {requests: {cpu: 100m}}}]}}}\n")
	empty := writeFile(t, dir, "policy.yaml", "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\n")
	out, stderr, err := runFn("", in)
	require.NoError(t, err, stderr)
	withFile, _, err := runFn(empty, in)
	require.NoError(t, err)
	require.Equal(t, withFile, out)
	plan, _, err := runFn("plan", "", in)
	require.NoError(t, err)
	require.Contains(t, plan, "Deployment/ml/web")
}

// canonicalDocs renders each document of a stream in one canonical form, for
// comparing outputs that may differ in formatting only.
func canonicalDocs(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	for _, n := range testkit.Items(t, s) {
		out = append(out, n.MustString())
	}
	return out
}

// scopeReport is what one door says about scope: the workloads it scales,
// the predictive ones among them, and those it lists as not scaled.
type scopeReport struct {
	scaled, predictive, notScaled []string
}

var (
	planHeader    = regexp.MustCompile(`(?m)^((?:Deployment|StatefulSet)/\S+)  \[`)
	notScaledLine = regexp.MustCompile(`(?m)^  ((?:Deployment|StatefulSet)/\S+): `)
)

// readExplanation reads an explanation (plan, --explain) back into a scopeReport.
func readExplanation(text string) scopeReport {
	var r scopeReport
	scaled, rest, _ := strings.Cut(text, "\nNot scaled:\n")
	if strings.HasPrefix(text, "Not scaled:\n") {
		scaled, rest = "", strings.TrimPrefix(text, "Not scaled:\n")
	}
	blocks := planHeader.FindAllStringSubmatchIndex(scaled, -1)
	for i, b := range blocks {
		end := len(scaled)
		if i+1 < len(blocks) {
			end = blocks[i+1][0]
		}
		ref := scaled[b[2]:b[3]]
		r.scaled = append(r.scaled, ref)
		if strings.Contains(scaled[b[0]:end], "predictive schedule") {
			r.predictive = append(r.predictive, ref)
		}
	}
	for _, m := range notScaledLine.FindAllStringSubmatch(rest, -1) {
		r.notScaled = append(r.notScaled, m[1])
	}
	return r
}

// TestDoorsAgreeOnScope runs plan, the function (--explain), the
// post-renderer (--explain) and record's workload selection on every golden
// case: they scale the same workloads, list the same ones as not scaled,
// and record picks exactly the predictive ones among those scaled.
func TestDoorsAgreeOnScope(t *testing.T) {
	for _, c := range goldenCases(t, false) {
		t.Run(c.name, func(t *testing.T) {
			_, errFile := os.Stat(filepath.Join(c.dir, "errors.txt"))
			fails := errFile == nil
			var stream []byte
			for _, in := range c.inputs {
				b, err := os.ReadFile(in)
				require.NoError(t, err)
				stream = append(append(stream, b...), "\n---\n"...)
			}
			planOut, _, planErr := runFn(append([]string{"plan", c.config}, c.inputs...)...)
			_, fnStderr, fnErr := runFn(append([]string{"--explain", c.config}, c.inputs...)...)
			_, prStderr, prErr := runPostrender(t, stream, "--explain", "--config="+c.config)
			if fails {
				require.Error(t, planErr, "plan")
				require.Error(t, fnErr, "function")
				require.Error(t, prErr, "post-renderer")
				return
			}
			require.NoError(t, planErr, planOut)
			require.NoError(t, fnErr, fnStderr)
			require.NoError(t, prErr, prStderr)
			plan := readExplanation(planOut)
			require.Equal(t, plan, readExplanation(fnStderr), "function --explain")
			require.Equal(t, plan, readExplanation(prStderr), "post-renderer --explain")

			policy, _, err := cli.LoadPolicy(c.config)
			require.NoError(t, err)
			items, err := readInputs(nil, c.inputs)
			require.NoError(t, err)
			jobs, _, err := recordJobs(items, policy, "")
			require.NoError(t, err)
			var recorded, predictive []string
			for _, j := range jobs {
				recorded = append(recorded, j.Kind+"/"+j.Name)
			}
			for _, ref := range plan.predictive {
				parts := strings.Split(ref, "/")
				predictive = append(predictive, parts[0]+"/"+parts[len(parts)-1])
			}
			slices.Sort(recorded)
			slices.Sort(predictive)
			require.Equal(t, predictive, recorded, "record")
		})
	}
}
