package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/badinput"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/stretchr/testify/require"
)

// readOnlyStdout returns a file opened read-only, so that every write to it
// fails, as writing to a full disk or a closed pipe does.
func readOnlyStdout(t *testing.T) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "stdout")
	require.NoError(t, os.WriteFile(p, nil, 0o600))
	f, err := os.Open(p)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// TestStdoutFailureIsReported checks that every command that writes to
// stdout says so when it cannot, in the same words, and fails.
func TestStdoutFailureIsReported(t *testing.T) {
	const policy = "../testdata/golden/rabbitmq-queue/config.yaml"
	const manifests = "../testdata/golden/rabbitmq-queue/input.yaml"
	resourceList := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"
	cases := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"function", []string{policy, manifests}, ""},
		{"plan", []string{"plan", policy, manifests}, ""},
		{"version", []string{"version"}, ""},
		{"backtest", []string{"backtest", "../testdata/golden/predictive-weekly/input-history.yaml"}, ""},
		{"resource list", nil, resourceList},
		{"help", []string{"--help"}, ""},
		{"help of a command", []string{"help", "plan"}, ""},
		{"completion script", []string{"completion", "bash"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := newRoot()
			cmd.SetArgs(c.args)
			cmd.SetOut(readOnlyStdout(t))
			cmd.SetErr(&stderr)
			cmd.SetIn(strings.NewReader(c.stdin))
			require.Error(t, execute(cmd))
			require.Regexp(t, `(?m)^error: writing stdout: .*`, stderr.String())
			require.Equal(t, 1, strings.Count(stderr.String(), "writing stdout"), stderr.String())
		})
	}
}

// TestOneErrorPrefix checks that an input past a limit is reported once,
// as "error: …", by the function and by record (it used to read "error:
// error: …").
func TestOneErrorPrefix(t *testing.T) {
	input := filepath.Join(t.TempDir(), "many.yaml")
	require.NoError(t, os.WriteFile(input, []byte(badinput.ManyDocuments(stream.MaxDocuments+1)), 0o600))
	for _, args := range [][]string{
		{"../testdata/golden/rabbitmq-queue/config.yaml", input},
		{"record", "--prometheus", "http://127.0.0.1:9", "--out", t.TempDir(), input},
	} {
		_, stderr, err := runFn(args...)
		require.Error(t, err)
		require.Regexp(t, `^error: .*many.yaml: the input holds more than 100000 YAML documents`, stderr)
		require.Equal(t, 1, strings.Count(stderr, "error:"), stderr)
	}
}

// TestBrokenPipe runs the built binaries with stdout a pipe whose reader
// is gone: each command reports that writing stdout failed and exits 1,
// rather than dying of SIGPIPE without a word.
func TestBrokenPipe(t *testing.T) {
	const policy = "../testdata/golden/rabbitmq-queue/config.yaml"
	const manifests = "../testdata/golden/rabbitmq-queue/input.yaml"
	fn := testbin.Build(t, "./fn", "ml-autoscaling")
	pr := testbin.Build(t, "./postrender", "ml-autoscaling-postrender")
	in, err := os.ReadFile(manifests)
	require.NoError(t, err)
	for _, c := range []struct {
		name string
		cmd  *exec.Cmd
	}{
		{"function", exec.Command(fn, policy, manifests)},
		{"plan", exec.Command(fn, "plan", policy, manifests)},
		{"version", exec.Command(fn, "version")},
		{"post-renderer", exec.Command(pr, "--config="+policy)},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			require.NoError(t, err)
			require.NoError(t, r.Close())
			var stderr bytes.Buffer
			c.cmd.Stdin, c.cmd.Stdout, c.cmd.Stderr = bytes.NewReader(in), w, &stderr
			err = c.cmd.Run()
			require.NoError(t, w.Close())
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			require.Equal(t, 1, exit.ExitCode(), "exit status; stderr:\n%s", stderr.String())
			require.Contains(t, stderr.String(), "error: writing stdout: ")
			require.Contains(t, stderr.String(), "broken pipe")
		})
	}
}
