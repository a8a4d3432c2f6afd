package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ev(action, pkg, test, output string) string {
	return `{"Action":"` + action + `","Package":"` + pkg + `","Test":"` + test + `","Output":` + quote(output) + `}`
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '"':
			b.WriteString(`\"`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestReport(t *testing.T) {
	tests := []struct {
		name     string
		events   []string
		wantCode int
		want     []string
	}{
		{
			name: "all pass",
			events: []string{
				ev("run", "p", "TestA", ""), ev("pass", "p", "TestA", ""), ev("pass", "p", "", ""),
			},
			want: []string{"ok  \tp\t", "tests: 1 passed, 0 failed, 0 skipped"},
		},
		{
			name: "optional skip passes",
			events: []string{
				ev("output", "p", "TestK", "=== RUN   TestK\n"),
				ev("output", "p", "TestK", "    k_test.go:12: optional: kpt is not on PATH\n"),
				ev("output", "p", "TestK", "--- SKIP: TestK (0.00s)\n"),
				ev("skip", "p", "TestK", ""), ev("pass", "p", "", ""),
			},
			want: []string{"skipped (allowed): p TestK: optional: kpt is not on PATH", "0 passed, 0 failed, 1 skipped"},
		},
		{
			name: "a case that does not apply passes",
			events: []string{
				ev("output", "p", "TestC/x", "    c_test.go:4: n/a: does not apply to the function\n"),
				ev("skip", "p", "TestC/x", ""), ev("pass", "p", "", ""),
			},
			want: []string{"skipped (allowed): p TestC/x: n/a: does not apply"},
		},
		{
			name: "missing data skip fails the run",
			events: []string{
				ev("output", "p", "TestT", "    t_test.go:9: trace is absent\n"),
				ev("skip", "p", "TestT", ""), ev("pass", "p", "", ""),
			},
			wantCode: 1,
			want:     []string{"SKIPPED, which fails the run", "p TestT: trace is absent"},
		},
		{
			name: "a failed test prints its output and fails",
			events: []string{
				ev("output", "p", "TestF", "    f_test.go:3: boom\n"),
				ev("fail", "p", "TestF", ""), ev("output", "p", "", "FAIL\n"), ev("fail", "p", "", ""),
			},
			wantCode: 1,
			want:     []string{"f_test.go:3: boom", "FAIL\tp\t", "0 passed, 1 failed"},
		},
		{
			name:     "a build failure fails",
			events:   []string{"# p\n./x.go:1: syntax error", ev("fail", "p", "", "")},
			wantCode: 1,
			want:     []string{"./x.go:1: syntax error", "FAIL\tp"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := &report{out: &out, output: map[string][]string{}}
			require.NoError(t, r.read(strings.NewReader(strings.Join(tt.events, "\n"))))
			assert.Equal(t, tt.wantCode, r.finish())
			for _, w := range tt.want {
				assert.Contains(t, out.String(), w)
			}
		})
	}
}
