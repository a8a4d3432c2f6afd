package predict

import (
	"fmt"
	"math"
	"time"
)

// Series is a demand series in replicas at a fixed step; NaN marks a gap.
type Series struct {
	// Start is the time of Values[0].
	Start time.Time
	// Step is the time between consecutive values.
	Step time.Duration
	// Values holds one demand figure per step; NaN is a gap.
	Values []float64
}

// At returns the time of Values[i].
func (s Series) At(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Step) }

// End returns the time just after the last value (Start + len(Values)·Step).
func (s Series) End() time.Time { return s.At(len(s.Values)) }

// Slice returns the part of s with times in [from, to), sharing Values.
func (s Series) Slice(from, to time.Time) Series {
	lo, hi := s.index(from), s.index(to)
	if hi < lo {
		hi = lo
	}
	return Series{Start: s.At(lo), Step: s.Step, Values: s.Values[lo:hi]}
}

// index returns the first i with At(i) ≥ t, clamped to [0, len(Values)].
func (s Series) index(t time.Time) int {
	if s.Step <= 0 {
		return 0
	}
	d := t.Sub(s.Start)
	if d <= 0 {
		return 0
	}
	i := int((d + s.Step - 1) / s.Step)
	return min(i, len(s.Values))
}

func (s Series) validate() error {
	if s.Step <= 0 {
		return fmt.Errorf("predict: series step %v is invalid: it must be positive", s.Step)
	}
	for i, v := range s.Values {
		if math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("predict: series value %v at %s is invalid: demand must be a finite number ≥ 0 or NaN for a gap", v, s.At(i).Format(time.RFC3339))
		}
	}
	return nil
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

// Quantile returns the empirical q-quantile (the smallest value with at
// least a fraction q of the values at or below it) of the non-NaN values of
// v, or NaN when there is none.
func Quantile(v []float64, q float64) float64 { return quantileOf(v, q) }

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
