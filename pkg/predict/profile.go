package predict

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// periodLength returns the length of a named period.
func periodLength(period string) time.Duration {
	if period == PeriodWeekly {
		return Week
	}
	return Day
}

// maxHistogram bounds the integer demand for which profiles use weighted
// histograms (one bucket per replica count) instead of sorting.
const maxHistogram = 1024

// history is what every period's profile shares, computed once per Plan.
type history struct {
	s     Series
	o     Options
	w     []float64 // recency weight of every sample
	react []float64 // demand the reactive autoscaler provides (NaN: none)
	need  []float64 // uncovered demand raised over the lead time (NaN: gap)
	hi    int       // upper clamp: MaxReplicas and the cap quantile
	ints  int       // largest need when all needs are small integers, else -1
}

// newHistory prepares s (which starts and ends with a value) for profiling.
func newHistory(s Series, o Options) *history {
	h := &history{s: s, o: o}
	n := len(s.Values)
	// The reactive autoscaler's view: the largest demand in
	// [t-lag-cooldown, t-lag]. The profile covers only what it misses
	// (everything when ReactiveLag is 0), raised to the largest such value
	// within the lead time so that the floor is up before the ramp.
	h.react = reactiveView(s.Values, s.Step, o.ReactiveLag, o.ReactiveCooldown)
	need := make([]float64, n)
	for i, x := range s.Values {
		switch r := h.react[i]; {
		case math.IsNaN(x):
			need[i] = math.NaN()
		case o.ReactiveLag > 0 && !math.IsNaN(r) && x <= r:
			need[i] = 0
		default:
			need[i] = x
		}
	}
	h.need = leadMax(need, int((o.LeadTime+s.Step-1)/s.Step))
	h.ints = 0
	for _, v := range h.need {
		if !math.IsNaN(v) && (v != math.Trunc(v) || v > maxHistogram) {
			h.ints = -1
			break
		}
		if v > float64(h.ints) {
			h.ints = int(v)
		}
	}

	// Recency weights: the last sample weighs 1, and weights halve every
	// half-life going back.
	h.w = make([]float64, n)
	decay := 1.0
	if o.HalfLife > 0 {
		decay = math.Exp2(-float64(s.Step) / float64(o.HalfLife))
	}
	for i, x := n-1, 1.0; i >= 0; i, x = i-1, x*decay {
		h.w[i] = x
	}

	h.hi = o.MaxReplicas
	if o.CapQuantile > 0 {
		if c := quantileOf(s.Values, o.CapQuantile); !math.IsNaN(c) {
			h.hi = min(h.hi, int(math.Ceil(c-1e-9)))
		}
	}
	return h
}

// profiler computes the profile of one period at any quantile.
type profiler struct {
	h      *history
	o      Options
	nSlots int
	slot   []int32 // slot of every sample
	factor float64 // level adjustment factor
	total  []float64
	// Either a weighted histogram per slot (bucket v of slot j at
	// hist[j*(h.ints+1)+v]) or, for other values, each slot's values
	// sorted, with their weights: slot j at vals[start[j]:start[j+1]].
	hist  []float64
	vals  []float64
	wts   []float64
	start []int
}

// profiler returns the profiler for a period of length period.
func (h *history) profiler(period time.Duration) *profiler {
	o := h.o
	pf := &profiler{h: h, o: o, nSlots: int(period / o.Slot)}
	slotS := int64(o.Slot / time.Second)
	wc := newWallClock(o.location(), period)
	pf.slot = make([]int32, len(h.need))
	for i := range pf.slot {
		pf.slot[i] = int32(wc.offsetSeconds(h.s.At(i)) / slotS)
	}
	pf.factor = levelFactor(h.s, o, pf.slot, pf.nSlots)
	pf.total = make([]float64, pf.nSlots)
	if h.ints >= 0 && pf.nSlots*(h.ints+1) <= 1<<20 {
		width := h.ints + 1
		pf.hist = make([]float64, pf.nSlots*width)
		for i, v := range h.need {
			if !math.IsNaN(v) {
				j := int(pf.slot[i])
				pf.hist[j*width+int(v)] += h.w[i]
				pf.total[j] += h.w[i]
			}
		}
		return pf
	}

	// Bucket by slot (counting sort), then sort each slot by value.
	pf.start = make([]int, pf.nSlots+1)
	for i, v := range h.need {
		if !math.IsNaN(v) {
			pf.start[pf.slot[i]+1]++
		}
	}
	for j := 1; j <= pf.nSlots; j++ {
		pf.start[j] += pf.start[j-1]
	}
	m := pf.start[pf.nSlots]
	type vw struct{ v, w float64 }
	pairs := make([]vw, m)
	fill := slices.Clone(pf.start[:pf.nSlots])
	for i, v := range h.need {
		if !math.IsNaN(v) {
			pairs[fill[pf.slot[i]]] = vw{v, h.w[i]}
			fill[pf.slot[i]]++
		}
	}
	pf.vals, pf.wts = make([]float64, m), make([]float64, m)
	for j := range pf.nSlots {
		ps := pairs[pf.start[j]:pf.start[j+1]]
		slices.SortFunc(ps, func(a, b vw) int { return cmp.Compare(a.v, b.v) })
		for k, p := range ps {
			pf.vals[pf.start[j]+k], pf.wts[pf.start[j]+k] = p.v, p.w
			pf.total[j] += p.w
		}
	}
	return pf
}

