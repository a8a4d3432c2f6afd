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
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/kubeyaml"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fnCaseTimeout bounds every catalogue run of the function.
const fnCaseTimeout = 20 * time.Second

// fnBadCase is one catalogue case as the function's standalone mode runs it.
type fnBadCase struct {
	name string
	// stdin is the manifests file; policy the policy file ("" for built-in defaults).
	stdin, policy string
	// histories are the files of the case's history directory, passed as inputs.
	histories []string
	args      []string
	// errors are the stderr regular expressions of a failing run (fn-stderr.txt
	// when present, else stderr.txt); expected the directives of a successful one.
	errors, expected []string
	// skip says why the case does not apply to the function.
	skip string
}

// mustLines reads a catalogue line file (nil when absent).
func mustLines(t *testing.T, path string) []string {
	t.Helper()
	lines, err := badinput.ReadLines(path)
	require.NoError(t, err)
	return lines
}

// loadFnBadCases reads the catalogue for the function and adds the
// generated cases, written to a temporary directory.
func loadFnBadCases(t *testing.T) []fnBadCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(badinput.Dir, "*"))
	require.NoError(t, err)
	var out []fnBadCase
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		c := fnBadCase{name: filepath.Base(d), stdin: filepath.Join(d, "stdin.yaml")}
		if _, err := os.Stat(filepath.Join(d, "policy.yaml")); err == nil {
			c.policy = filepath.Join(d, "policy.yaml")
		}
		c.histories, err = filepath.Glob(filepath.Join(d, "history", "*.yaml"))
		require.NoError(t, err)
		c.args = mustLines(t, filepath.Join(d, "args.txt"))
		c.errors = mustLines(t, filepath.Join(d, "fn-stderr.txt"))
		if c.errors == nil {
			c.errors = mustLines(t, filepath.Join(d, "stderr.txt"))
			c.expected = mustLines(t, filepath.Join(d, "expected.txt"))
		}
		if b, err := os.ReadFile(filepath.Join(d, "fn-skip.txt")); err == nil {
			c.skip = strings.TrimSpace(string(b))
		}
		out = append(out, c)
	}
	tmp := t.TempDir()
	for _, g := range fnGeneratedCases() {
		path := filepath.Join(tmp, strings.ReplaceAll(g.name, "/", "_")+".yaml")
		require.NoError(t, os.WriteFile(path, []byte(g.stdin), 0o600))
		out = append(out, fnBadCase{name: g.name, stdin: path, errors: g.errors, expected: g.expected})
	}
	return out
}

// fnGenerated is a generated catalogue case (see the catalogue's README.md).
type fnGenerated struct {
	name, stdin      string
	errors, expected []string
}

// fnGeneratedCases mirrors the post-renderer's generated cases: 10 MB
// documents, alias bombs and the inputs beyond each stated limit.
func fnGeneratedCases() []fnGenerated {
	big := badinput.BigConfigMap(badinput.TenMB)
	bombCM, bombWorkload, bombAnnotation := badinput.Bombs()
	fnOptedIn := badinput.OptedIn
	return append([]fnGenerated{
		{name: "generated/10mb-unowned-configmap", stdin: "---\n" + big + "---\n" + fnOptedIn,
			expected: []string{"exit 0", "unowned-byte-for-byte", "count 1 kind: ScaledObject"}},
		{name: "generated/10mb-opted-in-workload", stdin: badinput.BigWorkload(badinput.TenMB, ""),
			expected: []string{"exit 0", "count 1 kind: ScaledObject", "match VAR_0000000", "nomatch replicas: 2"}},
		{name: "generated/10mb-malformed-opted-in-workload", stdin: badinput.BigWorkload(badinput.TenMB, "]"),
			errors: []string{`(?i)yaml`}},
		{name: "generated/alias-bomb-unowned", stdin: "---\n" + bombCM + "---\n" + fnOptedIn,
			expected: []string{"exit 0", "count 1 kind: ScaledObject"}},
		{name: "generated/alias-bomb-in-opted-in-workload", stdin: bombWorkload,
			errors: []string{`Deployment/ml/worker|document`, `(?i)alias`}},
		{name: "generated/alias-bomb-as-annotation-value", stdin: bombAnnotation,
			errors: []string{`Deployment/ml/worker`, `ml-autoscaling\.io/max-replicas`}},
	}, fnLimitCases()...)
}

