package stream

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/gen"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testkit"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"github.com/stretchr/testify/require"
)

// TestSplitJoinsBackExactly checks that documents and their separators
// reassemble the input byte for byte, whatever the separators look like.
func TestSplitJoinsBackExactly(t *testing.T) {
	pieces := []string{"---\n", "--- # comment\n", "---\r\n", "a: 1\n", "b: |\n  ---x\n", "# c\n", "\n", "c: 2", "----\n", "...\n"}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		for j := r.Intn(12); j > 0; j-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		in := b.String()
		var out strings.Builder
		for _, d := range Split([]byte(in)) {
			out.Write(d.Sep)
			out.Write(d.Body)
		}
		require.Equal(t, in, out.String())
	}
	in := gen.Stream(gen.Options{Resources: 30, OptedIn: 0.1, Seed: 2})
	require.Len(t, Split(in), 30)
}

func TestSeparatorDetection(t *testing.T) {
	for line, want := range map[string]bool{"---\n": true, "---": true, "--- # x\n": true, "---\r\n": true, "----\n": false, "--x\n": false, " ---\n": false} {
		require.Equal(t, want, isSeparator([]byte(line)), line)
	}
}

func TestInterestingAndBlank(t *testing.T) {
	require.True(t, Interesting([]byte("kind: HorizontalPodAutoscaler")))
	require.True(t, Interesting([]byte("  ml-autoscaling.io/enabled: \"true\"")))
	require.False(t, Interesting([]byte("kind: ConfigMap\n")))
	for _, text := range []string{
		"kind: \"Horizontal\\\n  PodAutoscaler\"\n",   // a backslash joins the lines
		"kind: \"Horizontal\\\r\n  PodAutoscaler\"\n", // also before CRLF
		"kind: !!binary SG9yaXpvbnRhbFBvZEF1dG9zY2FsZXI=\n",
		"kind: !<tag:yaml.org,2002:binary> SG9y\n",
		"kind: !!bin%61ry SG9y\n",
	} {
		require.True(t, Interesting([]byte(text)), text)
	}
	for _, text := range []string{"kind: ConfigMap\ndata: {a: \"70%\", b: \"!\", c: \"x! %\"}\n", "data: {path: 'C:\\dir'}\n"} {
		require.False(t, Interesting([]byte(text)), text)
	}
	require.True(t, IsBlank([]byte("# only\n\n  # comments\n")))
	require.False(t, IsBlank([]byte("a: 1\n")))
}

// TestRulesReachTheCheapScan: a workload a policy rule selects carries no
// ml-autoscaling.io marker; the scan must still parse it, and still copy
// the documents no rule selects byte for byte.
func TestRulesReachTheCheapScan(t *testing.T) {
	policy := testkit.Policy(t, "  rules:\n  - name: w\n    match: {names: [\"*-worker\"]}\n    settings: {cpuUtilization: \"60\"}\n")
	in := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web,   namespace: ml}\nspec: {template: {spec: {containers: [{name: c, image: x}]}}}\n" +
		"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: celery-worker\n  namespace: ml\nspec:\n  replicas: 2\n" +
		"  template:\n    spec:\n      containers: [{name: c, image: x, resources: {requests: {cpu: 100m}}}]\n"
	docs := Split([]byte(in))
	scan := NewScan(scope.New(policy, ""))
	require.False(t, scan.Interesting(docs[0].Body))
	require.True(t, scan.Interesting(docs[1].Body))
	require.False(t, Interesting(docs[1].Body), "without rules the worker is not looked at")

	out, res, err := Process([]byte(in), transform.Options{Policy: policy})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(out), string(docs[0].Body)), "the web Deployment is copied byte for byte")
	require.Contains(t, string(out), "kind: ScaledObject")
	require.NotContains(t, string(out), "replicas: 2")
	require.Len(t, res.Plans, 1)
}
