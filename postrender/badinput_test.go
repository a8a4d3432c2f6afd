package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/badinput"
	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/kubeyaml"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/stretchr/testify/require"
)

// caseTimeout bounds every catalogue run: a hang is a failure.
const caseTimeout = 20 * time.Second

// badCase is one entry of the bad-input catalogue: a directory under
// testdata/bad-input, or a generated input too big or too hostile to commit.
type badCase struct {
	name string
	// stdin is the post-renderer's input.
	stdin []byte
	// policy and history are the --config file and the --history directory ("" for none).
	policy, history string
	// args are further flags (args.txt), e.g. --namespace=ml.
	args []string
	// errors are stderr.txt's regular expressions: the run must fail and
	// stderr match each of them (a leading '!' means must not match).
	errors []string
	// expected are expected.txt's directives for a run that must succeed.
	expected []string
}

// flags returns the post-renderer's command line for the case.
func (c badCase) flags() []string {
	var out []string
	if c.policy != "" {
		out = append(out, "--config="+c.policy)
	}
	if c.history != "" {
		out = append(out, "--history="+c.history)
	}
	return append(out, c.args...)
}

// mustLines reads a catalogue line file (nil when absent).
func mustLines(t *testing.T, path string) []string {
	t.Helper()
	lines, err := badinput.ReadLines(path)
	require.NoError(t, err)
	return lines
}

// loadBadCases reads the catalogue directories and adds the generated cases.
func loadBadCases(t *testing.T) []badCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(badinput.Dir, "*"))
	require.NoError(t, err)
	var out []badCase
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		c := badCase{name: filepath.Base(d)}
		c.stdin, err = os.ReadFile(filepath.Join(d, "stdin.yaml"))
		require.NoError(t, err, "every catalogue case has a stdin.yaml")
		if _, err := os.Stat(filepath.Join(d, "policy.yaml")); err == nil {
			c.policy = filepath.Join(d, "policy.yaml")
		}
		if _, err := os.Stat(filepath.Join(d, "history")); err == nil {
			c.history = filepath.Join(d, "history")
		}
		c.args = mustLines(t, filepath.Join(d, "args.txt"))
		c.errors = mustLines(t, filepath.Join(d, "stderr.txt"))
		c.expected = mustLines(t, filepath.Join(d, "expected.txt"))
		require.True(t, (c.errors == nil) != (c.expected == nil), "%s: exactly one of stderr.txt and expected.txt", d)
		out = append(out, c)
	}
	return append(out, generatedCases()...)
}

// generatedCases are the catalogue entries built here instead of being
// committed: three 10 MB documents, three alias bombs and the inputs
// beyond each stated limit.
func generatedCases() []badCase {
	cm := "# Source: chart/templates/config.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: small, namespace: ml}\ndata: {a: b}\n"
	bombCM, bombWorkload, bombAnnotation := badinput.Bombs()
	return append([]badCase{
		{name: "generated/10mb-unowned-configmap", stdin: []byte("---\n" + badinput.BigConfigMap(badinput.TenMB) + "---\n" + badinput.OptedIn),
			expected: []string{"exit 0", "unowned-byte-for-byte", "count 1 kind: ScaledObject"}},
		{name: "generated/10mb-opted-in-workload", stdin: []byte("---\n" + cm + "---\n" + badinput.BigWorkload(badinput.TenMB, "")),
			expected: []string{"exit 0", "unowned-byte-for-byte", "count 1 kind: ScaledObject", "match VAR_0000000", "nomatch replicas: 2"}},
		{name: "generated/10mb-malformed-opted-in-workload", stdin: []byte("---\n" + cm + "---\n" + badinput.BigWorkload(badinput.TenMB, "]")),
			errors: []string{`document 2 \(chart/templates/worker\.yaml\)`, "cannot parse", "allowed: valid YAML"}},
		{name: "generated/alias-bomb-unowned", stdin: []byte("---\n" + bombCM + "---\n" + badinput.OptedIn),
			expected: []string{"exit 0", "unowned-byte-for-byte", "count 1 kind: ScaledObject"}},
		{name: "generated/alias-bomb-in-opted-in-workload", stdin: []byte("---\n" + cm + "---\n" + bombWorkload),
			errors: []string{`Deployment/ml/worker|document 2`, `(?i)alias`}},
		{name: "generated/alias-bomb-as-annotation-value", stdin: []byte("---\n" + cm + "---\n" + bombAnnotation),
			errors: []string{`Deployment/ml/worker`, `ml-autoscaling\.io/max-replicas`}},
	}, limitCases()...)
}

