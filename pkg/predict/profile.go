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

// mondayEpoch is the offset that makes Unix time 0 (a Thursday) count from
// the Monday before it, so offsets within a week start on Monday 00:00.
const mondayEpoch = 3 * 24 * 3600

// wallClock maps instants to their offset within the day or week in a time
// zone, caching the zone's current UTC offset so that a long series costs
// one zone lookup per DST period instead of one per sample.
type wallClock struct {
	loc      *time.Location
	periodS  int64
	from, to int64 // Unix seconds during which offset holds: [from, to)
	offset   int64
}

func newWallClock(loc *time.Location, period time.Duration) *wallClock {
	return &wallClock{loc: loc, periodS: int64(period / time.Second), from: 1, to: 0}
}

// offsetSeconds returns the local wall-clock offset of t within the period,
// in seconds from Monday 00:00 (weekly) or 00:00 (daily).
func (w *wallClock) offsetSeconds(t time.Time) int64 {
	u := t.Unix()
	if u < w.from || u >= w.to {
		lt := t.In(w.loc)
		_, off := lt.Zone()
		w.offset = int64(off)
		start, end := lt.ZoneBounds()
		w.from, w.to = math.MinInt64, math.MaxInt64
		if !start.IsZero() {
			w.from = start.Unix()
		}
		if !end.IsZero() {
			w.to = end.Unix()
		}
	}
	local := u + w.offset + mondayEpoch
	r := local % w.periodS
	if r < 0 {
		r += w.periodS
	}
	return r
}

// leadMax raises every value to the largest value in the following k steps
// (itself included), skipping gaps; a gap stays a gap.
func leadMax(v []float64, k int) []float64 {
	out := slidingMax(v, k)
	for i, x := range v {
		if math.IsNaN(x) {
			out[i] = math.NaN()
		}
	}
	return out
}

// slidingMax returns for every i the largest non-NaN value in v[i:i+k+1]
// (NaN when there is none). It uses a monotone deque, so it is linear in
// len(v).
func slidingMax(v []float64, k int) []float64 {
	out := make([]float64, len(v))
	if k <= 0 {
		copy(out, v)
		return out
	}
	dq := make([]int, 0, k+1) // indexes with decreasing values
	next := len(v) - 1        // next index to push, walking backwards
	for i := len(v) - 1; i >= 0; i-- {
		for ; next >= i; next-- {
			x := v[next]
			if math.IsNaN(x) {
				continue
			}
			for len(dq) > 0 && v[dq[len(dq)-1]] <= x {
				dq = dq[:len(dq)-1]
			}
			dq = append(dq, next)
		}
		for len(dq) > 0 && dq[0] > i+k {
			dq = dq[1:]
		}
		if len(dq) == 0 {
			out[i] = math.NaN()
			continue
		}
		out[i] = v[dq[0]]
	}
	return out
}

// profiler holds what the profile of one period needs, computed once, so
// that profiles at several quantiles cost one pass over the slots each.
type profiler struct {
	o      Options
	nSlots int
	slot   []int32   // slot of every sample
	w      []float64 // recency weight of every sample
	react  []float64 // demand the reactive autoscaler provides (NaN: gap)
	vals   []float64 // per slot, the uncovered lead-shifted demand, sorted
	wts    []float64 // their weights, in the same order
	start  []int     // slot j's values are vals[start[j]:start[j+1]]
	total  []float64 // total weight per slot
	factor float64   // level adjustment factor
	hi     int       // upper clamp: MaxReplicas and the cap quantile
}

