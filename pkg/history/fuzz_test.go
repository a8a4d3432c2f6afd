package history_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
)

// maxFuzzHistory is the largest input the fuzz target decodes: bigger files
// are covered by the unit tests, and at a few milliseconds per decode they
// would slow the fuzzer (and its minimisation) to a crawl.
const maxFuzzHistory = 16 << 10

// historySeeds returns every ScalingHistory file of at most maxFuzzHistory
// bytes that the repository holds: the package's golden files, the golden
// cases' input-history.yaml and the bad-input catalogue's history directories.
func historySeeds(t testing.TB) [][]byte {
	var files []string
	for _, g := range []string{
		"../../testdata/history/*.yaml",
		"../../testdata/golden/*/input-history*.yaml",
		"../../testdata/bad-input/*/history/*.yaml",
	} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			t.Fatalf("no seed file matches %s", g)
		}
		files = append(files, m...)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) <= maxFuzzHistory {
			out = append(out, b)
		}
	}
	return out
}

// FuzzDecodeHistory decodes random bytes as a ScalingHistory and checks
// Decode's contract: no panic, the same answer twice, either a history or a
// diag.List error whose entries say what is allowed, a returned history
// that validates, and Encode/Decode round trips that give the same history
// and the same bytes.
func FuzzDecodeHistory(f *testing.F) {
	for _, s := range historySeeds(f) {
		f.Add(s)
	}
	f.Add([]byte(""))
	f.Add([]byte("apiVersion: ml-autoscaling.io/v1alpha1\nkind: ScalingHistory\nmetadata: {name: w}\nspec:\n  target: {kind: Deployment, name: w, namespace: ml}\n  query: q\n  start: \"2026-01-01T00:00:00Z\"\n  step: 1500ms\n  values: [1, null, .nan, 0x10, \"2\"]\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzHistory {
			return
		}
		h, err := history.Decode(data)
		h2, err2 := history.Decode(data)
		if !sameHistory(h, h2) || !reflect.DeepEqual(err, err2) {
			t.Fatalf("Decode is not deterministic: %v / %v", err, err2)
		}
		if (h == nil) == (err == nil) {
			t.Fatalf("Decode returned history %v and error %v", h, err)
		}
		if err != nil {
			var l diag.List
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error is not a diag.List: %T %v", err, err)
			}
			for _, d := range l {
				if d.Severity != diag.Error || d.Message == "" {
					t.Fatalf("bad diagnostic %#v", d)
				}
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("decoded history does not validate: %v", err)
		}
		enc, err := history.Encode(h)
		if err != nil {
			t.Fatalf("Encode of a decoded history: %v", err)
		}
		back, err := history.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(h)): %v\n%s", err, enc)
		}
		if !sameHistory(h, back) {
			t.Fatalf("round trip changed the history:\n%+v\n%+v\n%s", h, back, enc)
		}
		again, err := history.Encode(back)
		if err != nil || string(again) != string(enc) {
			t.Fatalf("Encode is not stable (%v):\n%s\n---\n%s", err, enc, again)
		}
	})
}

// sameHistory compares two histories, treating NaN gaps as equal.
func sameHistory(a, b *history.History) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Name != b.Name || a.Namespace != b.Namespace || a.Target != b.Target || a.Query != b.Query ||
		!a.Start.Equal(b.Start) || a.Step != b.Step || len(a.Values) != len(b.Values) {
		return false
	}
	for i := range a.Values {
		x, y := a.Values[i], b.Values[i]
		if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
			return false
		}
	}
	return true
}