// limitCases are the generated inputs that each exceed one stated limit
// (mirrored by fnLimitCases in fn/badinput_test.go).
func limitCases() []badCase {
	l := badinput.Limits(stream.MaxBytes, stream.MaxDocuments, kubeyaml.MaxDepth, history.MaxValues)
	return []badCase{
		{name: "generated/yaml-input-over-size-limit", stdin: []byte(l.TooLarge),
			errors: []string{`the input holds 67108865 bytes or more`, `allowed: at most 67108864 bytes \(64 MiB\) of input \(limit: input size\)`, `!document|alias|nest`}},
		{name: "generated/yaml-documents-over-limit", stdin: []byte(l.TooManyDocuments),
			errors: []string{`more than 100000 YAML documents or ResourceList items`, `allowed: at most 100000 documents or ResourceList items \(limit: documents per input\)`, `!bytes|alias|nest`}},
		{name: "generated/yaml-nested-too-deep", stdin: []byte("---\n" + l.DeepWorkload),
			errors: []string{`Deployment/ml/worker: spec\.template\.spec\.containers\[0\]\.args\[0\]`, `nested more than 1000 levels deep`, `limit: nesting depth`, `!alias bomb|input size`}},
		{name: "generated/yaml-nested-deep-unowned", stdin: []byte(l.DeepUnowned),
			expected: []string{"exit 0", "unowned-byte-for-byte", "count 1 kind: ScaledObject"}},
		{name: "generated/yaml-history-over-values-limit", stdin: []byte("---\n" + l.TooManyValues),
			errors: []string{`ScalingHistory/ml/worker: spec\.values`, `has 1000001 values`, `allowed: at most 1000000 values \(limit: values per history\)`, `!(?i)alias`}},
	}
}

// badRunResult is the outcome of one run of the post-renderer.
type badRunResult struct {
	stdout, stderr string
	code           int
	panicked       string
}

// runWithin runs the post-renderer and fails the test when it panics or
// does not return within caseTimeout.
func runWithin(t *testing.T, stdin []byte, args ...string) badRunResult {
	t.Helper()
	done := make(chan badRunResult, 1)
	go func() {
		var r badRunResult
		var stdout, stderr bytes.Buffer
		defer func() {
			if p := recover(); p != nil {
				buf := make([]byte, 1<<16)
				r.panicked = fmt.Sprintf("%v\n%s", p, buf[:runtime.Stack(buf, false)])
			}
			r.stdout, r.stderr = stdout.String(), stderr.String()
			done <- r
		}()
		r.code = run(args, bytes.NewReader(stdin), &stdout, &stderr)
	}()
	select {
	case r := <-done:
		require.Empty(t, r.panicked, "the post-renderer panicked")
		return r
	case <-time.After(caseTimeout):
		buf := make([]byte, 1<<20)
		t.Fatalf("no answer within %v (hang?):\n%s", caseTimeout, buf[:runtime.Stack(buf, true)])
		return badRunResult{}
	}
}

// clearPostrenderEnv makes runs independent of the environment the tests run in.
func clearPostrenderEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"ML_AUTOSCALING_CONFIG", "HELM_NAMESPACE", HistoryEnv, LogFileEnv, "HELM_PLUGIN_NAME", cli.StrictEnv} {
		t.Setenv(k, "")
	}
}

