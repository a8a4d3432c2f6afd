package predict

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// DeclineError is returned by Plan when no schedule should be made: too
// little history or no periodic pattern. Reason says why, with the measured
// figures, and is meant to be shown to the user as a warning.
type DeclineError struct {
	// Reason explains the decline, e.g. "only 2.0 days of history; a daily
	// profile needs at least 3 days".
	Reason string
}

// Error implements error.
func (e *DeclineError) Error() string { return "no predictive schedule: " + e.Reason }

// Seasonality holds what Plan measured about the periodicity of a series.
type Seasonality struct {
	// HistoryDays is the span from the first to the last observed value.
	HistoryDays float64
	// Observed is the fraction of steps in that span that hold a value.
	Observed float64
	// AC24 and AC168 are the autocorrelations of the hourly means at lags
	// 24 h and 168 h (NaN when the history is too short to measure them).
	AC24, AC168 float64
	// Daily and Weekly tell which periods are usable: enough history and an
	// autocorrelation of at least Options.MinAutocorrelation.
	Daily, Weekly bool
}

// MeasureSeasonality computes the history span and the autocorrelations at
// 24 h and 168 h of the hourly means of s, and decides which periods are
// usable under o. The hourly means are first replaced by their ranks (so a
// few huge spikes cannot hide a cycle) and detrended by a centred moving
// mean over the lag (so level shifts and drifts do not pass for a cycle).
// It does not validate o.
func MeasureSeasonality(s Series, o Options) Seasonality {
	first, last := observedRange(s.Values)
	res := Seasonality{AC24: math.NaN(), AC168: math.NaN()}
	if first < 0 {
		return res
	}
	span := time.Duration(last-first+1) * s.Step
	res.HistoryDays = span.Hours() / 24
	n := 0
	for _, v := range s.Values[first : last+1] {
		if !math.IsNaN(v) {
			n++
		}
	}
	res.Observed = float64(n) / float64(last-first+1)
	hourly := ranks(hourlyMeans(s.Values[first:last+1], s.Step))
	if span >= MinHistoryDaily {
		res.AC24 = autocorrelation(detrend(hourly, 24), 24)
		res.Daily = res.AC24 >= o.MinAutocorrelation
	}
	if span >= MinHistoryWeekly {
		res.AC168 = autocorrelation(detrend(hourly, 168), 168)
		res.Weekly = res.AC168 >= o.MinAutocorrelation
	}
	return res
}

// decline builds the DeclineError for a seasonality that allows no period
// (or not the forced one).
func (z Seasonality) decline(o Options) *DeclineError {
	days := z.HistoryDays
	switch {
	case days == 0:
		return &DeclineError{Reason: "the history holds no values"}
	case days*24 < MinHistoryDaily.Hours():
		return &DeclineError{Reason: fmt.Sprintf("only %.1f days of history; a daily profile needs at least 3 days and a weekly one 14 days", days)}
	case o.Period == PeriodWeekly && days*24 < MinHistoryWeekly.Hours():
		return &DeclineError{Reason: fmt.Sprintf("only %.1f days of history; the weekly profile that was asked for needs at least 14 days", days)}
	}
	if math.IsNaN(z.AC24) {
		return &DeclineError{Reason: fmt.Sprintf("demand is constant over %.1f days of history: there is no pattern to schedule", days)}
	}
	parts := []string{fmt.Sprintf("%.2f at 24h", z.AC24)}
	if math.IsNaN(z.AC168) {
		parts = append(parts, "not measured at 168h (a weekly profile needs 14 days)")
	} else {
		parts = append(parts, fmt.Sprintf("%.2f at 168h", z.AC168))
	}
	want := "daily or weekly"
	if o.Period != PeriodAuto {
		want = o.Period
	}
	return &DeclineError{Reason: fmt.Sprintf("no %s pattern in %.1f days of history: the autocorrelation of hourly demand is %s, below the %.2f a usable pattern needs",
		want, days, strings.Join(parts, " and "), o.MinAutocorrelation)}
}

// observedRange returns the indexes of the first and last non-NaN values, or
// -1, -1 when there is none.
func observedRange(v []float64) (int, int) {
	first, last := -1, -1
	for i, x := range v {
		if !math.IsNaN(x) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	return first, last
}

// hourlyMeans averages values into consecutive one-hour buckets counted from
// the first value; buckets without values are NaN. A step longer than an
// hour spreads each value over the hours it covers.
func hourlyMeans(v []float64, step time.Duration) []float64 {
	span := time.Duration(len(v)) * step
	nh := int((span + time.Hour - 1) / time.Hour)
	sum := make([]float64, nh)
	cnt := make([]float64, nh)
	for i, x := range v {
		if math.IsNaN(x) {
			continue
		}
		t := time.Duration(i) * step
		for h := int(t / time.Hour); h < nh && time.Duration(h)*time.Hour < t+step; h++ {
			sum[h] += x
			cnt[h]++
		}
	}
	for h := range sum {
		if cnt[h] == 0 {
			sum[h] = math.NaN()
		} else {
			sum[h] /= cnt[h]
		}
	}
	return sum
}

// ranks replaces every non-NaN value by its rank among them (ties get the
// mean of their ranks), so that a few huge spikes cannot dominate the
// autocorrelation of a spiky series.
func ranks(x []float64) []float64 {
	idx := make([]int, 0, len(x))
	for i, v := range x {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	out := make([]float64, len(x))
	for i := range out {
		out[i] = math.NaN()
	}
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && x[idx[hi]] == x[idx[lo]] {
			hi++
		}
		r := float64(lo+hi-1) / 2
		for _, i := range idx[lo:hi] {
			out[i] = r
		}
		lo = hi
	}
	return out
}

// detrend subtracts from every value the mean of the non-NaN values in the
// centred window of w values around it, which removes level shifts and
// trends slower than w while keeping cycles of length w.
func detrend(x []float64, w int) []float64 {
	// Prefix sums make each window O(1).
	sum := make([]float64, len(x)+1)
	cnt := make([]float64, len(x)+1)
	for i, v := range x {
		sum[i+1], cnt[i+1] = sum[i], cnt[i]
		if !math.IsNaN(v) {
			sum[i+1] += v
			cnt[i+1]++
		}
	}
	out := make([]float64, len(x))
	for i, v := range x {
		if math.IsNaN(v) {
			out[i] = math.NaN()
			continue
		}
		lo, hi := max(0, i-w/2), min(len(x), i-w/2+w)
		out[i] = v - (sum[hi]-sum[lo])/(cnt[hi]-cnt[lo])
	}
	return out
}

// autocorrelation is the sample autocorrelation of x at lag (NaN values are
// skipped): the mean product of deviations from the overall mean over the
// pairs lag apart, divided by the variance, clamped to [-1, 1] (the pair
// mean can stray a little outside on short series). It is NaN when fewer
// than lag pairs exist or the series is constant.
func autocorrelation(x []float64, lag int) float64 {
	var sum, n float64
	for _, v := range x {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	mean := sum / n
	var vr float64
	for _, v := range x {
		if !math.IsNaN(v) {
			vr += (v - mean) * (v - mean)
		}
	}
	vr /= n
	var cov, pairs float64
	for i := 0; i+lag < len(x); i++ {
		a, b := x[i], x[i+lag]
		if math.IsNaN(a) || math.IsNaN(b) {
			continue
		}
		cov += (a - mean) * (b - mean)
		pairs++
	}
	if pairs < float64(lag) || vr == 0 {
		return math.NaN()
	}
	return max(-1, min(1, cov/pairs/vr))
}
