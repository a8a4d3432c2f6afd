package testbin

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = Root(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TestShippedBinariesStayLean keeps kustomize's api (plugin loader, Go's
// plugin package), KEDA's API packages (controller-runtime, client-go) and
// Prometheus' server code out of the binaries: they start on every helm
// upgrade and every kustomize build, and are used in tests only.
func TestShippedBinariesStayLean(t *testing.T) {
	forbidden := []string{"sigs.k8s.io/kustomize/api", "github.com/kedacore/keda", "sigs.k8s.io/controller-runtime", "k8s.io/client-go", "github.com/prometheus/prometheus", "plugin"}
	for _, bin := range []string{"./fn", "./postrender"} {
		for _, dep := range goList(t, "-deps", bin) {
			for _, f := range forbidden {
				require.False(t, dep == f || strings.HasPrefix(dep, f+"/"), "%s links %s", bin, dep)
			}
		}
	}
}

// TestTransformDoesNoIO checks that the function's code path (pkg/transform
// and every project package below it) imports no network, process or file
// system package: the core is pure, the hosts do the I/O.
func TestTransformDoesNoIO(t *testing.T) {
	const module = "github.com/ml-autoscaling/ml-autoscaling/"
	forbidden := map[string]bool{"net": true, "net/http": true, "net/rpc": true, "crypto/tls": true, "os/exec": true, "os": true, "io/ioutil": true, "syscall": true}
	checked := 0
	for _, line := range goList(t, "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./pkg/transform", "./pkg/stream") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], module) {
			continue
		}
		checked++
		for _, imp := range fields[1:] {
			require.False(t, forbidden[imp], "%s imports %s", fields[0], imp)
		}
	}
	require.Greater(t, checked, 8)
}
