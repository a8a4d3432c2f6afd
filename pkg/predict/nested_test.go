package predict

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bruteNestedWindows tries every set of at most k windows — every arc of
// the circle (and the whole circle) at every level p takes above base —
// and returns the least cost of a floor max(base, windows covering a slot)
// that lies on or above p. It knows nothing about how the windows nest.
func bruteNestedWindows(p []int, base, k int) int64 {
	n := len(p)
	var lv []int
	for _, v := range p {
		if v > base {
			lv = append(lv, v)
		}
	}
	slices.Sort(lv)
	lv = slices.Compact(lv)
	type win struct{ start, length, level int }
	var cands []win
	for _, v := range lv {
		cands = append(cands, win{0, n, v})
		for s := range n {
			for l := 1; l < n; l++ {
				cands = append(cands, win{s, l, v})
			}
		}
	}
	best := int64(-1)
	f := make([]int, n)
	for i := range f {
		f[i] = base
	}
	var try func(from, left int, f []int)
	try = func(from, left int, f []int) {
		ok, cost := true, int64(0)
		for i := range f {
			ok = ok && f[i] >= p[i]
			cost += int64(f[i])
		}
		if ok && (best < 0 || cost < best) {
			best = cost
		}
		if left == 0 {
			return
		}
		g := make([]int, n)
		for c := from; c < len(cands); c++ {
			copy(g, f)
			w := cands[c]
			for d := range w.length {
				g[(w.start+d)%n] = max(g[(w.start+d)%n], w.level)
			}
			try(c+1, left-1, g)
		}
	}
	try(0, k, f)
	return best
}

// bruteNestedLevels tries every floor whose slots take values of p (or
// base) on or above p, counts its windows with NestedWindows, and returns
// the least cost with at most k windows.
func bruteNestedLevels(p []int, base, k int) int64 {
	n := len(p)
	vals := append([]int{base}, p...)
	slices.Sort(vals)
	vals = slices.Compact(vals)
	best := int64(-1)
	f := make([]int, n)
	var rec func(i int)
	rec = func(i int) {
		if i == n {
			if len(NestedWindows(f, base)) > k {
				return
			}
			var cost int64
			for _, v := range f {
				cost += int64(v)
			}
			if best < 0 || cost < best {
				best = cost
			}
			return
		}
		for _, v := range vals {
			if v >= p[i] {
				f[i] = v
				rec(i + 1)
			}
		}
	}
	rec(0)
	return best
}

// checkNested asserts what every result must satisfy: it covers p, its
// cost is the sum of its levels, and at most k windows reproduce it
// exactly under max-over-windows.
func checkNested(t *testing.T, p []int, base, k int, levels []int, cost int64) {
	t.Helper()
	require.Len(t, levels, len(p))
	var sum int64
	for i := range p {
		require.GreaterOrEqual(t, levels[i], p[i], "slot %d below the profile: p=%v levels=%v", i, p, levels)
		sum += int64(levels[i])
	}
	require.Equal(t, sum, cost, "p=%v levels=%v", p, levels)
	ws := NestedWindows(levels, base)
	require.LessOrEqual(t, len(ws), k, "p=%v levels=%v windows=%v", p, levels, ws)
	require.Equal(t, levels, evalWindows(len(p), base, ws), "the windows must reproduce the levels")
}

// evalWindows is the floor that windows give under KEDA's rule: the largest
// level covering a slot, base elsewhere.
func evalWindows(n, base int, ws []segment) []int {
	f := make([]int, n)
	for i := range f {
		f[i] = base
	}
	for _, w := range ws {
		for d := range w.length {
			f[(w.start+d)%n] = max(f[(w.start+d)%n], w.level)
		}
	}
	return f
}

// compareNested runs OptimalNestedSteps on random small profiles (up to
// maxN slots, values base … base+spread-1, budgets 1 … maxK) against brute.
func compareNested(t *testing.T, seed uint64, trials, maxN, spread, maxK int, brute func(p []int, base, k int) int64) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for trial := range trials {
		n := 1 + rng.IntN(maxN)
		base := rng.IntN(3)
		k := 1 + rng.IntN(maxK)
		p := make([]int, n)
		for i := range p {
			p[i] = base + rng.IntN(spread)
		}
		levels, cost := OptimalNestedSteps(p, base, k)
		require.Equal(t, brute(p, base, k), cost, "trial %d: p=%v base=%d k=%d levels=%v", trial, p, base, k, levels)
		checkNested(t, p, base, k, levels, cost)
	}
}

func TestOptimalNestedStepsMatchesBruteForceOverWindowSets(t *testing.T) {
	compareNested(t, 11, 1000, 5, 4, 3, bruteNestedWindows)
}

func TestOptimalNestedStepsMatchesBruteForceOverFloors(t *testing.T) {
	compareNested(t, 13, 1500, 9, 5, 4, bruteNestedLevels)
}