// fnLimitCases mirrors the post-renderer's limitCases: inputs that each
// exceed one stated limit.
func fnLimitCases() []fnGenerated {
	l := badinput.Limits(stream.MaxBytes, stream.MaxDocuments, kubeyaml.MaxDepth, history.MaxValues)
	return []fnGenerated{
		{name: "generated/yaml-input-over-size-limit", stdin: l.TooLarge,
			errors: []string{`the input holds 67108865 bytes or more`, `allowed: at most 67108864 bytes \(64 MiB\) of input \(limit: input size\)`, `!document|alias|nest`}},
		{name: "generated/yaml-documents-over-limit", stdin: l.TooManyDocuments,
			errors: []string{`more than 100000 YAML documents or ResourceList items`, `allowed: at most 100000 documents or ResourceList items \(limit: documents per input\)`, `!bytes|alias|nest`}},
		{name: "generated/yaml-nested-too-deep", stdin: l.DeepWorkload,
			errors: []string{`Deployment/ml/worker spec\.template\.spec\.containers\[0\]\.args\[0\]`, `nested more than 1000 levels deep`, `limit: nesting depth`, `!alias bomb|input size`}},
		{name: "generated/yaml-nested-deep-unowned", stdin: l.DeepUnowned,
			expected: []string{"exit 0", "unowned-byte-for-byte", "count 1 kind: ScaledObject"}},
		{name: "generated/yaml-history-over-values-limit", stdin: l.TooManyValues,
			errors: []string{`ScalingHistory/ml/worker spec\.values`, `has 1000001 values`, `allowed: at most 1000000 values \(limit: values per history\)`, `!(?i)alias`}},
	}
}

// fnDefaultPolicy is used for cases without a policy.yaml (standalone mode needs one).
const fnDefaultPolicy = "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata:\n  name: default\n"

// fnRun is the outcome of one standalone run.
type fnRun struct {
	stdout, stderr string
	err            error
}

// runFnWithin runs the function's standalone mode and fails the test when
// it panics or does not return within fnCaseTimeout.
func runFnWithin(t *testing.T, args ...string) fnRun {
	t.Helper()
	type result struct {
		fnRun
		panicked string
	}
	done := make(chan result, 1)
	go func() {
		var r result
		var stdout, stderr bytes.Buffer
		defer func() {
			if p := recover(); p != nil {
				buf := make([]byte, 1<<16)
				r.panicked = fmt.Sprintf("%v\n%s", p, buf[:runtime.Stack(buf, false)])
			}
			r.stdout, r.stderr = stdout.String(), stderr.String()
			done <- r
		}()
		cmd := newRoot()
		cmd.SetArgs(args)
		cmd.SetOut(&stdout)
		cmd.SetErr(&stderr)
		cmd.SetIn(strings.NewReader(""))
		r.err = cmd.Execute()
	}()
	select {
	case r := <-done:
		require.Empty(t, r.panicked, "the function panicked")
		return r.fnRun
	case <-time.After(fnCaseTimeout):
		buf := make([]byte, 1<<20)
		t.Fatalf("no answer within %v (hang?):\n%s", fnCaseTimeout, buf[:runtime.Stack(buf, true)])
		return fnRun{}
	}
}

// TestBadInputCatalogueFunction runs the bad-input catalogue through the
// KRM function's standalone mode (policy first, then the manifests and the
// history files): error cases fail with nothing on stdout and stderr
// matching fn-stderr.txt or stderr.txt; the others succeed and keep the
// content and comments of every resource the tool does not own.
func TestBadInputCatalogueFunction(t *testing.T) {
	defPolicy := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(defPolicy, []byte(fnDefaultPolicy), 0o600))
	for _, c := range loadFnBadCases(t) {
		t.Run(c.name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip("n/a: does not apply to the function: " + c.skip)
			}
			policy := c.policy
			if policy == "" {
				policy = defPolicy
			}
			args := append(append(append([]string{}, c.args...), policy, c.stdin), c.histories...)
			r := runFnWithin(t, args...)
			if c.errors != nil {
				require.Error(t, r.err, "the function succeeded:\n%s", r.stdout)
				require.Empty(t, r.stdout, "nothing on stdout after an error")
				for _, re := range c.errors {
					if neg, ok := strings.CutPrefix(re, "!"); ok {
						require.NotRegexp(t, regexp.MustCompile(neg), r.stderr)
						continue
					}
					require.Regexp(t, regexp.MustCompile(re), r.stderr)
				}
				return
			}
			require.NoError(t, r.err, r.stderr)
			in, err := os.ReadFile(c.stdin)
			require.NoError(t, err)
			checkFnExpected(t, c.expected, in, []byte(r.stdout))
		})
	}
}

