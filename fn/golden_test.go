package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/frameworktestutil"
)

// goldenDir holds the golden cases: testdata/golden/<case>/{config.yaml,input*.yaml,expected.yaml|errors.txt}.
const goldenDir = "../testdata/golden"

// TestGolden runs the function in standalone mode on every golden case.
// UPDATE_GOLDEN=1 rewrites expected.yaml from the actual output.
func TestGolden(t *testing.T) {
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		for _, c := range goldenCases(t, false) {
			if _, err := os.Stat(filepath.Join(c.dir, "errors.txt")); err == nil {
				continue
			}
			out, _, err := runFn(append([]string{c.config}, c.inputs...)...)
			require.NoError(t, err, c.name)
			require.NoError(t, os.WriteFile(filepath.Join(c.dir, "expected.yaml"), []byte(out), 0o644))
		}
	}
	// the framework's checker walks its directory recursively; give it only
	// the case files goldenCases accepts
	root := t.TempDir()
	for _, c := range goldenCases(t, false) {
		dst := filepath.Join(root, c.name)
		require.NoError(t, os.MkdirAll(dst, 0o755))
		entries, err := os.ReadDir(c.dir)
		require.NoError(t, err)
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(c.dir, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
		}
	}
	checker := frameworktestutil.CommandResultsChecker{
		TestDataDirectory: root,
		Command:           errorsOnly,
	}
	checker.Assert(t)
	require.GreaterOrEqual(t, len(checker.TestCasesRun()), 20, "at least 20 golden cases")
}

// errorsOnly wraps the function for the framework's checker, which reads
// any stderr as an error: warnings are left out here and checked against
// warnings.txt by TestGoldenWarnings.
func errorsOnly() *cobra.Command {
	return &cobra.Command{
		Use: "wrapper", DisableFlagParsing: true, SilenceErrors: true, SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := newRoot()
			root.SetArgs(args)
			root.SetOut(cmd.OutOrStdout())
			var stderr bytes.Buffer
			root.SetErr(&stderr)
			err := root.Execute()
			if err != nil {
				_, _ = cmd.ErrOrStderr().Write(stderr.Bytes())
			}
			return err
		},
	}
}

// TestGoldenWarnings checks every successful case's stderr: each line of
// warnings.txt is a regular expression it must match; without the file,
// stderr must be empty.
func TestGoldenWarnings(t *testing.T) {
	for _, c := range goldenCases(t, true) {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := runFn(append([]string{c.config}, c.inputs...)...)
			require.NoError(t, err)
			want, err := os.ReadFile(filepath.Join(c.dir, "warnings.txt"))
			if err != nil {
				require.Empty(t, stderr, "unexpected warnings (add warnings.txt)")
				return
			}
			for _, re := range strings.Split(strings.TrimSpace(string(want)), "\n") {
				require.Regexp(t, regexp.MustCompile(re), stderr)
			}
		})
	}
}

// goldenCase is one case directory with expected output.
type goldenCase struct {
	name, dir string
	config    string
	inputs    []string
}

func goldenCases(t *testing.T, withOutput bool) []goldenCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(goldenDir, "*"))
	require.NoError(t, err)
	var out []goldenCase
	for _, d := range dirs {
		_, errOut := os.Stat(filepath.Join(d, "expected.yaml"))
		if withOutput && errOut != nil {
			continue
		}
		inputs, _ := filepath.Glob(filepath.Join(d, "input*.yaml"))
		if len(inputs) == 0 {
			continue
		}
		out = append(out, goldenCase{name: filepath.Base(d), dir: d, config: filepath.Join(d, "config.yaml"), inputs: inputs})
	}
	require.NotEmpty(t, out)
	return out
}

// runFn runs the standalone function and returns stdout, stderr and the error.
func runFn(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	cmd := newRoot()
	cmd.SetArgs(args)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	err := cmd.Execute()
	return stdout.String(), stderr.String(), err
}

// TestGoldenDeterministicAndIdempotent runs every case twice (same bytes)
// and then on its own output (no change).
func TestGoldenDeterministicAndIdempotent(t *testing.T) {
	for _, c := range goldenCases(t, true) {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{c.config}, c.inputs...)
			first, _, err := runFn(args...)
			require.NoError(t, err)
			second, _, err := runFn(args...)
			require.NoError(t, err)
			require.Equal(t, first, second, "two runs differ")

			again := filepath.Join(t.TempDir(), "output.yaml")
			require.NoError(t, os.WriteFile(again, []byte(first), 0o600))
			third, _, err := runFn(c.config, again)
			require.NoError(t, err)
			require.Equal(t, first, third, "output fed back in changed")
		})
	}
}

// TestGoldenErrorsWriteNothing checks that failing cases exit non-zero with nothing on stdout.
func TestGoldenErrorsWriteNothing(t *testing.T) {
	for _, c := range goldenCases(t, false) {
		if _, err := os.Stat(filepath.Join(c.dir, "errors.txt")); err != nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, err := runFn(append([]string{c.config}, c.inputs...)...)
			require.Error(t, err)
			require.Empty(t, stdout)
			require.NotEmpty(t, stderr)
		})
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// testdataKinds names the directories testdata may hold,
// each read by its own runner.
var testdataKinds = map[string]string{
	"golden":    "golden cases (TestGolden, postrender's TestGoldenCasesAgreeWithFunction)",
	"bad-input": "the bad-input catalogue (internal/badinput)",
	"charts":    "rendered public charts (internal/realcharts)",
	"traces":    "real load traces (pkg/backtest, pkg/predict)",
	"history":   "history goldens (pkg/history)",
}

// TestGoldenLayout checks that every golden case lives under goldenDir, in
// the layout goldenCases reads, and that testdata holds nothing else a
// runner would miss.
func TestGoldenLayout(t *testing.T) {
	top, err := os.ReadDir(filepath.Join(goldenDir, ".."))
	require.NoError(t, err)
	for _, e := range top {
		if !e.IsDir() {
			continue
		}
		_, known := testdataKinds[e.Name()]
		require.True(t, known, "testdata/%s is no known kind; golden cases go under testdata/golden/, the others are %v", e.Name(), testdataKinds)
	}
	dirs, err := os.ReadDir(goldenDir)
	require.NoError(t, err)
	cases := goldenCases(t, false)
	require.Len(t, cases, len(dirs), "every directory under %s must be a golden case", goldenDir)
	for _, c := range cases {
		tests := []struct{ file, want string }{
			{"config.yaml", "the policy"},
			{"input.yaml", "the input"},
		}
		for _, tt := range tests {
			_, err := os.Stat(filepath.Join(c.dir, tt.file))
			require.NoError(t, err, "%s lacks %s (%s)", c.dir, tt.file, tt.want)
		}
		_, errExp := os.Stat(filepath.Join(c.dir, "expected.yaml"))
		_, errErr := os.Stat(filepath.Join(c.dir, "errors.txt"))
		require.True(t, (errExp == nil) != (errErr == nil), "%s needs exactly one of expected.yaml and errors.txt", c.dir)
	}
}
