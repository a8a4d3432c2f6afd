package predict

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Window is one step of the schedule: from Start to End (offsets from
// Monday 00:00 local time for a weekly schedule, from 00:00 for a daily one)
// the floor is Replicas. End ≤ Start means the window wraps past the end of
// the period (midnight, or Sunday→Monday); End == Start means the whole
// period.
type Window struct {
	// Start is the offset at which the window begins.
	Start time.Duration
	// End is the offset at which the window ends (exclusive).
	End time.Duration
	// Replicas is the floor inside the window.
	Replicas int
}

// Length returns how long the window lasts within a period of length p.
func (w Window) Length(p time.Duration) time.Duration {
	d := w.End - w.Start
	if d <= 0 {
		d += p
	}
	return d
}

// Contains tells whether offset off (in [0, p)) lies in the window.
func (w Window) Contains(off, p time.Duration) bool {
	d := off - w.Start
	if d < 0 {
		d += p
	}
	return d < w.Length(p)
}

// Schedule is a predictive minimum-replica schedule: a floor that repeats
// every day or every week in Location, made of at most MaxWindows windows
// above MinReplicas.
type Schedule struct {
	// Period is "daily" or "weekly".
	Period string
	// Slot is the resolution of SlotProfile and of the window boundaries.
	Slot time.Duration
	// Location is the time zone the schedule repeats in.
	Location *time.Location
	// MinReplicas is the floor outside every window (no trigger needed).
	MinReplicas int
	// SlotProfile is the profile the windows cover: replicas per slot from
	// the start of the period.
	SlotProfile []int
	// Windows are the windows above MinReplicas, sorted by Start. They may
	// nest or overlap: the floor is the largest Replicas of the windows
	// covering a moment (as KEDA does over cron triggers).
	Windows []Window
	// ReplicaHoursPerWeek is the floor's replica-hours over one week
	// (including MinReplicas outside the windows).
	ReplicaHoursPerWeek float64
	// ProfileReplicaHoursPerWeek is the same for SlotProfile itself: the
	// least any floor covering the profile could cost.
	ProfileReplicaHoursPerWeek float64
	// LevelFactor is the level adjustment from the most recent day that was
	// applied to the profile.
	LevelFactor float64
	// Quantile is the quantile the profile was built at (lower than
	// Options.Quantile when the cost budget required it).
	Quantile float64
	// ExtraCost is the estimated replica-hours the floor adds over the
	// reactive autoscaler, as a fraction of the latter, on the history.
	ExtraCost float64
	// StepsNote is empty when the step function is the exact optimum of
	// the window model, else it says how it was found instead.
	StepsNote string
	// Seasonality is what was measured about the history.
	Seasonality Seasonality
	// PlannedAt is the end of the history the schedule was planned from.
	PlannedAt time.Time
}

// PeriodLength returns 24h for a daily schedule and 168h for a weekly one.
func (s *Schedule) PeriodLength() time.Duration { return periodLength(s.Period) }

// Offset returns the local wall-clock offset of t within the period (from
// Monday 00:00 or from 00:00 in Location).
func (s *Schedule) Offset(t time.Time) time.Duration {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	return time.Duration(newWallClock(loc, s.PeriodLength()).offsetSeconds(t)) * time.Second
}

// ReplicasAt returns the floor at instant t: the largest Replicas of the
// windows containing t's local wall-clock offset, or MinReplicas.
func (s *Schedule) ReplicasAt(t time.Time) int {
	off, p := s.Offset(t), s.PeriodLength()
	r := s.MinReplicas
	for _, w := range s.Windows {
		if w.Replicas > r && w.Contains(off, p) {
			r = w.Replicas
		}
	}
	return r
}

// Plan builds the predictive schedule from the demand history s (in
// replicas, at a step no longer than o.Slot; the time of planning is
// s.End()). It returns a *DeclineError when the history is too short or
// shows no daily or weekly pattern, and a plain error for invalid options or
// series.
func Plan(s Series, o Options) (*Schedule, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	if s.Step > o.Slot {
		return nil, fmt.Errorf("predict: series step %v is longer than the slot %v: record with a step of at most the slot, or use a longer slot", s.Step, o.Slot)
	}
	z := MeasureSeasonality(s, o)
	var periods []string
	switch o.Period {
	case PeriodDaily:
		if z.Daily {
			periods = []string{PeriodDaily}
		}
	case PeriodWeekly:
		if z.Weekly {
			periods = []string{PeriodWeekly}
		}
	default:
		if z.Daily {
			periods = append(periods, PeriodDaily)
		}
		if z.Weekly {
			periods = append(periods, PeriodWeekly)
		}
	}
	if len(periods) == 0 {
		return nil, z.decline(o)
	}
	// Use only the part of the history that has values.
	first, last := observedRange(s.Values)
	hist := Series{Start: s.At(first), Step: s.Step, Values: s.Values[first : last+1]}
	h := newHistory(hist, o)
	var best *candidate
	for _, period := range periods {
		pf := h.profiler(periodLength(period))
		if best != nil && pf.lowerBound(h.o.Quantile, period) >= best.sc.ReplicaHoursPerWeek {
			continue // cannot be cheaper: spare the exact search
		}
		c := &candidate{pf: pf}
		c.sc = c.at(h.o.Quantile, period)
		if best == nil || c.sc.ReplicaHoursPerWeek < best.sc.ReplicaHoursPerWeek {
			best = c
		}
	}
	best.fitBudget()
	sc := best.sc
	sc.Seasonality = z
	sc.PlannedAt = s.End()
	return sc, nil
}

// candidate is the schedule for one period with what is needed to redo it
// at a lower quantile.
type candidate struct {
	pf *profiler
	sc *Schedule
}

// at builds the schedule at quantile q.
func (c *candidate) at(q float64, period string) *Schedule {
	o := c.pf.o
	p := periodLength(period)
	prof := c.pf.levels(q)
	floor, windows, note := steps(prof, o)
	perWeek := float64(Week/p) * o.Slot.Hours()
	sc := &Schedule{
		Period:      period,
		Slot:        o.Slot,
		Location:    o.location(),
		MinReplicas: o.MinReplicas,
		SlotProfile: prof,
		LevelFactor: c.pf.factor,
		Quantile:    q,
		ExtraCost:   c.pf.extraCost(floor),
		StepsNote:   note,
	}
	for i := range floor {
		sc.ReplicaHoursPerWeek += float64(floor[i]) * perWeek
		sc.ProfileReplicaHoursPerWeek += float64(prof[i]) * perWeek
	}
	sc.Windows = slotWindows(windows, o.Slot, p, o.MinReplicas)
	return sc
}

// slotWindows turns windows in slots into Windows in time, dropping those
// at or below minR, sorted.
func slotWindows(ws []segment, slot, p time.Duration, minR int) []Window {
	var out []Window
	for _, r := range ws {
		if r.level <= minR {
			continue
		}
		start := time.Duration(r.start) * slot
		end := (start + time.Duration(r.length)*slot) % p
		out = append(out, Window{Start: start, End: end, Replicas: r.level})
	}
	sortWindows(out)
	return out
}

// lowerBound returns replica-hours per week that no floor of the period
// at quantile q can go below: with nested windows, the best step function
// with twice as many runs as windows (k windows have at most 2k
// boundaries); with runs, the profile itself.
func (pf *profiler) lowerBound(q float64, period string) float64 {
	o := pf.o
	prof := pf.levels(q)
	var cost int64
	if o.Windows == WindowsRuns {
		for _, v := range prof {
			cost += int64(v)
		}
	} else {
		_, cost = OptimalSteps(prof, o.MinReplicas, 2*o.MaxWindows)
	}
	return float64(cost) * float64(Week/periodLength(period)) * o.Slot.Hours()
}

// steps returns the optimal step function over prof under o's window model
// and the windows that express it.
// note is empty when the search was exact, else says what was done.
func steps(prof []int, o Options) (floor []int, windows []segment, note string) {
	if o.Windows == WindowsRuns {
		floor, _ = OptimalSteps(prof, o.MinReplicas, o.MaxWindows)
		return floor, runs(floor), ""
	}
	floor, _, _, note = boundedNestedSteps(prof, o.MinReplicas, o.MaxWindows)
	return floor, NestedWindows(floor, o.MinReplicas), note
}

// fitBudget lowers the quantile, by binary search over steps of 0.05 down
// to MinQuantile, to the highest one whose estimated extra cost fits
// MaxExtraCost (the lowest step when none does).
func (c *candidate) fitBudget() {
	o := c.pf.o
	if o.MaxExtraCost <= 0 || c.sc.ExtraCost <= o.MaxExtraCost {
		return
	}
	var qs []float64 // descending, all below o.Quantile
	for k := 1; o.Quantile-0.05*float64(k) >= MinQuantile-1e-9; k++ {
		qs = append(qs, math.Round((o.Quantile-0.05*float64(k))*1000)/1000)
	}
	if len(qs) == 0 {
		return
	}
	lo, hi := 0, len(qs)-1 // find the first index whose cost fits
	var fit *Schedule
	for lo <= hi {
		mid := (lo + hi) / 2
		sc := c.at(qs[mid], c.sc.Period)
		if sc.ExtraCost <= o.MaxExtraCost {
			fit, hi = sc, mid-1
		} else {
			lo = mid + 1
		}
	}
	if fit == nil {
		fit = c.at(qs[len(qs)-1], c.sc.Period)
	}
	c.sc = fit
}

// IsDecline tells whether err is (or wraps) a *DeclineError.
func IsDecline(err error) bool {
	var d *DeclineError
	return errors.As(err, &d)
}

// Explain describes the schedule in a few lines for the --explain output:
// the period and why, the level adjustment, the replica-hours, and every
// window with its hours per week (windows may nest: the floor is the
// largest level covering a moment).
func (s *Schedule) Explain() []string {
	z := s.Seasonality
	p := s.PeriodLength()
	lines := []string{
		fmt.Sprintf("predictive schedule: %s profile in %s from %.1f days of history (autocorrelation 24h %s, 168h %s), quantile %.2f, level adjustment ×%.2f",
			s.Period, s.loc(), z.HistoryDays, fmtAC(z.AC24), fmtAC(z.AC168), s.Quantile, s.LevelFactor),
		fmt.Sprintf("  %d window(s) above %d replica(s): %.1f replica-hours per week (the profile alone: %.1f), estimated +%.0f %% over reactive scaling on the history",
			len(s.Windows), s.MinReplicas, s.ReplicaHoursPerWeek, s.ProfileReplicaHoursPerWeek, 100*s.ExtraCost),
	}
	if s.StepsNote != "" {
		lines = append(lines, "  "+s.StepsNote)
	}
	for _, w := range s.Windows {
		hours := w.Length(p).Hours() * float64(Week/p)
		lines = append(lines, fmt.Sprintf("  %s–%s: at least %d replicas (%.1f h per week)",
			s.fmtOffset(w.Start), s.fmtOffset(w.End), w.Replicas, hours))
	}
	return lines
}

func fmtAC(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", v)
}

var weekdayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// fmtOffset writes an offset as "Mon 06:30" (weekly) or "06:30" (daily).
func (s *Schedule) fmtOffset(off time.Duration) string {
	off %= s.PeriodLength()
	hm := fmt.Sprintf("%02d:%02d", int(off%Day/time.Hour), int(off%time.Hour/time.Minute))
	if s.Period == PeriodWeekly {
		return weekdayNames[int(off/Day)] + " " + hm
	}
	return hm
}
