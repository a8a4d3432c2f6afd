package predict

import (
	"fmt"
	"math"
	"slices"
)

// OptimalNestedSteps returns the cheapest circular step function that lies
// on or above p (cost = Σ level over all slots) and that at most k windows
// can express when, as with KEDA's cron triggers, the floor at a slot is the
// largest level of the windows covering it and base elsewhere. Windows may
// nest, so a staircase that rises and falls through the same levels needs
// one window per rise, not one per step. Slots of p must be ≥ base; k < 1
// counts as 1. NestedWindows gives the windows of the result.
//
// It is exact. Some optimal function has, at every level v it takes, the
// following shape (otherwise it could be lowered without needing more
// windows): the maximal arcs on which it is above v are hulls of consecutive
// components of {p > v}, and each such arc holds one window at the arc's
// lowest level. So the search runs over levels (the values of p) from the
// top down: for every level v and every hull H of consecutive components of
// {p > v}, the cheapest cover of H by one window at a level v' > v plus the
// cheapest grouping of the components of {p > v'} inside H into further
// hulls, with a knapsack over the window budget. Time O(Σ_v c_v³·k²) for c_v
// components at level v, memory O(Σ_v c_v²·k).
func OptimalNestedSteps(p []int, base, k int) (levels []int, cost int64) {
	n := len(p)
	levels = make([]int, n)
	if n == 0 {
		return levels, 0
	}
	k = max(k, 1)
	m := slices.Max(p)
	if m <= base {
		for i := range levels {
			levels[i] = base
		}
		return levels, int64(base) * int64(n)
	}
	d := newNestedDP(p, base, k)
	return d.solve(levels)
}

// maxNestedWork bounds the inner steps of one exact nested search (about
// 30 ms on one core); fragmented profiles beyond it are planned by
// boundedNestedSteps.
const maxNestedWork = 2e7

// work estimates the inner steps of the search: Σ_v c_v³·k²/2.
func (d *nestedDP) work() float64 {
	var w float64
	for _, l := range d.lvl {
		if l != nil {
			w += float64(l.c) * float64(l.c) * float64(l.c) * float64(d.k*d.k) / 2
		}
	}
	return w
}

// boundedNestedSteps is OptimalNestedSteps within maxNestedWork. A profile
// too fragmented for the exact search (many separate rises at some level)
// gets the cheaper of two valid floors with at most k windows: the run
// optimum (OptimalSteps) and the nested optimum of the profile coarsened
// to the smallest whole number of slots per step that fits the limit. Then
// exact is false and note says what was done.
func boundedNestedSteps(p []int, base, k int) (levels []int, cost int64, exact bool, note string) {
	k = max(k, 1)
	if len(p) == 0 || slices.Max(p) <= base || newNestedDP(p, base, k).work() <= maxNestedWork {
		levels, cost = OptimalNestedSteps(p, base, k)
		return levels, cost, true, ""
	}
	levels, cost = OptimalSteps(p, base, k)
	how := "one window per run"
	n := len(p)
	for f := 2; f < n; f++ {
		if n%f != 0 {
			continue
		}
		q := make([]int, n/f)
		for i := range q {
			q[i] = slices.Max(p[i*f : (i+1)*f])
		}
		if newNestedDP(q, base, k).work() > maxNestedWork {
			continue
		}
		ql, _ := OptimalNestedSteps(q, base, k)
		var c int64
		for _, v := range ql {
			c += int64(v) * int64(f)
		}
		if c < cost {
			levels, cost, how = make([]int, n), c, fmt.Sprintf("nested windows on steps of %d slots", f)
			for i := range levels {
				levels[i] = ql[i/f]
			}
		}
		break
	}
	return levels, cost, false, "the profile has too many separate rises for the exact nested search; used the cheaper of one window per run and nested windows on a coarser grid: " + how
}

const nestedInf = int64(math.MaxInt64 / 4)

