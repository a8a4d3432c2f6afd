package predict

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// LiveOptions are the knobs of the live seasonal floor: at every moment t
// it asks for the demand recorded one period earlier, shifted ahead by
// Lead, over Window — for an offset o the samples in
// (t − o + Lead − Window, t − o + Lead] — times 1 + Headroom, rounded up
// and clamped to [MinReplicas, MaxReplicas]. With several offsets it takes
// the largest. As a Prometheus trigger it reads
// max_over_time(demand[Window] offset (o − Lead)), so it follows the load
// every week without a new render, and it learns from load, not from the
// replicas the floor itself caused.
type LiveOptions struct {
	// Offsets are how far back the floor looks: Day, Week or both.
	Offsets []time.Duration
	// Lead is how far ahead of the same moment one offset earlier the
	// window reaches (the floor is up before the rise); it must be shorter
	// than every offset, or the floor would read the future.
	Lead time.Duration
	// Window is the span of demand the floor covers.
	Window time.Duration
	// Headroom is the fraction added on top (0.1 = 10 %).
	Headroom float64
	// Quantile of the demand in the window the floor covers; 1 is the
	// maximum.
	Quantile float64
	// MinReplicas and MaxReplicas bound the floor.
	MinReplicas, MaxReplicas int
}

// DefaultLiveOptions returns the weekly live floor: one week back, 25
// minutes ahead, over 30 minutes, the maximum plus 10 % headroom, within
// [1, 10].
func DefaultLiveOptions() LiveOptions {
	return LiveOptions{
		Offsets:     []time.Duration{Week},
		Lead:        25 * time.Minute,
		Window:      30 * time.Minute,
		Headroom:    0.1,
		Quantile:    1,
		MinReplicas: 1,
		MaxReplicas: 10,
	}
}

// Validate reports the first option that is out of range, saying what is
// allowed.
func (o LiveOptions) Validate() error {
	if len(o.Offsets) == 0 {
		return fmt.Errorf("predict: the live floor has no offset: use 24h (daily), 168h (weekly) or both")
	}
	for _, off := range o.Offsets {
		if off <= o.Lead {
			return fmt.Errorf("predict: live offset %v with lead %v would read the future (offset − lead = %v): the offset must be longer than the lead, e.g. 168h with 25m", off, o.Lead, off-o.Lead)
		}
	}
	switch {
	case o.Lead < 0:
		return fmt.Errorf("predict: live lead %v is negative: it must be 0 or more, e.g. 25m", o.Lead)
	case o.Window <= 0 || o.Window > Day:
		return fmt.Errorf("predict: live window %v is out of range: it must be positive and at most 24h, e.g. 30m", o.Window)
	case !(o.Headroom >= 0 && o.Headroom <= 10):
		return fmt.Errorf("predict: live headroom %v is out of range: it must be a fraction from 0 to 10 (0.1 = 10 %%)", o.Headroom)
	case !(o.Quantile > 0 && o.Quantile <= 1):
		return fmt.Errorf("predict: live quantile %v is out of range: it must be in (0, 1]; 1 is the maximum", o.Quantile)
	case o.MinReplicas < 0 || o.MaxReplicas < 1 || o.MaxReplicas < o.MinReplicas:
		return fmt.Errorf("predict: live replicas [%d, %d] are invalid: min must be 0 or more and max at least 1 and at least min", o.MinReplicas, o.MaxReplicas)
	}
	return nil
}

// Retention returns how much history the live floor reads back from the
// moment it is evaluated: the longest offset less the lead plus the window.
// Prometheus must keep at least that much of the demand series.
func (o LiveOptions) Retention() time.Duration {
	return slices.Max(o.Offsets) - o.Lead + o.Window
}

