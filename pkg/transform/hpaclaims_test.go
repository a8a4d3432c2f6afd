package transform

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
	"github.com/stretchr/testify/require"
)

// nsWorkload is an opted-in Deployment w in namespace ns ("" for none).
func nsWorkload(ns, extra string) string {
	meta := "  name: w\n"
	if ns != "" {
		meta += "  namespace: " + ns + "\n"
	}
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n" + meta + "  annotations:\n    ml-autoscaling.io/enabled: \"true\"\n    ml-autoscaling.io/rabbitmq-queue: q\n    ml-autoscaling.io/rabbitmq-secret: s\n" + extra + "spec: {}\n"
}

// nsHPA is an HPA named h of Deployment w in namespace ns ("" for none).
func nsHPA(ns string) string {
	meta := "{name: h}"
	if ns != "" {
		meta = "{name: h, namespace: " + ns + "}"
	}
	return "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: " + meta + "\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: w}, maxReplicas: 2}\n"
}

func TestHPANamespaceRule(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		release string
		kept    bool   // the HPA is in the output
		warning string // on the ScaledObject of w; "" for none
		err     string // "" for success
	}{
		{"release unknown, HPA names none: removed, with a warning", nsWorkload("ml", "") + nsHPA(""), "", false,
			`Deployment/ml/w: metadata.namespace: HorizontalPodAutoscaler h names no namespace and the release namespace is unknown: it is taken to be in "ml"`, ""},
		{"release unknown, workload names none: removed, with a warning", nsWorkload("", "") + nsHPA("ml"), "", false,
			`Deployment/w: metadata.namespace: HorizontalPodAutoscaler ml/h targets this workload's name, the workload names no namespace and the release namespace is unknown: the workload is taken to be in "ml"`, ""},
		{"release known and the same: removed, no warning", nsWorkload("ml", "") + nsHPA(""), "ml", false, "", ""},
		{"release known and another: kept", nsWorkload("ml", "") + nsHPA(""), "other", true, "", ""},
		{"both named and different: kept", nsWorkload("ml", "") + nsHPA("other"), "", true, "", ""},
		{"both omitted: removed, no warning", nsWorkload("", "") + nsHPA(""), "", false, "", ""},
		{"adopted under the assumption, with a warning", nsWorkload("ml", "    ml-autoscaling.io/hpa-conflict: adopt\n") + nsHPA(""), "", true,
			"HorizontalPodAutoscaler h names no namespace", ""},
		{"hpa-conflict error still fails", nsWorkload("ml", "    ml-autoscaling.io/hpa-conflict: error\n") + nsHPA(""), "", false, "",
			"HorizontalPodAutoscaler/h: spec.scaleTargetRef"},
		{"two workloads it may target: an error asking for --namespace", nsWorkload("ml", "") + "---\n" + nsWorkload("other", "") + nsHPA(""), "", false, "",
			"HorizontalPodAutoscaler/h: metadata.namespace: the release namespace is unknown, so the HPA may target Deployment/ml/w or Deployment/other/w (allowed: the release namespace with --namespace"},
		{"an opted-in workload in its own namespace owns it", nsWorkload("ml", "") + "---\n" + nsWorkload("", "") + nsHPA(""), "", false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := Run(items(t, c.in), Options{ReleaseNamespace: c.release})
			if c.err != "" {
				require.True(t, out.Diagnostics.HasErrors())
				require.Contains(t, out.Diagnostics.Error(), c.err)
				require.Nil(t, out.Items)
				return
			}
			kept := false
			for _, n := range out.Items {
				kept = kept || hpa.IsHPA(n.GetApiVersion(), n.GetKind())
			}
			require.Equal(t, c.kept, kept, "HPA in the output")
			got := warningsOf(t, out, "w")
			if c.warning == "" {
				require.Empty(t, got)
				require.Empty(t, warnings(out.Diagnostics))
				return
			}
			require.Contains(t, got, c.warning)
			require.Contains(t, got, "pass the release namespace with --namespace (as a Helm post-renderer: --post-renderer-args=--namespace=NS")
			require.Contains(t, warnings(out.Diagnostics), c.warning, "reported, not only recorded")
		})
	}
}

func TestHPANamespaceWarningKept(t *testing.T) {
	out := Run(items(t, nsWorkload("ml", "")+nsHPA("")), Options{})
	first := warningsOf(t, out, "w")
	require.Contains(t, first, "HorizontalPodAutoscaler h names no namespace")
	again := rerun(t, out, Options{})
	require.Equal(t, first, warningsOf(t, again, "w"), "the removed HPA's record stays when the output is rendered again")
	require.Contains(t, warnings(again.Diagnostics), "HorizontalPodAutoscaler h names no namespace")

	// an HPA in the input is decided anew: the record of the earlier one goes
	var b strings.Builder
	for _, n := range again.Items {
		s, err := n.String()
		require.NoError(t, err)
		b.WriteString("---\n" + s)
	}
	b.WriteString(strings.Replace(nsHPA("ml"), "name: h,", "name: h2,", 1))
	fresh := Run(items(t, b.String()), Options{})
	require.Empty(t, warningsOf(t, fresh, "w"), "an HPA in the workload's own namespace is no assumption")
}