// nestedDP holds the run-compressed profile and the tables of every level.
type nestedDP struct {
	n, k   int
	base   int
	segs   []segment // runs of p, rotated so that segs[0] has the minimum
	pre    []int64   // pre[x] = slots in runs [0, x)
	lv     []int     // candidate levels ascending; lv[0] = base
	lvl    []*nestLevel
	first  int // index of the first level with a table
	lowest int // smallest value of p
}

// nestLevel is one level v: the components of {p > v} as run ranges and the
// tables over hulls of consecutive components.
type nestLevel struct {
	v    int
	s, e []int // component c covers runs [s[c], e[c])
	mx   []int // largest value of p in the component
	c    int
	// sa[a][len][k]: cheapest extra cost (over v per slot) of covering the
	// components a … a+len-1 (circularly) by groups, with at most k
	// windows; gx[i][len][k]: the same for exactly one group, the hull of
	// components i … i+len-1.
	sa, gx []int64
	saT    []int32 // first group's length in the best sa
	saK    []int16 // windows given to that group
	gxJ    []int16 // level index of the group's window in the best gx
}

func (l *nestLevel) idx(a, ln, k, kk int) int { return (a*(l.c+1)+ln)*(kk+1) + k }

func newNestedDP(p []int, base, k int) *nestedDP {
	d := &nestedDP{n: len(p), k: k, base: base}
	rs := runs(p)
	lo := 0
	for i, r := range rs {
		if r.level < rs[lo].level {
			lo = i
		}
	}
	d.segs = append(slices.Clone(rs[lo:]), rs[:lo]...)
	d.lowest = d.segs[0].level
	d.pre = make([]int64, len(d.segs)+1)
	vals := []int{base}
	for i, r := range d.segs {
		d.pre[i+1] = d.pre[i] + int64(r.length)
		vals = append(vals, r.level)
	}
	slices.Sort(vals)
	d.lv = slices.Compact(vals)
	top := d.lv[len(d.lv)-1]
	d.lvl = make([]*nestLevel, len(d.lv))
	d.first = len(d.lv)
	for j, v := range d.lv {
		if v >= d.lowest && v < top {
			d.lvl[j] = d.components(v)
			d.first = min(d.first, j)
		}
	}
	return d
}

// components lists the maximal run ranges with p > v (v ≥ the minimum of p,
// so none wraps: run 0 holds the minimum).
func (d *nestedDP) components(v int) *nestLevel {
	l := &nestLevel{v: v}
	for x := 0; x < len(d.segs); x++ {
		if d.segs[x].level <= v {
			continue
		}
		s, mx := x, 0
		for ; x < len(d.segs) && d.segs[x].level > v; x++ {
			mx = max(mx, d.segs[x].level)
		}
		l.s, l.e, l.mx = append(l.s, s), append(l.e, x), append(l.mx, mx)
	}
	l.c = len(l.s)
	return l
}

// hullWeight returns the slots of the hull of components i … i+ln-1.
func (d *nestedDP) hullWeight(l *nestLevel, i, ln int) int64 {
	last := (i + ln - 1) % l.c
	if i+ln-1 < l.c {
		return d.pre[l.e[last]] - d.pre[l.s[i]]
	}
	return d.pre[len(d.segs)] - d.pre[l.s[i]] + d.pre[l.e[last]]
}

// inner maps every component of level l to the components of the higher
// level h inside it: the first of them (the first component of h starting
// at or after it, modulo h.c) and how many.
func inner(l, h *nestLevel) (first, count []int) {
	first, count = make([]int, l.c), make([]int, l.c)
	y := 0
	for i := range l.c {
		for y < h.c && h.s[y] < l.s[i] {
			y++
		}
		first[i] = y % max(h.c, 1)
		for z := y; z < h.c && h.s[z] < l.e[i]; z++ {
			count[i]++
		}
	}
	return first, count
}