// quantile returns the recency-weighted q-quantile of slot j: the smallest
// value whose cumulative weight reaches q of the slot's total (NaN when the
// slot has no data).
func (pf *profiler) quantile(j int, q float64) float64 {
	if pf.total[j] == 0 {
		return math.NaN()
	}
	target, cum := q*pf.total[j]*(1-1e-12), 0.0
	if pf.hist != nil {
		width := pf.h.ints + 1
		row := pf.hist[j*width : (j+1)*width]
		for v, w := range row {
			if cum += w; w > 0 && cum >= target {
				return float64(v)
			}
		}
		for v := width - 1; v >= 0; v-- {
			if row[v] > 0 {
				return float64(v)
			}
		}
	}
	lo, hi := pf.start[j], pf.start[j+1]
	for k := lo; k < hi; k++ {
		if cum += pf.wts[k]; cum >= target {
			return pf.vals[k]
		}
	}
	return pf.vals[hi-1]
}

// levels returns the profile at quantile q: per slot the recency-weighted
// q-quantile, times the level factor and 1 + headroom, rounded up and
// clamped to [MinReplicas, hi]. Slots without data take the larger of
// their nearest neighbours with data.
func (pf *profiler) levels(q float64) []int {
	raw := make([]float64, pf.nSlots)
	for j := range raw {
		raw[j] = pf.quantile(j, q)
	}
	fillGaps(raw)
	out := make([]int, pf.nSlots)
	for j, x := range raw {
		l := pf.o.MinReplicas
		if x = x * pf.factor * (1 + pf.o.Headroom); !math.IsNaN(x) {
			l = int(math.Ceil(x - 1e-9))
		}
		out[j] = max(min(l, pf.h.hi), pf.o.MinReplicas)
	}
	return out
}

// extraCost estimates, on the history itself, the replica-hours a floor
// with the given per-slot levels adds over what the reactive autoscaler
// provides, as a fraction of the latter (recency-weighted).
func (pf *profiler) extraCost(floor []int) float64 {
	var extra, base float64
	minR := float64(pf.o.MinReplicas)
	for i, r := range pf.h.react {
		if math.IsNaN(r) {
			continue
		}
		r = max(r, minR)
		w := pf.h.w[i]
		base += w * r
		if f := float64(floor[pf.slot[i]]); f > r {
			extra += w * (f - r)
		}
	}
	if base == 0 {
		return 0
	}
	return extra / base
}

// fillGaps gives slots without data the larger of their nearest neighbours
// with data on either side (circularly); all-NaN stays NaN.
func fillGaps(x []float64) {
	n := len(x)
	have := -1
	for i, v := range x {
		if !math.IsNaN(v) {
			have = i
			break
		}
	}
	if have < 0 {
		return
	}
	orig := slices.Clone(x)
	for i := range x {
		if !math.IsNaN(orig[i]) {
			continue
		}
		var l, r float64
		for d := 1; d < n; d++ {
			if v := orig[(i-d+n)%n]; !math.IsNaN(v) {
				l = v
				break
			}
		}
		for d := 1; d < n; d++ {
			if v := orig[(i+d)%n]; !math.IsNaN(v) {
				r = v
				break
			}
		}
		x[i] = max(l, r)
	}
}

// levelFactor compares the last day of s with what the earlier history
// expected for the same slots (their recency-weighted mean) and returns the
// ratio, clamped to [1/2, 2] and damped by o.LevelAdjustment (an exponent).
// It is 1 when the adjustment is off or there is nothing to compare.
func levelFactor(s Series, o Options, slot []int32, nSlots int) float64 {
	if o.LevelAdjustment == 0 || len(s.Values) == 0 {
		return 1
	}
	cut := s.End().Add(-Day)
	ic := s.index(cut)
	sum := make([]float64, nSlots)
	wt := make([]float64, nSlots)
	decay := 1.0
	if o.HalfLife > 0 {
		decay = math.Exp2(-float64(s.Step) / float64(o.HalfLife))
	}
	for i, x := ic-1, 1.0; i >= 0; i, x = i-1, x*decay {
		if v := s.Values[i]; !math.IsNaN(v) {
			sum[slot[i]] += v * x
			wt[slot[i]] += x
		}
	}
	var actual, expected float64
	for i := ic; i < len(s.Values); i++ {
		v := s.Values[i]
		if math.IsNaN(v) || wt[slot[i]] == 0 {
			continue
		}
		actual += v
		expected += sum[slot[i]] / wt[slot[i]]
	}
	if expected <= 0 || actual <= 0 {
		return 1
	}
	r := min(max(actual/expected, 0.5), 2)
	return math.Pow(r, o.LevelAdjustment)
}
