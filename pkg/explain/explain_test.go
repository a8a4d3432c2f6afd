package explain

import (
	"bytes"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/stretchr/testify/require"
)

func TestRender(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Render(&b, nil))
	require.Contains(t, b.String(), "No workload opts in")
	b.Reset()
	p := &Plan{Workload: diag.Ref{Kind: "Deployment", Namespace: "ml", Name: "w"}, Class: "CPU workload"}
	p.Add("minReplicaCount", "2", "annotation ml-autoscaling.io/min-replicas")
	p.Triggers = append(p.Triggers, Trigger{Name: "cpu", Type: "cpu", Detail: "cpu utilisation\n 70%"})
	require.NoError(t, Render(&b, []*Plan{p}))
	out := b.String()
	require.Contains(t, out, "Deployment/ml/w  [CPU workload]")
	require.Regexp(t, `minReplicaCount\s+2\s+annotation ml-autoscaling.io/min-replicas`, out)
	require.Contains(t, out, "- cpu (cpu): cpu utilisation 70%")
}

func TestRenderNotScaled(t *testing.T) {
	scaled := &Plan{Workload: diag.Ref{Kind: "Deployment", Namespace: "ml", Name: "w"}, Class: "CPU workload"}
	skipped := &Plan{Workload: diag.Ref{Kind: "StatefulSet", Name: "s"}, NotScaled: "excluded by\n the exclude of policy rule(s) r"}
	for _, c := range []struct {
		name  string
		plans []*Plan
		want  string
	}{
		{"only not scaled", []*Plan{skipped}, NoneScaled + "\nNot scaled:\n  StatefulSet/s: excluded by the exclude of policy rule(s) r\n"},
		{"scaled first, whatever the order", []*Plan{skipped, scaled},
			"Deployment/ml/w  [CPU workload]\n  SETTING  VALUE  WHY\n  TRIGGERS\n\nNot scaled:\n  StatefulSet/s: excluded by the exclude of policy rule(s) r\n"},
	} {
		var b bytes.Buffer
		require.NoError(t, Render(&b, c.plans), c.name)
		require.Equal(t, c.want, b.String(), c.name)
	}
}
