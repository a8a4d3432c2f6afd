package transform

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/explain"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// stageWorkload is promWorkload with a one-series query and replicas set.
var stageWorkload = strings.Replace(promWorkload, "%s", "sum(x)", 1) + "  replicas: 3\n"

const (
	stageHPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: w, namespace: ml}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: w}
  maxReplicas: 4
`
	stageHandWritten = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: mine, namespace: ml}
spec:
  scaleTargetRef: {name: w}
  triggers: [{type: cpu, metadata: {value: "50"}}]
`
	stageGenerated = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: w
  namespace: ml
  annotations: {ml-autoscaling.io/generated-for: Deployment/w}
spec:
  scaleTargetRef: {name: w}
  maxReplicaCount: 2
  triggers: [{type: cpu, metadata: {value: "50"}}]
`
	stageHistory = `apiVersion: ml-autoscaling.io/v0
kind: ScalingHistory
metadata: {name: h, namespace: ml}
`
	stageConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ml}\n"
)

// join makes one stream of documents.
func join(docs ...string) string { return strings.Join(docs, "---\n") }

// planText is a plan's rows, one "setting: value" a line.
func planText(p *explain.Plan) string {
	var b strings.Builder
	for _, row := range p.Rows {
		b.WriteString(row.Setting + ": " + row.Value + "\n")
	}
	return b.String()
}

// runTo runs the stages before scaleWorkload on in.
func runTo(t *testing.T, in string, opts Options) *pipeline {
	t.Helper()
	r := prepare(items(t, in), opts)
	r.classify()
	r.indexScaledObjects()
	return r
}

// scaleAll runs scaleWorkload on every in-scope workload.
func scaleAll(r *pipeline) {
	for _, w := range r.workloads {
		r.scaleWorkload(w)
	}
}

func TestPrepareStage(t *testing.T) {
	tests := []struct {
		name, in, releaseNamespace string
		wantError                  string
		wantNotScaled              int
	}{
		{"defaults when no policy", stageWorkload, "", "", 0},
		{"bad release namespace", stageWorkload, "Not_A_Namespace", "release namespace (--namespace)", 0},
		{"opted out is listed", strings.Replace(stageWorkload, `enabled: "true"`, `enabled: "false"`, 1), "", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := prepare(items(t, tt.in), Options{ReleaseNamespace: tt.releaseNamespace})
			require.NotNil(t, r.policy)
			require.Len(t, r.notScaled, tt.wantNotScaled)
			if tt.wantError == "" {
				require.False(t, r.diags.HasErrors(), r.diags.Error())
				return
			}
			require.Contains(t, r.diags.Error(), tt.wantError)
		})
	}
}

func TestClassifyStage(t *testing.T) {
	tests := []struct {
		name                                            string
		in                                              string
		workloads, peers, hpas, scaled, generated, errs int
		keys                                            []key
	}{
		{"workload and its HPA", join(stageWorkload, stageHPA), 1, 1, 1, 0, 0, 0,
			[]key{{"Deployment", "ml", "w"}, {"HorizontalPodAutoscaler", "ml", "w"}}},
		{"hand-written ScaledObject", join(stageWorkload, stageHandWritten), 1, 1, 0, 1, 0, 0,
			[]key{{"Deployment", "ml", "w"}, {"ScaledObject", "ml", "mine"}}},
		{"generated ScaledObject", join(stageWorkload, stageGenerated), 1, 1, 0, 0, 1, 0,
			[]key{{"Deployment", "ml", "w"}, {"ScaledObject", "ml", "w"}}},
		{"history of an unsupported apiVersion", join(stageConfigMap, stageHistory), 0, 0, 0, 0, 0, 1,
			[]key{{kind: "ConfigMap"}, {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := prepare(items(t, tt.in), Options{})
			r.classify()
			got := []int{len(r.workloads), len(r.peers), len(r.hpas), len(r.scaled), len(r.generated), len(r.diags.Errors())}
			require.Equal(t, []int{tt.workloads, tt.peers, tt.hpas, tt.scaled, tt.generated, tt.errs}, got, "workloads, peers, hpas, scaled, generated, errors")
			require.Equal(t, tt.keys, r.itemKeys)
		})
	}
}

func TestScaleTarget(t *testing.T) {
	tests := []struct {
		name, ref, wantKind, wantName string
	}{
		{"no scaleTargetRef", "", "Deployment", ""},
		{"kind left out", "  scaleTargetRef: {name: a}\n", "Deployment", "a"},
		{"empty kind", "  scaleTargetRef: {kind: \"\", name: a}\n", "Deployment", "a"},
		{"StatefulSet", "  scaleTargetRef: {kind: StatefulSet, name: b}\n", "StatefulSet", "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := yaml.MustParse("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: s}\nspec:\n" + tt.ref + "  triggers: []\n")
			require.Equal(t, tt.wantKind, scaleTargetKind(s))
			require.Equal(t, tt.wantName, scaleTargetName(s))
		})
	}
}

func TestScaleWorkload(t *testing.T) {
	tests := []struct {
		name, in, policy string
		wantError        string
		wantPlan         string // a step of the workload's plan
		wantNotScaled    int
		wantChanged      bool
	}{
		{"replicas removed", stageWorkload, "", "", "removed (was 3)", 0, true},
		{"replicas kept", stageWorkload, "  keepReplicas: true\n", "", "kept", 0, false},
		{"hand-written ScaledObject for it", join(stageWorkload, stageHandWritten), "", "hand-written ScaledObject targets", "", 0, true},
		{"HPA with policy error", join(stageWorkload, stageHPA), "  hpaConflict: error\n", "HorizontalPodAutoscaler", "", 0, false},
		{"cpu trigger without requests", strings.Replace(stageWorkload, `threshold: "5"`, `threshold: "5"
    ml-autoscaling.io/cpu-utilization: "70"`, 1), "", "have no cpu request", "", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTo(t, tt.in, Options{Policy: policy(t, tt.policy)})
			scaleAll(r)
			require.Len(t, r.notScaled, tt.wantNotScaled)
			require.Equal(t, tt.wantChanged, r.out.Changed[r.workloads[0].Node])
			if tt.wantError != "" {
				require.Contains(t, r.diags.Error(), tt.wantError)
			} else {
				require.False(t, r.diags.HasErrors(), r.diags.Error())
			}
			if tt.wantPlan != "" {
				require.Len(t, r.out.Plans, 1)
				require.Contains(t, planText(r.out.Plans[0]), tt.wantPlan)
			}
		})
	}
}

func TestCrossChecks(t *testing.T) {
	tests := []struct {
		name, policy string
		wantWarning  string
	}{
		{"qualified address", "", ""},
		{"unqualified address", "  prometheus: {serverAddress: \"http://prometheus:9090\"}\n", "is not namespace-qualified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTo(t, stageWorkload, Options{Policy: policy(t, tt.policy)})
			scaleAll(r)
			r.crossChecks()
			if tt.wantWarning == "" {
				require.Empty(t, warnings(r.diags))
				require.Empty(t, r.shared)
				return
			}
			require.Contains(t, warnings(r.diags), tt.wantWarning)
			require.Len(t, r.shared, 1)
		})
	}
}

func TestSettleDiagnostics(t *testing.T) {
	on, off := Switch{On: true, Source: "--strict"}, Switch{Source: "--strict"}
	tests := []struct {
		name   string
		strict *Switch
		wantOK bool
	}{
		{"warning stays a warning", &off, true},
		{"strict makes it an error", &on, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTo(t, strings.Replace(promWorkload, "%s", "rate(x[5m])", 1), Options{Strict: tt.strict})
			scaleAll(r)
			r.crossChecks()
			require.Equal(t, tt.wantOK, r.settleDiagnostics(), r.diags.Error())
			require.Equal(t, r.diags, r.out.Diagnostics)
			require.Len(t, r.out.Plans, 1)
		})
	}
}

func TestAssemble(t *testing.T) {
	tests := []struct {
		name, in     string
		keep         bool
		wantKinds    string
		wantReplaced int
	}{
		{"new objects follow their workload", join(stageWorkload, stageConfigMap), false,
			"Deployment ScaledObject ConfigMap", 0},
		{"earlier object replaced in place", join(stageWorkload, stageConfigMap, stageGenerated), false,
			"Deployment ConfigMap ScaledObject", 1},
		{"history dropped", join(stageWorkload, strings.Replace(stageHistory, "v0", "v1alpha1", 1)), false,
			"Deployment ScaledObject", 0},
		{"history kept", join(stageWorkload, strings.Replace(stageHistory, "v0", "v1alpha1", 1)), true,
			"Deployment ScaledObject ScalingHistory", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runTo(t, tt.in, Options{KeepHistories: tt.keep})
			scaleAll(r)
			var kinds []string
			for _, n := range r.assemble() {
				kinds = append(kinds, n.GetKind())
			}
			require.Equal(t, tt.wantKinds, strings.Join(kinds, " "))
			require.Len(t, r.out.Replaced, tt.wantReplaced)
		})
	}
}

// TestStagesMatchRun checks that the stages, run by hand, give what Run gives.
func TestStagesMatchRun(t *testing.T) {
	in := join(stageWorkload, stageHPA, stageConfigMap)
	want := Run(items(t, in), Options{Policy: policy(t, "  hpaConflict: delete\n")})
	r := runTo(t, in, Options{Policy: policy(t, "  hpaConflict: delete\n")})
	scaleAll(r)
	r.crossChecks()
	require.True(t, r.settleDiagnostics())
	got := r.assemble()
	require.Equal(t, len(want.Items), len(got))
	for i := range got {
		require.Equal(t, want.Items[i].MustString(), got[i].MustString())
	}
	require.Equal(t, diag.List(want.Diagnostics).Error(), r.out.Diagnostics.Error())
}