func (d *nestedDP) solve(levels []int) ([]int, int64) {
	for j := len(d.lv) - 1; j >= d.first; j-- {
		if d.lvl[j] != nil {
			d.fillGroups(j)
			d.fillSegs(j)
		}
	}
	// The whole circle: either some slot stays at base (base is the minimum
	// of p), or one window covers the whole period at a level v1 and some
	// slot stays at v1.
	best, bestJ, bestA := nestedInf, -1, -1
	if d.base == d.lowest {
		if c, a := d.circle(0, d.k); c < nestedInf {
			best, bestJ, bestA = int64(d.base)*int64(d.n)+c, 0, a
		}
	}
	for j := 1; j < len(d.lv) && d.k >= 1; j++ {
		if d.lv[j] < d.lowest {
			continue
		}
		c, a := d.circle(j, d.k-1)
		if c < nestedInf && int64(d.lv[j])*int64(d.n)+c < best {
			best, bestJ, bestA = int64(d.lv[j])*int64(d.n)+c, j, a
		}
	}
	for _, r := range d.segs {
		for t := range r.length {
			levels[(r.start+t)%d.n] = d.lv[bestJ]
		}
	}
	if l := d.lvl[bestJ]; l != nil && l.c > 0 {
		kk := d.k
		if bestJ > 0 { // a window over the whole circle
			kk--
		}
		d.paintSegs(levels, bestJ, bestA, l.c, kk)
	}
	return levels, best
}

// circle returns the cheapest extra cost of grouping all components of
// level j around the circle with at most k windows (some gap unbridged),
// and the component the grouping starts at.
func (d *nestedDP) circle(j, k int) (int64, int) {
	l := d.lvl[j]
	if l == nil || l.c == 0 {
		return 0, 0
	}
	if k < 0 {
		return nestedInf, 0
	}
	best, at := nestedInf, 0
	for a := range l.c {
		if v := l.sa[l.idx(a, l.c, k, d.k)]; v < best {
			best, at = v, a
		}
	}
	return best, at
}

// fillGroups computes gx of level j: for every hull, the best window level
// above v and the best grouping inside it at that level.
func (d *nestedDP) fillGroups(j int) {
	l, K := d.lvl[j], d.k
	size := l.c * (l.c + 1) * (K + 1)
	l.gx, l.gxJ = make([]int64, size), make([]int16, size)
	for x := range l.gx {
		l.gx[x] = nestedInf
	}
	type up struct {
		j            int
		h            *nestLevel
		first, count []int
	}
	var ups []up
	for jj := j + 1; jj < len(d.lv); jj++ {
		u := up{j: jj, h: d.lvl[jj]}
		if u.h != nil {
			u.first, u.count = inner(l, u.h)
		}
		ups = append(ups, u)
	}
	cnt := make([]int, len(ups))
	for i := range l.c {
		clear(cnt)
		mx := 0
		for ln := 1; ln <= l.c; ln++ {
			last := (i + ln - 1) % l.c
			mx = max(mx, l.mx[last])
			w := d.hullWeight(l, i, ln)
			for u := range ups {
				if ups[u].h != nil {
					cnt[u] += ups[u].count[last]
				}
			}
			for u, up := range ups {
				v := d.lv[up.j]
				if v > mx {
					break
				}
				base := int64(v-l.v) * w
				for k := 1; k <= K; k++ {
					in := int64(0)
					if up.h != nil && cnt[u] > 0 {
						in = up.h.sa[up.h.idx(up.first[i], cnt[u], k-1, K)]
					}
					if in >= nestedInf {
						continue
					}
					x := l.idx(i, ln, k, K)
					if base+in < l.gx[x] {
						l.gx[x], l.gxJ[x] = base+in, int16(up.j)
					}
				}
			}
		}
	}
}

