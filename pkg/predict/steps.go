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
// with the prefix gives the answer. Time O(k·n²), memory O(k·n).
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
	q := make([]int, n)
	for i := range q {
		q[i] = p[(g+i)%n]
	}

	const inf = int64(math.MaxInt64 / 4)
	// f[c][j]: cheapest cover of q[0:j] with c windows; from[c][j] the start
	// of its last run and whether that run counted as a window.
	f := make([][]int64, k+1)
	from := make([][]int32, k+1)
	for c := range f {
		f[c] = make([]int64, n+1)
		from[c] = make([]int32, n+1)
		for j := range f[c] {
			f[c][j] = inf
		}
	}
	f[0][0] = 0
	for j := 1; j <= n; j++ {
		mx := 0
		for i := j - 1; i >= 0; i-- {
			mx = max(mx, q[i])
			w := 0
			if mx > base {
				w = 1
			}
			seg := int64(mx) * int64(j-i)
			for c := w; c <= k; c++ {
				if prev := f[c-w][i]; prev < inf && prev+seg < f[c][j] {
					f[c][j] = prev + seg
					from[c][j] = int32(i)
				}
			}
		}
	}

	// Case 1: a boundary at rotated slot 0. Case 2: the run through slot 0
	// wraps: cover q[0:i] with c windows (its first run holds slot 0, so it
	// is at level m) and extend that first run over q[i:n] at level m.
	best, bestC, bestI := inf, -1, -1
	for c := 0; c <= k; c++ {
		if f[c][n] < best {
			best, bestC, bestI = f[c][n], c, n
		}
	}
	for c := 1; c <= k; c++ {
		for i := 1; i < n; i++ {
			if f[c][i] < inf {
				if v := f[c][i] + int64(m)*int64(n-i); v < best {
					best, bestC, bestI = v, c, i
				}
			}
		}
	}
	for j := bestI; j < n; j++ {
		levels[(g+j)%n] = m
	}
	c, j := bestC, bestI
	for j > 0 {
		i := int(from[c][j])
		mx := 0
		for t := i; t < j; t++ {
			mx = max(mx, q[t])
		}
		for t := i; t < j; t++ {
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
