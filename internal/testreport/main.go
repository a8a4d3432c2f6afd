// Command testreport reads `go test -json` output on stdin and prints what
// `go test` prints (a line per package, and the output of failed tests),
// then every skipped test with its reason and a closing count line. It exits
// non-zero when a test failed, when a package did not build, or when a test
// was skipped for any reason but an allowed one: a test that may skip says
// so with a message starting "optional:" (an opt-in report, a CLI a user may
// not have) or "n/a:" (a catalogue case that does not apply to one door).
// Anything else — missing data, a missing server — must fail, so a run can
// never pass by skipping the tests that matter.
//
// Usage: go test -json ./... | go run ./internal/testreport
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// report accumulates what the run did.
type report struct {
	out                     io.Writer
	passed, failed, skipped int
	badSkips                []string
	optionalSkips           []string
	failedPkgs              int
	output                  map[string][]string // package/test -> output lines
}

func main() {
	r := &report{out: os.Stdout, output: map[string][]string{}}
	if err := r.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	os.Exit(r.finish())
}

// maxLine bounds one line of go test -json output (a test may print a lot).
const maxLine = 16 << 20

func (r *report) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Fprintln(r.out, string(line)) // build errors come as plain text
			continue
		}
		r.handle(e)
	}
	return sc.Err()
}

func (r *report) handle(e event) {
	key := e.Package + "\x00" + e.Test
	switch e.Action {
	case "output":
		r.output[key] = append(r.output[key], e.Output)
	case "pass", "fail", "skip":
		if e.Test == "" {
			r.packageDone(e)
			return
		}
		r.testDone(e, key)
	}
}

func (r *report) packageDone(e event) {
	switch e.Action {
	case "fail":
		r.failedPkgs++
		for _, l := range r.output[e.Package+"\x00"] {
			fmt.Fprint(r.out, l)
		}
		fmt.Fprintf(r.out, "FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
	case "pass":
		fmt.Fprintf(r.out, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
	case "skip":
		fmt.Fprintf(r.out, "?   \t%s\t[no test files]\n", e.Package)
	}
}

func (r *report) testDone(e event, key string) {
	lines := r.output[key]
	delete(r.output, key)
	switch e.Action {
	case "pass":
		r.passed++
	case "fail":
		r.failed++
		for _, l := range lines {
			fmt.Fprint(r.out, l)
		}
	case "skip":
		r.skipped++
		reason := skipReason(lines)
		entry := fmt.Sprintf("%s %s: %s", e.Package, e.Test, reason)
		if allowedSkip(reason) {
			r.optionalSkips = append(r.optionalSkips, entry)
		} else {
			r.badSkips = append(r.badSkips, entry)
		}
	}
}

// allowedPrefixes start the only skip messages that do not fail the run.
var allowedPrefixes = []string{"optional:", "n/a:"}

func allowedSkip(reason string) bool {
	for _, p := range allowedPrefixes {
		if strings.HasPrefix(reason, p) {
			return true
		}
	}
	return false
}

// skipReason is the message a test gave to t.Skip: the output lines after
// the "=== RUN" line, minus the "--- SKIP" line, with the file:line prefix cut.
func skipReason(lines []string) string {
	var msg []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		if i := strings.Index(t, ".go:"); i >= 0 {
			if j := strings.Index(t[i:], ": "); j >= 0 {
				t = t[i+j+2:]
			}
		}
		msg = append(msg, t)
	}
	if len(msg) == 0 {
		return "(no reason given)"
	}
	return strings.Join(msg, " ")
}

func (r *report) finish() int {
	sort.Strings(r.optionalSkips)
	sort.Strings(r.badSkips)
	for _, s := range r.optionalSkips {
		fmt.Fprintln(r.out, "skipped (allowed):", s)
	}
	for _, s := range r.badSkips {
		fmt.Fprintln(r.out, "SKIPPED, which fails the run (only a message starting \"optional:\" or \"n/a:\" may skip):", s)
	}
	fmt.Fprintf(r.out, "tests: %d passed, %d failed, %d skipped\n", r.passed, r.failed, r.skipped)
	if r.failed > 0 || r.failedPkgs > 0 || len(r.badSkips) > 0 {
		return 1
	}
	return 0
}
