// Package predict turns a workload's recorded demand (replicas over time) into
// a predictive minimum-replica schedule: a daily or weekly step function with
// at most a few windows, each of which becomes a KEDA cron trigger.
//
// The pipeline (Plan):
//
//  1. Seasonality: the series is averaged per hour; the hourly means are
//     ranked (so spikes cannot dominate) and detrended by a centred moving
//     mean (so level shifts do not pass for a cycle), and their
//     autocorrelation at 24 h and 168 h is measured. A daily profile needs
//     at least 3 days of history and MinAutocorrelation at 24 h, a weekly
//     one 14 days and MinAutocorrelation at 168 h. With neither, Plan
//     declines with a *DeclineError that gives the measured figures.
//  2. Profile: a sample counts with the demand a reactive autoscaler that
//     sees demand ReactiveLag late would miss (0 where it keeps up), raised
//     to the largest such value within the lead time (so the floor is up
//     before the ramp); each slot of the day or week (default 30 minutes)
//     takes a recency-weighted quantile of those (weights halve every
//     half-life).
//  3. Level adjustment: the profile is scaled by how the most recent day
//     compared with what the earlier history expected for it (a damped
//     ratio), so a drift or a regime change shows up the next day.
//  4. Headroom, rounding up to whole replicas and clamping to
//     [MinReplicas, MaxReplicas], and to the CapQuantile of all demand.
//  5. The optimal step function: the exact minimum of replica-hours over all
//     circular step functions on or above the profile that MaxWindows KEDA
//     cron triggers can express (dynamic programming). Triggers may nest,
//     since KEDA takes the maximum over them: a rise and the fall back
//     through the same levels cost one trigger (OptimalNestedSteps). The
//     older model, one trigger per run above MinReplicas (OptimalSteps),
//     stays available as Options.Windows = WindowsRuns.
//  6. Cost budget: when the floor would add more than MaxExtraCost
//     replica-hours over the reactive autoscaler (estimated on the history),
//     the quantile is lowered until it fits.
//
// With both periods usable, the one whose step function costs fewer
// replica-hours per week wins. CronTriggers turns the windows into KEDA cron
// triggers that behave across midnight, the week boundary and DST changes.
//
// Everything here is pure: no files, no network and no clock; the time of
// planning is the end of the series.
package predict

import (
	"fmt"
	"time"
)

// Period names used in Options.Period and Schedule.Period.
const (
	// PeriodAuto lets Plan choose between a daily and a weekly profile.
	PeriodAuto = ""
	// PeriodDaily repeats the same profile every day.
	PeriodDaily = "daily"
	// PeriodWeekly has a separate profile for every slot of the week,
	// starting on Monday 00:00 local time.
	PeriodWeekly = "weekly"
)

// Minimum history for each period, as in the product contract.
const (
	// MinHistoryDaily is the least history a daily profile is built from.
	MinHistoryDaily = 3 * 24 * time.Hour
	// MinHistoryWeekly is the least history a weekly profile is built from.
	MinHistoryWeekly = 14 * 24 * time.Hour
)

// Window models (Options.Windows): how the step function's windows map to
// KEDA cron triggers.
const (
	// WindowsNested lets windows nest or overlap (the floor is the largest
	// level covering a moment), so every trigger is one rise of the step
	// function.
	WindowsNested = "nested"
	// WindowsRuns makes every maximal run above MinReplicas its own
	// trigger, without overlaps.
	WindowsRuns = "runs"
)

// MinQuantile is the lowest quantile the cost budget (MaxExtraCost) may
// lower the profile to.
const MinQuantile = 0.5

// Day and Week are the two possible period lengths.
const (
	// Day is the length of a daily period.
	Day = 24 * time.Hour
	// Week is the length of a weekly period.
	Week = 7 * Day
)

// Options are the knobs of Plan. Start from DefaultOptions and override.
type Options struct {
	// Slot is the resolution of the profile and of window boundaries; a
	// whole number of minutes that divides 24 h.
	Slot time.Duration
	// HalfLife is the age at which a sample counts half as much as the most
	// recent one in the quantile; 0 weighs all samples equally.
	HalfLife time.Duration
	// LeadTime is how long before a rise the floor must already be up (the
	// cold start of a replica: gpu.coldStart for GPU workloads, else 5m).
	LeadTime time.Duration
	// Quantile of the demand in each slot that the profile covers, in (0, 1].
	Quantile float64
	// Headroom is the fraction added on top of the profile (0.1 = 10 %).
	Headroom float64
	// MaxWindows is the most windows above MinReplicas (= KEDA cron
	// triggers) the schedule may use.
	MaxWindows int
	// MinReplicas is the workload's min-replicas: the floor never goes below
	// it and windows at this level need no trigger.
	MinReplicas int
	// MaxReplicas is the workload's max-replicas: the floor never exceeds it.
	MaxReplicas int
	// Location is the time zone in which the daily or weekly pattern repeats
	// and in which the cron triggers are written; nil means UTC.
	Location *time.Location
	// Period forces "daily" or "weekly"; empty (PeriodAuto) picks the
	// cheaper of the usable ones.
	Period string
	// LevelAdjustment is how strongly the most recent day's level moves the
	// profile, from 0 (off) to 1 (scale by the full observed ratio).
	LevelAdjustment float64
	// ReactiveLag, when positive, makes the profile cover only the demand
	// the reactive triggers would miss: a sample counts only where it is
	// above the demand seen ReactiveLag earlier (held for ReactiveCooldown).
	ReactiveLag time.Duration
	// ReactiveCooldown is how long the reactive autoscaler holds a level
	// before scaling down (used with ReactiveLag).
	ReactiveCooldown time.Duration
	// CapQuantile, when positive, caps the floor at this quantile of all
	// recorded demand, so the schedule never costs more than a static floor
	// at that quantile would.
	CapQuantile float64
	// MaxExtraCost, when positive, is the most replica-hours the floor may
	// add over the reactive autoscaler, as a fraction of the latter,
	// estimated on the history: the quantile is lowered (in steps of 0.05,
	// not below MinQuantile) until the estimate fits.
	MaxExtraCost float64
	// MinAutocorrelation is the autocorrelation (of hourly means, at 24 h or
	// 168 h) below which a period counts as having no usable pattern.
	MinAutocorrelation float64
	// Windows is the window model, WindowsNested (also when empty) or
	// WindowsRuns; MaxWindows counts triggers in either.
	Windows string
}