// fillSegs computes sa of level j from its gx: the first group is the hull
// of components a … a+t-1 with k1 windows, the rest is grouped recursively.
// A k1 at which the group costs no less than with k1-1 windows is skipped:
// the smaller budget leaves more to the rest.
func (d *nestedDP) fillSegs(j int) {
	l, K := d.lvl[j], d.k
	size := l.c * (l.c + 1) * (K + 1)
	l.sa, l.saT, l.saK = make([]int64, size), make([]int32, size), make([]int16, size)
	row := func(tab []int64, a, ln int) []int64 { x := l.idx(a, ln, 0, K); return tab[x : x+K+1] }
	for ln := 1; ln <= l.c; ln++ {
		for a := range l.c {
			x0 := l.idx(a, ln, 0, K)
			out, outT, outK := l.sa[x0:x0+K+1], l.saT[x0:x0+K+1], l.saK[x0:x0+K+1]
			for k := range out {
				out[k] = nestedInf
			}
			for t := 1; t <= ln; t++ {
				g, rest := row(l.gx, a, t), row(l.sa, (a+t)%l.c, ln-t)
				for k1 := 1; k1 <= K; k1++ {
					if g[k1] >= nestedInf || g[k1] == g[k1-1] {
						continue
					}
					for k := k1; k <= K; k++ {
						if r := rest[k-k1]; r < nestedInf && g[k1]+r < out[k] {
							out[k], outT[k], outK[k] = g[k1]+r, int32(t), int16(k1)
						}
					}
				}
			}
		}
	}
}

// paintSegs writes the levels of the best grouping of components a …
// a+ln-1 of level j with at most k windows.
func (d *nestedDP) paintSegs(levels []int, j, a, ln, k int) {
	l := d.lvl[j]
	for ln > 0 {
		x := l.idx(a, ln, k, d.k)
		t, k1 := int(l.saT[x]), int(l.saK[x])
		d.paintGroup(levels, j, a, t, k1)
		a, ln, k = (a+t)%l.c, ln-t, k-k1
	}
}

// paintGroup writes the levels of the best cover of the hull of components
// i … i+ln-1 of level j by one window and what nests inside it.
func (d *nestedDP) paintGroup(levels []int, j, i, ln, k int) {
	l := d.lvl[j]
	jj := int(l.gxJ[l.idx(i, ln, k, d.k)])
	v := d.lv[jj]
	last := (i + ln - 1) % l.c
	end := l.e[last] % len(d.segs)
	for x := l.s[i]; x != end; x = (x + 1) % len(d.segs) {
		r := d.segs[x]
		for t := range r.length {
			levels[(r.start+t)%d.n] = v
		}
	}
	h := d.lvl[jj]
	if h == nil {
		return
	}
	first, count := inner(l, h)
	cnt := 0
	for t := range ln {
		cnt += count[(i+t)%l.c]
	}
	if cnt > 0 {
		d.paintSegs(levels, jj, first[i], cnt, k-1)
	}
}

// NestedWindows returns the fewest windows whose maximum (base where none
// covers a slot) is levels, circularly: for every level v, one window per
// maximal arc on which the levels are ≥ v and that holds a slot at exactly
// v. A window covering the whole circle has length len(levels).
func NestedWindows(levels []int, base int) []segment {
	n := len(levels)
	if n == 0 {
		return nil
	}
	lo := 0
	for i, v := range levels {
		if v < levels[lo] {
			lo = i
		}
	}
	var out []segment
	floor := levels[lo]
	if floor > base {
		out = append(out, segment{start: lo, length: n, level: floor})
	}
	type open struct{ start, level int }
	stack := []open{{0, floor}}
	for t := 0; t <= n; t++ {
		v := floor // a sentinel at the end closes every window
		if t < n {
			v = levels[(lo+t)%n]
		}
		start := t // a window opened by a fall starts where the arc does
		for stack[len(stack)-1].level > v {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			out = append(out, segment{start: (lo + top.start) % n, length: t - top.start, level: top.level})
			start = top.start
		}
		if stack[len(stack)-1].level < v {
			stack = append(stack, open{start, v})
		}
	}
	return out
}