// newProfiler prepares the profile of s (gap-free at both ends) for a
// period of length period.
func newProfiler(s Series, o Options, period time.Duration) *profiler {
	pf := &profiler{o: o, nSlots: int(period / o.Slot)}
	slotS := int64(o.Slot / time.Second)
	wc := newWallClock(o.location(), period)
	n := len(s.Values)
	pf.slot = make([]int32, n)
	for i := range s.Values {
		pf.slot[i] = int32(wc.offsetSeconds(s.At(i)) / slotS)
	}

	// The reactive autoscaler's view: the largest demand in
	// [t-lag-cooldown, t-lag]. The profile covers only what it misses,
	// raised to the largest such value within the lead time.
	pf.react = reactiveView(s.Values, s.Step, o.ReactiveLag, o.ReactiveCooldown)
	need := make([]float64, n)
	for i, x := range s.Values {
		switch r := pf.react[i]; {
		case math.IsNaN(x):
			need[i] = math.NaN()
		case o.ReactiveLag > 0 && !math.IsNaN(r) && x <= r:
			need[i] = 0
		default:
			need[i] = x
		}
	}
	need = leadMax(need, int((o.LeadTime+s.Step-1)/s.Step))

	// Recency weights: the last sample weighs 1, and weights halve every
	// half-life going back.
	pf.w = make([]float64, n)
	decay := 1.0
	if o.HalfLife > 0 {
		decay = math.Exp2(-float64(s.Step) / float64(o.HalfLife))
	}
	for i, x := n-1, 1.0; i >= 0; i, x = i-1, x*decay {
		pf.w[i] = x
	}

	// Bucket by slot (counting sort), then sort each slot by value.
	pf.start = make([]int, pf.nSlots+1)
	for i, v := range need {
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
	for i, v := range need {
		if !math.IsNaN(v) {
			pairs[fill[pf.slot[i]]] = vw{v, pf.w[i]}
			fill[pf.slot[i]]++
		}
	}
	pf.vals, pf.wts, pf.total = make([]float64, m), make([]float64, m), make([]float64, pf.nSlots)
	for j := range pf.nSlots {
		ps := pairs[pf.start[j]:pf.start[j+1]]
		slices.SortFunc(ps, func(a, b vw) int { return cmp.Compare(a.v, b.v) })
		for k, p := range ps {
			pf.vals[pf.start[j]+k], pf.wts[pf.start[j]+k] = p.v, p.w
			pf.total[j] += p.w
		}
	}

	pf.factor = levelFactor(s, o, pf.slot, pf.nSlots)
	pf.hi = o.MaxReplicas
	if o.CapQuantile > 0 {
		if c := quantileOf(s.Values, o.CapQuantile); !math.IsNaN(c) {
			pf.hi = min(pf.hi, int(math.Ceil(c-1e-9)))
		}
	}
	return pf
}

// levels returns the profile at quantile q: per slot the recency-weighted
// q-quantile, times the level factor and 1 + headroom, rounded up and
// clamped to [MinReplicas, hi]. Slots without data take the larger of
// their nearest neighbours with data.
func (pf *profiler) levels(q float64) []int {
	raw := make([]float64, pf.nSlots)
	for j := range pf.nSlots {
		raw[j] = math.NaN()
		lo, hi := pf.start[j], pf.start[j+1]
		target, cum := q*pf.total[j]*(1-1e-12), 0.0
		for k := lo; k < hi; k++ {
			cum += pf.wts[k]
			if cum >= target {
				raw[j] = pf.vals[k]
				break
			}
		}
		if math.IsNaN(raw[j]) && hi > lo {
			raw[j] = pf.vals[hi-1]
		}
	}
	fillGaps(raw)
	out := make([]int, pf.nSlots)
	for j, x := range raw {
		l := pf.o.MinReplicas
		if x = x * pf.factor * (1 + pf.o.Headroom); !math.IsNaN(x) {
			l = int(math.Ceil(x - 1e-9))
		}
		out[j] = max(min(l, pf.hi), pf.o.MinReplicas)
	}
	return out
}

// extraCost estimates, on the history itself, the replica-hours a floor
// with the given per-slot levels adds over what the reactive autoscaler
// provides, as a fraction of the latter (recency-weighted).
func (pf *profiler) extraCost(floor []int) float64 {
	var extra, base float64
	minR := float64(pf.o.MinReplicas)
	for i, r := range pf.react {
		if math.IsNaN(r) {
			continue
		}
		r = max(r, minR)
		base += pf.w[i] * r
		extra += pf.w[i] * max(0, float64(floor[pf.slot[i]])-r)
	}
	if base == 0 {
		return 0
	}
	return extra / base
}

// reactiveView returns, for every sample, the largest value in
// [t-lag-cooldown, t-lag] (NaN when that span holds no value): the demand
// a reactive autoscaler that sees demand lag late and scales down only
// after cooldown provides for.
func reactiveView(v []float64, step, lag, cooldown time.Duration) []float64 {
	ls := int((lag + step - 1) / step)
	cs := int(cooldown / step)
	// The maximum over [i-ls-cs, i-ls] is leadMax over cs steps, shifted.
	lm := slidingMax(v, cs)
	out := make([]float64, len(v))
	for i := range v {
		out[i] = math.NaN()
		if j := i - ls - cs; j >= 0 {
			out[i] = lm[j]
		} else if i-ls >= 0 {
			r := math.NaN()
			for k := 0; k <= i-ls; k++ {
				if !math.IsNaN(v[k]) && !(v[k] <= r) {
					r = v[k]
				}
			}
			out[i] = r
		}
	}
	return out
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

// quantileOf returns the empirical q-quantile (the smallest value with at
// least a fraction q of the values at or below it) of the non-NaN values.
func quantileOf(v []float64, q float64) float64 {
	xs := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) {
			xs = append(xs, x)
		}
	}
	if len(xs) == 0 {
		return math.NaN()
	}
	k := int(math.Ceil(q*float64(len(xs)))) - 1
	return selectKth(xs, max(0, min(k, len(xs)-1)))
}

// selectKth returns the k-th smallest element of xs (0-based), reordering
// xs (Hoare's quickselect with a median-of-three pivot).
func selectKth(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		a, b, c := xs[lo], xs[mid], xs[hi]
		pivot := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}
