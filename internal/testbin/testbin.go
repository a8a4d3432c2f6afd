// Package testbin builds the project's binaries once per test process and
// finds the pinned CLIs (helm, kustomize) that `make tools` puts in ./bin.
// It is used by end-to-end tests only.
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	buildOnce sync.Map // package path -> *buildResult
)

type buildResult struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// Root returns the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Build compiles the main package pkg (e.g. "./fn") into a temporary
// directory shared by the whole test process and returns the binary path.
func Build(t testing.TB, pkg, name string) string {
	t.Helper()
	v, _ := buildOnce.LoadOrStore(pkg, &buildResult{})
	r := v.(*buildResult)
	r.once.Do(func() {
		dir, err := os.MkdirTemp("", "ml-autoscaling-bin-")
		if err != nil {
			r.err = err
			return
		}
		r.path = filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", r.path, pkg)
		cmd.Dir = Root(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		r.out, r.err = cmd.CombinedOutput()
	})
	if r.err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, r.err, r.out)
	}
	return r.path
}

// Tool returns the path of a pinned CLI under ./bin (e.g. "helm3/helm").
// When it is missing the test is skipped with the command that installs it,
// except under CI=true, where a missing tool is a failure.
func Tool(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(t), "bin", rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: run `make tools` first", p)
		}
		t.Skipf("%s is missing: run `make tools` to build the pinned CLIs", p)
	}
	return p
}