// CheckRetention reports an error when a demand history of length span is
// shorter than what the floor reads back (Retention): the floor would then
// fall back at every moment.
func (o LiveOptions) CheckRetention(span time.Duration) error {
	if need := o.Retention(); span < need {
		return fmt.Errorf("predict: the live floor reads demand %s back (offset %s − lead %v + window %v), but only %s is recorded: keep at least %s of the demand series in Prometheus (retention), or use the schedule",
			fmtDuration(need), fmtDuration(slices.Max(o.Offsets)), o.Lead, o.Window, fmtDuration(span), fmtDuration(need))
	}
	return nil
}

// LiveValue is the live floor at one moment.
type LiveValue struct {
	// Replicas is the floor.
	Replicas int
	// Live tells whether at least one offset had demand in its window;
	// otherwise Replicas is the fallback.
	Live bool
	// Reason is empty when every offset had demand in its window, and
	// otherwise says which had none and what was used instead.
	Reason string
}

// LiveFloorAt evaluates the live floor at t over demand. It reads only
// samples that start before t. An offset whose window holds no sample is
// skipped; with none left it falls back to fallback's floor at t (a
// predictive schedule) or, when fallback is nil, to MinReplicas (no
// floor), and Reason says so.
func LiveFloorAt(demand Series, t time.Time, o LiveOptions, fallback *Schedule) LiveValue {
	best, found := math.NaN(), 0
	var missing []string
	for _, off := range o.Offsets {
		end := t.Add(o.Lead - off)
		x := windowValue(demand, end.Add(-o.Window), end, o.Quantile)
		if math.IsNaN(x) {
			missing = append(missing, fmt.Sprintf("one %s earlier (%s–%s UTC)", fmtOffsetName(off),
				end.Add(-o.Window).UTC().Format("2006-01-02 15:04"), end.UTC().Format("15:04")))
			continue
		}
		found++
		if !(x <= best) {
			best = x
		}
	}
	if found > 0 {
		v := LiveValue{Replicas: o.clamp(best), Live: true}
		if len(missing) > 0 {
			v.Reason = "no demand recorded " + strings.Join(missing, ", ") + ": used the other offset"
		}
		return v
	}
	v := LiveValue{Replicas: o.MinReplicas}
	why := "no demand recorded " + strings.Join(missing, ", ") + " (the live floor needs " + fmtDuration(o.Retention()) + " of history): "
	if fallback != nil {
		v.Replicas = max(o.MinReplicas, min(o.MaxReplicas, fallback.ReplicasAt(t)))
		v.Reason = why + "the predictive schedule's floor"
		return v
	}
	v.Reason = why + "no floor (min-replicas)"
	return v
}

// windowValue returns the q-quantile (q = 1: the maximum) of the samples
// starting in (from, to] that are not gaps, NaN when there is none.
func windowValue(s Series, from, to time.Time, q float64) float64 {
	if s.Step <= 0 {
		return math.NaN()
	}
	lo := s.index(from)
	if lo < len(s.Values) && !s.At(lo).After(from) {
		lo++
	}
	hi := s.index(to)
	if hi < len(s.Values) && !s.At(hi).After(to) {
		hi++
	}
	if lo >= hi {
		return math.NaN()
	}
	if q >= 1 {
		m := math.NaN()
		for _, v := range s.Values[lo:hi] {
			if !math.IsNaN(v) && !(v <= m) {
				m = v
			}
		}
		return m
	}
	return quantileOf(s.Values[lo:hi], q)
}

// clamp applies headroom, rounds up and bounds x to [MinReplicas,
// MaxReplicas].
func (o LiveOptions) clamp(x float64) int {
	r := int(math.Ceil(x*(1+o.Headroom) - 1e-9))
	return max(o.MinReplicas, min(o.MaxReplicas, r))
}

func fmtOffsetName(off time.Duration) string {
	switch off {
	case Day:
		return "day"
	case Week:
		return "week"
	}
	return fmtDuration(off)
}

// fmtDuration writes whole days as "7d" and the rest as Go does.
func fmtDuration(d time.Duration) string {
	if d >= Day && d%Day == 0 {
		return fmt.Sprintf("%dd", d/Day)
	}
	if d > Day {
		return fmt.Sprintf("%dd%v", d/Day, d%Day)
	}
	return d.String()
}
