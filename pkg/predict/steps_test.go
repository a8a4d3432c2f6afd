package predict

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bruteSteps enumerates every circular step function whose runs are at the
// maximum of the slots they cover (any cheaper-looking function that is not
// of that form can be lowered without adding windows) and returns the least
// cost with at most k windows above base.
func bruteSteps(p []int, base, k int) int64 {
	n := len(p)
	best := int64(-1)
	// Every non-empty set of boundaries (a boundary at b starts a run at b);
	// the empty set is the constant function.
	for mask := 0; mask < 1<<n; mask++ {
		var bs []int
		for b := range n {
			if mask&(1<<b) != 0 {
				bs = append(bs, b)
			}
		}
		var cost int64
		windows := 0
		if len(bs) == 0 {
			m := base
			for _, v := range p {
				m = max(m, v)
			}
			cost = int64(m) * int64(n)
			if m > base {
				windows = 1
			}
		} else {
			for i, b := range bs {
				e := bs[(i+1)%len(bs)]
				length := (e - b + n) % n
				if length == 0 {
					length = n
				}
				m := base
				for d := range length {
					m = max(m, p[(b+d)%n])
				}
				cost += int64(m) * int64(length)
				if m > base {
					windows++
				}
			}
		}
		if windows <= k && (best < 0 || cost < best) {
			best = cost
		}
	}
	return best
}

func TestOptimalStepsMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 3000 {
		n := 1 + rng.IntN(9)
		base := rng.IntN(3)
		k := 1 + rng.IntN(4)
		p := make([]int, n)
		for i := range p {
			p[i] = base + rng.IntN(5)
		}
		levels, cost := OptimalSteps(p, base, k)
		want := bruteSteps(p, base, k)
		require.Equal(t, want, cost, "trial %d: p=%v base=%d k=%d", trial, p, base, k)
		checkSteps(t, p, base, k, levels, cost)
	}
}

// checkSteps asserts the properties every result must have: it covers p,
// uses at most k windows above base, and its cost is the sum of its levels.
func checkSteps(t *testing.T, p []int, base, k int, levels []int, cost int64) {
	t.Helper()
	require.Len(t, levels, len(p))
	var sum int64
	for i := range p {
		assert.GreaterOrEqual(t, levels[i], p[i], "slot %d below the profile", i)
		assert.GreaterOrEqual(t, levels[i], base, "slot %d below base", i)
		sum += int64(levels[i])
	}
	assert.Equal(t, sum, cost)
	windows := 0
	for _, r := range runs(levels) {
		if r.level > base {
			windows++
		}
	}
	assert.LessOrEqual(t, windows, k, "p=%v levels=%v", p, levels)
}

func TestOptimalStepsCases(t *testing.T) {
	tests := []struct {
		name     string
		p        []int
		base, k  int
		want     []int
		wantCost int64
	}{
		{"all at base: nothing to do", []int{1, 1, 1}, 1, 2, []int{1, 1, 1}, 3},
		{"one peak", []int{1, 5, 1, 1}, 1, 1, []int{1, 5, 1, 1}, 8},
		{"two peaks, one window: bridge the cheaper gap", []int{5, 1, 5, 1, 1, 1}, 1, 1, []int{5, 5, 5, 1, 1, 1}, 18},
		{"two peaks, two windows", []int{5, 1, 5, 1, 1, 1}, 1, 2, []int{5, 1, 5, 1, 1, 1}, 14},
		{"window wraps around the end", []int{4, 1, 1, 1, 4}, 1, 1, []int{4, 1, 1, 1, 4}, 11},
		{"staircase with one window is flat at the top", []int{2, 3, 4}, 0, 1, []int{4, 4, 4}, 12},
		{"staircase with three windows follows it", []int{2, 3, 4}, 0, 3, []int{2, 3, 4}, 9},
		{"k below 1 counts as 1", []int{1, 3, 1}, 1, 0, []int{1, 3, 1}, 5},
		{"empty", nil, 1, 3, []int{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			levels, cost := OptimalSteps(tc.p, tc.base, tc.k)
			assert.Equal(t, tc.want, levels)
			assert.Equal(t, tc.wantCost, cost)
		})
	}
}

func TestOptimalStepsLargeProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 50 {
		n := 48 + rng.IntN(300)
		base := rng.IntN(3)
		k := 1 + rng.IntN(12)
		p := make([]int, n)
		for i := range p {
			// A noisy daily-looking curve.
			p[i] = base + max(0, int(10+8*sinApprox(float64(i)/float64(n)))+rng.IntN(4)-2)
		}
		levels, cost := OptimalSteps(p, base, k)
		checkSteps(t, p, base, k, levels, cost)
		// More windows never cost more.
		_, cost2 := OptimalSteps(p, base, k+1)
		assert.LessOrEqual(t, cost2, cost, "trial %d", trial)
	}
}

// sinApprox is a smooth periodic bump in [-1, 1] with period 1.
func sinApprox(x float64) float64 {
	x -= float64(int(x))
	y := 4 * x * (1 - x) // 0..1..0
	return 2*y - 1
}

func TestRuns(t *testing.T) {
	tests := []struct {
		name   string
		levels []int
		want   []segment
	}{
		{"constant", []int{2, 2, 2}, []segment{{0, 3, 2}}},
		{"two runs", []int{1, 1, 3}, []segment{{0, 2, 1}, {2, 1, 3}}},
		{"run across the end", []int{3, 1, 3}, []segment{{1, 1, 1}, {2, 2, 3}}},
		{"empty", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, runs(tc.levels))
		})
	}
}