// DefaultOptions returns the built-in defaults (see RESULTS.md in
// pkg/backtest for how they were chosen): 30-minute slots, quantile 0.9
// with a one-week half-life, 5 minutes of lead time, no headroom, at most 8
// windows, replicas in [1, 10], UTC, automatic period, half of the last
// day's level change, a reactive autoscaler assumed 10 minutes late with a
// 5-minute cooldown, a cap at the p90 of all demand, at most 20 % estimated
// extra replica-hours, a minimum autocorrelation of 0.3 and nested windows.
func DefaultOptions() Options {
	return Options{
		Slot:               30 * time.Minute,
		HalfLife:           7 * 24 * time.Hour,
		LeadTime:           5 * time.Minute,
		Quantile:           0.9,
		Headroom:           0,
		MaxWindows:         8,
		MinReplicas:        1,
		MaxReplicas:        10,
		Location:           time.UTC,
		Period:             PeriodAuto,
		LevelAdjustment:    0.5,
		ReactiveLag:        10 * time.Minute,
		ReactiveCooldown:   5 * time.Minute,
		CapQuantile:        0.9,
		MaxExtraCost:       0.2,
		MinAutocorrelation: 0.3,
		Windows:            WindowsNested,
	}
}

// Validate reports the first option that is out of range, saying what is
// allowed.
func (o Options) Validate() error {
	switch {
	case o.Slot < time.Minute || o.Slot%time.Minute != 0 || Day%o.Slot != 0:
		return fmt.Errorf("predict: slot %v is invalid: it must be a whole number of minutes that divides 24h (e.g. 5m, 15m, 30m, 1h)", o.Slot)
	case o.HalfLife < 0:
		return fmt.Errorf("predict: half-life %v is negative: use 0 (equal weights) or a positive duration such as 168h", o.HalfLife)
	case o.LeadTime < 0 || o.LeadTime > 6*time.Hour:
		return fmt.Errorf("predict: lead time %v is out of range: it must be from 0 to 6h", o.LeadTime)
	case !(o.Quantile > 0 && o.Quantile <= 1):
		return fmt.Errorf("predict: quantile %v is out of range: it must be in (0, 1], e.g. 0.9", o.Quantile)
	case !(o.Headroom >= 0 && o.Headroom <= 10):
		return fmt.Errorf("predict: headroom %v is out of range: it must be a fraction from 0 to 10 (0.1 = 10 %%)", o.Headroom)
	case o.MaxWindows < 1 || o.MaxWindows > 48:
		return fmt.Errorf("predict: max windows %d is out of range: it must be from 1 to 48", o.MaxWindows)
	case o.MinReplicas < 0:
		return fmt.Errorf("predict: min replicas %d is negative: it must be 0 or more", o.MinReplicas)
	case o.MaxReplicas < 1 || o.MaxReplicas < o.MinReplicas:
		return fmt.Errorf("predict: max replicas %d is invalid: it must be at least 1 and at least min replicas (%d)", o.MaxReplicas, o.MinReplicas)
	case o.Period != PeriodAuto && o.Period != PeriodDaily && o.Period != PeriodWeekly:
		return fmt.Errorf("predict: period %q is invalid: use %q, %q or empty for automatic", o.Period, PeriodDaily, PeriodWeekly)
	case !(o.LevelAdjustment >= 0 && o.LevelAdjustment <= 1):
		return fmt.Errorf("predict: level adjustment %v is out of range: it must be from 0 (off) to 1", o.LevelAdjustment)
	case o.ReactiveLag < 0 || o.ReactiveCooldown < 0:
		return fmt.Errorf("predict: reactive lag %v or cooldown %v is negative: they must be 0 or more (0 lag: cover plain demand)", o.ReactiveLag, o.ReactiveCooldown)
	case !(o.CapQuantile == 0 || (o.CapQuantile > 0 && o.CapQuantile <= 1)):
		return fmt.Errorf("predict: cap quantile %v is out of range: it must be 0 (no cap) or in (0, 1]", o.CapQuantile)
	case !(o.MaxExtraCost >= 0 && o.MaxExtraCost <= 100):
		return fmt.Errorf("predict: max extra cost %v is out of range: it must be 0 (no budget) or a positive fraction (0.2 = 20 %%) up to 100", o.MaxExtraCost)
	case !(o.MinAutocorrelation >= -1 && o.MinAutocorrelation <= 1):
		return fmt.Errorf("predict: minimum autocorrelation %v is out of range: it must be from -1 to 1", o.MinAutocorrelation)
	case o.Windows != "" && o.Windows != WindowsNested && o.Windows != WindowsRuns:
		return fmt.Errorf("predict: window model %q is invalid: use %q or %q", o.Windows, WindowsNested, WindowsRuns)
	}
	return nil
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}
