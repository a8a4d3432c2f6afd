package predict

import "math"

// segment is a run of slots [start, start+length) on the circle at one level.
type segment struct {
	start, length, level int
}

// OptimalSteps returns the cheapest circular step function that lies on or
// above p (cost = Σ level over all slots, i.e. replica-slots) and has at most
// k windows: maximal runs whose level is above base. Slots of p must be ≥
// base; k < 1 counts as 1. The result gives the level of every slot and the
// cost.
//
// It is exact. Rotate the circle so that slot 0 holds the global maximum M.
// Either a run boundary falls on slot 0 — then the problem is the linear one,
// solved by dynamic programming over (slots covered, windows used) with the
// level of a run being the maximum it covers — or the run through slot 0
// wraps around, in which case its two ends (a prefix and a suffix) both sit at
// level M, and the same table with a final suffix priced at M and counted
// with the prefix gives the answer. Runs of equal slots are handled as one
// item. Time O(k·r²) and memory O(k·r) for r runs (r ≤ n).
func OptimalSteps(p []int, base, k int) (levels []int, cost int64) {
	n := len(p)
	levels = make([]int, n)
	if n == 0 {
		return levels, 0
	}
	g, m := 0, p[0]
	for i, v := range p {
		if v > m {
			g, m = i, v
		}
	}
	if m <= base {
		for i := range levels {
			levels[i] = base
		}
		return levels, int64(base) * int64(n)
	}
	k = max(k, 1)
	// Rotate so that slot 0 holds the maximum, then compress runs of equal
	// values: some optimal function has boundaries only where the profile
	// changes (a boundary inside a run can slide to the run's edge without
	// raising the cost), so the table is over runs, not slots.
	var val, pos []int // run r covers rotated slots [pos[r], pos[r+1])
	for i := range n {
		v := p[(g+i)%n]
		if i == 0 || v != val[len(val)-1] {
			val = append(val, v)
			pos = append(pos, i)
		}
	}
	r := len(val)
	pos = append(pos, n)

	const inf = int64(math.MaxInt64 / 4)
	// f[c][j]: cheapest cover of runs [0, j) with c windows; from[c][j] the
	// first run of its last segment.
	f := make([][]int64, k+1)
	from := make([][]int32, k+1)
	for c := range f {
		f[c] = make([]int64, r+1)
		from[c] = make([]int32, r+1)
		for j := range f[c] {
			f[c][j] = inf
		}
	}
	f[0][0] = 0
	for j := 1; j <= r; j++ {
		mx := 0
		for i := j - 1; i >= 0; i-- {
			mx = max(mx, val[i])
			w := 0
			if mx > base {
				w = 1
			}
			seg := int64(mx) * int64(pos[j]-pos[i])
			for c := w; c <= k; c++ {
				if prev := f[c-w][i]; prev < inf && prev+seg < f[c][j] {
					f[c][j] = prev + seg
					from[c][j] = int32(i)
				}
			}
		}
	}

	// Case 1: a boundary at rotated slot 0. Case 2: the segment through
	// slot 0 wraps: cover runs [0, i) with c windows (the first segment
	// holds slot 0, so it is at level m) and extend that first segment over
	// runs [i, r) at level m.
	best, bestC, bestI := inf, -1, -1
	for c := 0; c <= k; c++ {
		if f[c][r] < best {
			best, bestC, bestI = f[c][r], c, r
		}
	}
	for c := 1; c <= k; c++ {
		for i := 1; i < r; i++ {
			if f[c][i] < inf {
				if v := f[c][i] + int64(m)*int64(n-pos[i]); v < best {
					best, bestC, bestI = v, c, i
				}
			}
		}
	}
	for t := pos[bestI]; t < n; t++ {
		levels[(g+t)%n] = m
	}
	c, j := bestC, bestI
	for j > 0 {
		i := int(from[c][j])
		mx := 0
		for t := i; t < j; t++ {
			mx = max(mx, val[t])
		}
		for t := pos[i]; t < pos[j]; t++ {
			levels[(g+t)%n] = mx
		}
		if mx > base {
			c--
		}
		j = i
	}
	return levels, best
}

// runs splits a circular level sequence into maximal runs of equal level.
// A constant sequence is a single run of the full length starting at 0.
func runs(levels []int) []segment {
	n := len(levels)
	if n == 0 {
		return nil
	}
	first := -1
	for i := range levels {
		if levels[i] != levels[(i-1+n)%n] {
			first = i
			break
		}
	}
	if first < 0 {
		return []segment{{0, n, levels[0]}}
	}
	var out []segment
	cur := segment{start: first, length: 1, level: levels[first]}
	for d := 1; d < n; d++ {
		i := (first + d) % n
		if levels[i] == cur.level {
			cur.length++
			continue
		}
		out = append(out, cur)
		cur = segment{start: i, length: 1, level: levels[i]}
	}
	return append(out, cur)
}