// TestBadInputCatalogue runs every catalogue case through the post-renderer:
// error cases exit 1 with nothing on stdout and stderr matching stderr.txt;
// the others exit 0 and meet expected.txt, deterministically and
// idempotently. No case may panic or hang.
func TestBadInputCatalogue(t *testing.T) {
	clearPostrenderEnv(t)
	cases := loadBadCases(t)
	errorCases := 0
	for _, c := range cases {
		if c.errors != nil {
			errorCases++
		}
	}
	require.GreaterOrEqual(t, errorCases, 40, "at least 40 error cases")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runWithin(t, c.stdin, c.flags()...)
			if c.errors != nil {
				require.Equal(t, 1, r.code, "exit code; stderr:\n%s", r.stderr)
				require.Empty(t, r.stdout, "nothing on stdout after an error")
				require.Contains(t, r.stderr, "no manifests were written")
				checkStderr(t, c.errors, r.stderr)
				return
			}
			require.Equal(t, 0, r.code, "exit code; stderr:\n%s", r.stderr)
			checkExpected(t, c.expected, c.stdin, []byte(r.stdout))
			again := runWithin(t, c.stdin, c.flags()...)
			require.Equal(t, r.stdout, again.stdout, "not deterministic")
			third := runWithin(t, []byte(r.stdout), c.flags()...)
			require.Equal(t, 0, third.code, third.stderr)
			require.Equal(t, r.stdout, third.stdout, "not idempotent: the output fed back in changed")
		})
	}
}

// checkStderr matches every regular expression against stderr; a leading
// '!' means the expression must not match (e.g. a password that must be
// redacted).
func checkStderr(t *testing.T, res []string, stderr string) {
	t.Helper()
	for _, re := range res {
		if neg, ok := strings.CutPrefix(re, "!"); ok {
			require.NotRegexp(t, regexp.MustCompile(neg), stderr, "stderr must not match %q", neg)
			continue
		}
		require.Regexp(t, regexp.MustCompile(re), stderr)
	}
}

// checkExpected applies expected.txt's directives to a successful run:
//
//	exit 0                  the run succeeds (checked by the caller)
//	stdout-equals-stdin     the output is the input, byte for byte
//	unowned-byte-for-byte   every document the cheap scan skips is in the output verbatim
//	contains-document N     input document N (1-based) is in the output verbatim
//	count N REGEX           REGEX (multi-line mode) matches exactly N times
//	match REGEX / nomatch REGEX
func checkExpected(t *testing.T, directives []string, in, out []byte) {
	t.Helper()
	docs := stream.Split(in)
	for _, d := range directives {
		verb, arg, _ := strings.Cut(d, " ")
		switch verb {
		case "exit":
			require.Equal(t, "0", arg, "only exit 0 is an expectation")
		case "stdout-equals-stdin":
			require.Equal(t, string(in), string(out))
		case "unowned-byte-for-byte":
			for i, doc := range docs {
				if !stream.Interesting(doc.Body) {
					require.True(t, bytes.Contains(out, doc.Body), "document %d not copied byte for byte:\n%s", i+1, doc.Body)
				}
			}
		case "contains-document":
			n, err := strconv.Atoi(arg)
			require.NoError(t, err)
			require.True(t, bytes.Contains(out, docs[n-1].Body), "document %d not copied byte for byte:\n%s", n, docs[n-1].Body)
		case "count":
			ns, re, _ := strings.Cut(arg, " ")
			n, err := strconv.Atoi(ns)
			require.NoError(t, err)
			require.Len(t, regexp.MustCompile("(?m)"+re).FindAll(out, -1), n, "matches of %q in:\n%s", re, out)
		case "match":
			require.Regexp(t, regexp.MustCompile("(?m)"+arg), string(out))
		case "nomatch":
			require.NotRegexp(t, regexp.MustCompile("(?m)"+arg), string(out))
		default:
			t.Fatalf("unknown directive %q", d)
		}
	}
}