func TestOptimalNestedStepsCases(t *testing.T) {
	tests := []struct {
		name     string
		p        []int
		base, k  int
		want     []int
		wantCost int64
	}{
		{"all at base", []int{1, 1, 1}, 1, 2, []int{1, 1, 1}, 3},
		{"a staircase up and down is one window per rise", []int{1, 2, 3, 2, 1}, 1, 2, []int{1, 2, 3, 2, 1}, 9},
		{"one window flattens it", []int{1, 2, 3, 2, 1}, 1, 1, []int{1, 3, 3, 3, 1}, 11},
		{"a dip to a new level costs a window", []int{1, 3, 2, 3, 1}, 1, 2, []int{1, 3, 3, 3, 1}, 11},
		{"three windows follow the dip", []int{1, 3, 2, 3, 1}, 1, 3, []int{1, 3, 2, 3, 1}, 10},
		{"nested across the end of the period", []int{3, 2, 1, 1, 2}, 1, 2, []int{3, 2, 1, 1, 2}, 9},
		{"above base everywhere: a whole-period window", []int{2, 4, 2, 2}, 1, 2, []int{2, 4, 2, 2}, 10},
		{"whole period with one window", []int{2, 4, 2, 2}, 1, 1, []int{4, 4, 4, 4}, 16},
		{"k below 1 counts as 1", []int{1, 3, 1}, 1, 0, []int{1, 3, 1}, 5},
		{"empty", nil, 1, 3, []int{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			levels, cost := OptimalNestedSteps(tc.p, tc.base, tc.k)
			assert.Equal(t, tc.want, levels)
			assert.Equal(t, tc.wantCost, cost)
		})
	}
}

// TestOptimalNestedStepsBetweenRunBudgets checks larger profiles against
// the run-counting optimum: k nested windows can do whatever k runs can
// (each run is a window), and no better than 2k runs (k windows have at
// most 2k boundaries).
func TestOptimalNestedStepsBetweenRunBudgets(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for trial := range 60 {
		n := 48 + rng.IntN(150)
		base := rng.IntN(3)
		k := 1 + rng.IntN(10)
		p := make([]int, n)
		for i := range p {
			p[i] = base + max(0, int(6+5*sinApprox(float64(i)/float64(n)))+rng.IntN(5)-2)
		}
		levels, cost := OptimalNestedSteps(p, base, k)
		checkNested(t, p, base, k, levels, cost)
		_, runsK := OptimalSteps(p, base, k)
		_, runs2K := OptimalSteps(p, base, 2*k)
		assert.LessOrEqual(t, cost, runsK, "trial %d", trial)
		assert.GreaterOrEqual(t, cost, runs2K, "trial %d", trial)
		_, more := OptimalNestedSteps(p, base, k+1)
		assert.LessOrEqual(t, more, cost, "trial %d: a larger budget never costs more", trial)
	}
}

func TestNestedWindows(t *testing.T) {
	tests := []struct {
		name   string
		levels []int
		base   int
		want   []segment
	}{
		{"flat at base", []int{1, 1}, 1, nil},
		{"staircase", []int{1, 2, 3, 2, 1}, 1, []segment{{2, 1, 3}, {1, 3, 2}}},
		{"dip to a new level", []int{1, 3, 2, 3, 1}, 1, []segment{{1, 1, 3}, {3, 1, 3}, {1, 3, 2}}},
		{"wraps over the end", []int{3, 1, 2}, 1, []segment{{0, 1, 3}, {2, 2, 2}}},
		{"whole circle", []int{2, 2}, 0, []segment{{0, 2, 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NestedWindows(tc.levels, tc.base)
			assert.ElementsMatch(t, tc.want, got)
			assert.Equal(t, tc.levels, evalWindows(len(tc.levels), tc.base, got))
		})
	}
}

func TestBoundedNestedSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	noisy := func(n, spread int) []int {
		p := make([]int, n)
		for i := range p {
			p[i] = 1 + rng.IntN(spread)
		}
		return p
	}
	tests := []struct {
		name      string
		p         []int
		k         int
		wantExact bool
	}{
		{"small profile: exact", noisy(48, 4), 8, true},
		{"fragmented week at 15 minutes: bounded", noisy(672, 6), 10, false},
		{"fragmented week, one window", noisy(336, 3), 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			levels, cost, exact, note := boundedNestedSteps(tc.p, 1, tc.k)
			assert.Equal(t, tc.wantExact, exact)
			checkNested(t, tc.p, 1, tc.k, levels, cost)
			_, runsCost := OptimalSteps(tc.p, 1, tc.k)
			assert.LessOrEqual(t, cost, runsCost, "never worse than one window per run")
			if exact {
				assert.Empty(t, note)
				_, want := OptimalNestedSteps(tc.p, 1, tc.k)
				assert.Equal(t, want, cost)
				return
			}
			assert.Contains(t, note, "too many separate rises for the exact nested search")
			assert.Greater(t, newNestedDP(tc.p, 1, tc.k).work(), float64(maxNestedWork))
		})
	}
}

// FuzzOptimalNestedSteps checks the nested optimum against the brute force
// over floors on small profiles built from the input bytes.
func FuzzOptimalNestedSteps(f *testing.F) {
	f.Add([]byte{1, 3, 2, 3, 1}, uint8(1), uint8(2))
	f.Add([]byte{3, 2, 1, 1, 2}, uint8(1), uint8(2))
	f.Add([]byte{2, 4, 2, 2}, uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, raw []byte, base, k uint8) {
		if len(raw) == 0 || len(raw) > 7 {
			return
		}
		b, kk := int(base%3), 1+int(k%4)
		p := make([]int, len(raw))
		for i, x := range raw {
			p[i] = b + int(x%5)
		}
		levels, cost := OptimalNestedSteps(p, b, kk)
		require.Equal(t, bruteNestedLevels(p, b, kk), cost, "p=%v base=%d k=%d levels=%v", p, b, kk, levels)
		checkNested(t, p, b, kk, levels, cost)
	})
}
