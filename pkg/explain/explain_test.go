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