// checkFnExpected applies expected.txt's directives to the function's
// output. The function rewrites every document, so byte identity becomes
// identity of content and comments.
func checkFnExpected(t *testing.T, directives []string, in, out []byte) {
	t.Helper()
	docs := stream.Split(in)
	outValues := fnValues(t, out)
	for _, d := range directives {
		verb, arg, _ := strings.Cut(d, " ")
		switch verb {
		case "exit":
			require.Equal(t, "0", arg)
		case "stdout-equals-stdin":
			require.Equal(t, fnValues(t, in), outValues, "content differs")
		case "unowned-byte-for-byte":
			for i, doc := range docs {
				if !stream.Interesting(doc.Body) && !stream.IsBlank(doc.Body) {
					fnRequireSameContentAndComments(t, i+1, doc.Body, out, outValues)
				}
			}
		case "contains-document":
			n, err := strconv.Atoi(arg)
			require.NoError(t, err)
			fnRequireSameContentAndComments(t, n, docs[n-1].Body, out, outValues)
		case "count":
			ns, re, _ := strings.Cut(arg, " ")
			n, err := strconv.Atoi(ns)
			require.NoError(t, err)
			require.Len(t, regexp.MustCompile("(?m)"+re).FindAll(out, -1), n, "matches of %q", re)
		case "match":
			require.Regexp(t, regexp.MustCompile("(?m)"+arg), string(out))
		case "nomatch":
			require.NotRegexp(t, regexp.MustCompile("(?m)"+arg), string(out))
		default:
			t.Fatalf("unknown directive %q", d)
		}
	}
}

// fnValues parses a stream into comparable YAML texts, one per resource.
func fnValues(t *testing.T, s []byte) []string {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(s), OmitReaderAnnotations: true}).Read()
	require.NoError(t, err)
	out := []string{}
	for _, n := range nodes {
		out = append(out, fnPlainText(t, n))
	}
	return out
}

// fnPlainText renders a node's data without style or comments, in linear
// time (yaml.v3's Decode is quadratic in the number of keys of a mapping)
// and without expanding aliases (an alias bomb stays small).
func fnPlainText(t *testing.T, n *yaml.RNode) string {
	t.Helper()
	var b strings.Builder
	fnWritePlain(&b, n.YNode(), 0)
	return b.String()
}

// fnWritePlain writes n and its children, one line per node, to b.
func fnWritePlain(b *strings.Builder, n *yaml.Node, depth int) {
	indent := strings.Repeat(" ", depth)
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			fnWritePlain(b, c, depth)
		}
	case yaml.MappingNode, yaml.SequenceNode:
		fmt.Fprintf(b, "%s%v &%s\n", indent, n.Kind, n.Anchor)
		for _, c := range n.Content {
			fnWritePlain(b, c, depth+1)
		}
	case yaml.AliasNode:
		fmt.Fprintf(b, "%s*%s\n", indent, n.Value)
	default:
		fmt.Fprintf(b, "%s%s %q &%s\n", indent, n.ShortTag(), n.Value, n.Anchor)
	}
}

// fnRequireSameContentAndComments checks that input document n appears in
// the output with the same content and every one of its comments.
func fnRequireSameContentAndComments(t *testing.T, n int, body, out []byte, outValues []string) {
	t.Helper()
	node, err := yaml.Parse(string(body))
	require.NoError(t, err)
	require.Contains(t, outValues, fnPlainText(t, node), "document %d changed or lost", n)
	for _, line := range strings.Split(string(body), "\n") {
		if i := strings.Index(line, "#"); i >= 0 && (i == 0 || line[i-1] == ' ') {
			require.Contains(t, string(out), strings.TrimSpace(line[i:]), "document %d lost a comment", n)
		}
	}
}
