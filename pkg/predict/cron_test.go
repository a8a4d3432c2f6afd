package predict

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the DST tests must not depend on the host's zoneinfo

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cronSpec is a parsed 5-field cron expression, as robfig/cron v3 (the
// parser KEDA's cron scaler uses) represents it: one bit per allowed value,
// plus starBit when the field was "*".
type cronSpec struct {
	minute, hour, dom, month, dow uint64
}

const starBit = 1 << 63

// parseCron parses the subset of cron syntax CronTriggers emits and a bit
// more: "*", numbers, lists and ranges.
func parseCron(t *testing.T, expr string) cronSpec {
	t.Helper()
	f := strings.Fields(expr)
	require.Len(t, f, 5, "cron %q", expr)
	field := func(s string, lo, hi int) uint64 {
		if s == "*" {
			var b uint64 = starBit
			for i := lo; i <= hi; i++ {
				b |= 1 << uint(i)
			}
			return b
		}
		var b uint64
		for _, part := range strings.Split(s, ",") {
			a, z, isRange := strings.Cut(part, "-")
			x, err := strconv.Atoi(a)
			require.NoError(t, err, "cron %q", expr)
			y := x
			if isRange {
				y, err = strconv.Atoi(z)
				require.NoError(t, err, "cron %q", expr)
			}
			require.True(t, lo <= x && x <= y && y <= hi, "cron %q: %s out of [%d, %d]", expr, part, lo, hi)
			for i := x; i <= y; i++ {
				b |= 1 << uint(i)
			}
		}
		return b
	}
	return cronSpec{
		minute: field(f[0], 0, 59), hour: field(f[1], 0, 23), dom: field(f[2], 1, 31),
		month: field(f[3], 1, 12), dow: field(f[4], 0, 6),
	}
}

// next is robfig/cron v3's SpecSchedule.Next (spec.go), line by line, for a
// schedule without seconds in the location of t: the first activation
// strictly after t. Keeping its DST handling (time.Date normalisation, hour
// steps of absolute time) is the point of this test.
func (s cronSpec) next(t time.Time) time.Time {
	loc := t.Location()
	t = t.Add(1*time.Second - time.Duration(t.Nanosecond())*time.Nanosecond)
	added := false
	yearLimit := t.Year() + 5
WRAP:
	if t.Year() > yearLimit {
		return time.Time{}
	}
	for 1<<uint(t.Month())&s.month == 0 {
		if !added {
			added = true
			t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		}
		t = t.AddDate(0, 1, 0)
		if t.Month() == time.January {
			goto WRAP
		}
	}
	for !s.dayMatches(t) {
		if !added {
			added = true
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		}
		t = t.AddDate(0, 0, 1)
		if t.Hour() != 0 {
			if t.Hour() > 12 {
				t = t.Add(time.Duration(24-t.Hour()) * time.Hour)
			} else {
				t = t.Add(time.Duration(-t.Hour()) * time.Hour)
			}
		}
		if t.Day() == 1 {
			goto WRAP
		}
	}
	for 1<<uint(t.Hour())&s.hour == 0 {
		if !added {
			added = true
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, loc)
		}
		t = t.Add(1 * time.Hour)
		if t.Hour() == 0 {
			goto WRAP
		}
	}
	for 1<<uint(t.Minute())&s.minute == 0 {
		if !added {
			added = true
			t = t.Truncate(time.Minute)
		}
		t = t.Add(1 * time.Minute)
		if t.Minute() == 0 {
			goto WRAP
		}
	}
	for t.Second() != 0 { // Second field "0"
		if !added {
			added = true
			t = t.Truncate(time.Second)
		}
		t = t.Add(1 * time.Second)
		if t.Second() == 0 {
			goto WRAP
		}
	}
	return t
}

func (s cronSpec) dayMatches(t time.Time) bool {
	domMatch := 1<<uint(t.Day())&s.dom > 0
	dowMatch := 1<<uint(t.Weekday())&s.dow > 0
	if s.dom&starBit > 0 || s.dow&starBit > 0 {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}

// keda evaluates cron triggers the way KEDA v2.21's cron scaler and the
// HPA do: a trigger is active when its next start is not before its next
// end (GetMetricsAndActivity), and the replicas are the largest
// desiredReplicas of the active triggers, or minReplicas.
type keda struct {
	triggers []kedaTrigger
	min      int
}

type kedaTrigger struct {
	start, end cronSpec
	loc        *time.Location
	replicas   int
}

func newKEDA(t *testing.T, crons []Cron, minReplicas int) keda {
	t.Helper()
	k := keda{min: minReplicas}
	for _, c := range crons {
		require.NotEqual(t, c.Start, c.End, "KEDA rejects start == end")
		require.GreaterOrEqual(t, c.DesiredReplicas, 1, "KEDA rejects desiredReplicas 0")
		loc, err := time.LoadLocation(c.Timezone)
		require.NoError(t, err)
		k.triggers = append(k.triggers, kedaTrigger{parseCron(t, c.Start), parseCron(t, c.End), loc, c.DesiredReplicas})
	}
	return k
}

func (k keda) replicas(now time.Time) int {
	r := k.min
	for _, tr := range k.triggers {
		cur := now.In(tr.loc)
		nextStart, nextEnd := tr.start.next(cur), tr.end.next(cur)
		active := false
		if nextStart.Before(nextEnd) {
			active = cur.After(nextStart) && cur.Before(nextEnd) // never true: nextStart > now
		} else {
			active = cur.After(nextStart) || cur.Before(nextEnd)
		}
		if active {
			r = max(r, tr.replicas)
		}
	}
	return r
}

// floorOf evaluates windows at the local wall-clock offset of t.
func floorOf(s *Schedule, ws []Window, t time.Time) int {
	off, p := s.Offset(t), s.PeriodLength()
	r := s.MinReplicas
	for _, w := range ws {
		if w.Contains(off, p) {
			r = max(r, w.Replicas)
		}
	}
	return r
}

func h(d, hh, mm int) time.Duration {
	return time.Duration(d)*Day + time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
}

func TestCronTriggersMatchScheduleAcrossDST(t *testing.T) {
	weekly := []Window{
		{h(0, 6, 0), h(0, 10, 0), 5},   // Monday morning
		{h(4, 20, 0), h(0, 2, 0), 3},   // Friday evening over the week boundary to Monday 02:00
		{h(6, 1, 30), h(6, 3, 30), 7},  // Sunday night across the DST hour, boundaries outside it
		{h(6, 2, 30), h(6, 5, 0), 4},   // starts inside the Europe/US spring gap / fall overlap
		{h(5, 23, 0), h(6, 2, 0), 6},   // ends where the DST hour begins
		{h(2, 22, 0), h(3, 1, 30), 9},  // Wednesday night over midnight (US fall overlap is 01:00–02:00)
		{h(3, 1, 0), h(3, 1, 30), 2},   // half an hour, nested in the one above
		{h(6, 23, 30), h(0, 0, 30), 8}, // Sunday→Monday midnight
	}
	daily := []Window{
		{h(0, 22, 0), h(0, 4, 0), 5}, // over midnight
		{h(0, 2, 30), h(0, 3, 0), 9}, // inside the DST hour
		{h(0, 7, 0), h(0, 9, 30), 3},
	}
	weeks := map[string][2]time.Time{
		"Europe/Berlin":    {time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC)},
		"America/New_York": {time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC)},
		"Australia/Sydney": {time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 28, 0, 0, 0, 0, time.UTC)},
		"UTC":              {time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range []struct {
		period  string
		windows []Window
	}{{PeriodWeekly, weekly}, {PeriodDaily, daily}} {
		for tz, starts := range weeks {
			t.Run(tc.period+"/"+tz, func(t *testing.T) {
				loc, err := time.LoadLocation(tz)
				require.NoError(t, err)
				s := &Schedule{
					Period: tc.period, Slot: 30 * time.Minute, Location: loc, MinReplicas: 1,
					Windows: tc.windows, PlannedAt: starts[0],
				}
				crons := s.CronTriggers("")
				k := newKEDA(t, crons, s.MinReplicas)
				trig := s.TriggerWindows()
				for _, from := range starts {
					// Eight days around the transition, minute by minute,
					// starting a day early so wraps are exercised.
					extra := 0
					for tm := from.Add(-Day); tm.Before(from.Add(8 * Day)); tm = tm.Add(time.Minute) {
						got := k.replicas(tm)
						require.Equal(t, floorOf(s, trig, tm), got, "at %s: KEDA disagrees with the trigger windows", tm.In(loc).Format(time.RFC3339))
						planned := floorOf(s, s.Windows, tm)
						require.GreaterOrEqual(t, got, planned, "at %s: the floor is below the schedule", tm.In(loc).Format(time.RFC3339))
						if got > planned {
							extra++
						}
					}
					// DST adjustments may only widen windows by a little:
					// at most a few hours per period (here 9 days).
					limit := 6 * 60
					if tc.period == PeriodDaily {
						limit = 9 * 150
					}
					assert.LessOrEqual(t, extra, limit, "minutes above the schedule in the week of %s", from.Format("2006-01-02"))
					if tz == "UTC" {
						assert.Zero(t, extra, "UTC has no DST: the triggers must match the schedule exactly")
					}
				}
			})
		}
	}
}

func TestCronTriggersFormat(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	tests := []struct {
		name string
		s    Schedule
		tz   string
		want []Cron
	}{
		{
			name: "weekly, over the week boundary, below-min window dropped",
			s: Schedule{Period: PeriodWeekly, Slot: 30 * time.Minute, Location: time.UTC, MinReplicas: 2,
				Windows: []Window{{h(4, 20, 0), h(0, 6, 30), 5}, {h(1, 8, 0), h(1, 9, 0), 2}}},
			want: []Cron{{Name: "predictive-floor-1", Start: "0 20 * * 5", End: "30 6 * * 1", Timezone: "UTC", DesiredReplicas: 5}},
		},
		{
			name: "daily over midnight, explicit time zone name",
			s: Schedule{Period: PeriodDaily, Slot: 15 * time.Minute, Location: time.UTC, MinReplicas: 0,
				Windows: []Window{{h(0, 7, 45), h(0, 9, 0), 1}, {h(0, 22, 15), h(0, 1, 0), 3}}},
			tz: "Etc/UTC",
			want: []Cron{
				{Name: "predictive-floor-1", Start: "45 7 * * *", End: "0 9 * * *", Timezone: "Etc/UTC", DesiredReplicas: 1},
				{Name: "predictive-floor-2", Start: "15 22 * * *", End: "0 1 * * *", Timezone: "Etc/UTC", DesiredReplicas: 3},
			},
		},
		{
			name: "whole week: split in two (KEDA rejects start == end)",
			s: Schedule{Period: PeriodWeekly, Slot: 30 * time.Minute, Location: time.UTC, MinReplicas: 1,
				Windows: []Window{{h(2, 0, 0), h(2, 0, 0), 4}}},
			want: []Cron{
				{Name: "predictive-floor-1", Start: "0 0 * * 1", End: "0 12 * * 4", Timezone: "UTC", DesiredReplicas: 4},
				{Name: "predictive-floor-2", Start: "0 12 * * 4", End: "0 0 * * 1", Timezone: "UTC", DesiredReplicas: 4},
			},
		},
		{
			name: "Berlin: a start in the spring gap moves earlier, an end in it later",
			s: Schedule{Period: PeriodWeekly, Slot: 30 * time.Minute, Location: berlin, MinReplicas: 1,
				PlannedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				Windows:   []Window{{h(6, 2, 30), h(6, 6, 0), 4}, {h(5, 22, 0), h(6, 2, 0), 3}}},
			want: []Cron{
				{Name: "predictive-floor-1", Start: "0 22 * * 6", End: "0 3 * * 0", Timezone: "Europe/Berlin", DesiredReplicas: 3},
				{Name: "predictive-floor-2", Start: "30 1 * * 0", End: "0 6 * * 0", Timezone: "Europe/Berlin", DesiredReplicas: 4},
			},
		},
		{
			name: "Berlin: other days are not touched",
			s: Schedule{Period: PeriodWeekly, Slot: 30 * time.Minute, Location: berlin, MinReplicas: 1,
				PlannedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				Windows:   []Window{{h(2, 2, 30), h(2, 6, 0), 4}}},
			want: []Cron{{Name: "predictive-floor-1", Start: "30 2 * * 3", End: "0 6 * * 3", Timezone: "Europe/Berlin", DesiredReplicas: 4}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.s.CronTriggers(tc.tz))
		})
	}
}

// TestUnadjustedCronMisbehavesAtDST documents why TriggerWindows moves
// boundaries out of DST hours: with KEDA's rule, a start that robfig/cron
// skips leaves the trigger active for the whole week before it, and a start
// it fires twice opens the window an hour late.
func TestUnadjustedCronMisbehavesAtDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	raw := []Cron{{Start: cronAt(h(6, 2, 30), Week), End: cronAt(h(6, 6, 0), Week), Timezone: "Europe/Berlin", DesiredReplicas: 4}}
	require.Equal(t, "30 2 * * 0", raw[0].Start)
	k := newKEDA(t, raw, 1)

	// Spring: 2026-03-29 02:30 does not exist in Berlin.
	wed := time.Date(2026, 3, 25, 12, 0, 0, 0, berlin)
	assert.Equal(t, 4, k.replicas(wed), "the skipped start makes the trigger active days early")
	// Autumn: 2026-10-25 02:30 happens twice; between the two the trigger is off.
	first := time.Date(2026, 10, 25, 0, 40, 0, 0, time.UTC) // 02:40 CEST
	assert.Equal(t, 1, k.replicas(first), "the window opens only at the second 02:30")
	second := time.Date(2026, 10, 25, 1, 40, 0, 0, time.UTC) // 02:40 CET
	assert.Equal(t, 4, k.replicas(second))

	// The adjusted triggers do neither.
	s := &Schedule{Period: PeriodWeekly, Slot: 30 * time.Minute, Location: berlin, MinReplicas: 1,
		Windows: []Window{{h(6, 2, 30), h(6, 6, 0), 4}}, PlannedAt: wed}
	k = newKEDA(t, s.CronTriggers(""), 1)
	assert.Equal(t, 1, k.replicas(wed))
	assert.Equal(t, 4, k.replicas(first))
	assert.Equal(t, 4, k.replicas(second))
}

func TestHazardsFound(t *testing.T) {
	tests := []struct {
		tz     string
		period string
		want   []string // "offset+length"
	}{
		{"UTC", PeriodWeekly, nil},
		{"Europe/Berlin", PeriodWeekly, []string{"6d2h+1h"}},
		{"America/New_York", PeriodWeekly, []string{"6d1h+1h", "6d2h+1h"}},
		{"Europe/Berlin", PeriodDaily, []string{"2h+1h"}},
	}
	for _, tc := range tests {
		t.Run(tc.tz+"/"+tc.period, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.tz)
			require.NoError(t, err)
			s := &Schedule{Period: tc.period, Location: loc, PlannedAt: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
			seen := map[string]bool{}
			var got []string
			for _, sp := range s.hazards().spans {
				key := fmt.Sprintf("%s+%s", fmtDays(sp.start), fmtDays(sp.length))
				if !seen[key] {
					seen[key] = true
					got = append(got, key)
				}
			}
			assert.ElementsMatch(t, tc.want, got)
		})
	}
}

func fmtDays(d time.Duration) string {
	s := ""
	if d >= Day {
		s = fmt.Sprintf("%dd", d/Day)
		d %= Day
	}
	return s + strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

// TestNestedCronTriggersReproduceTheStepFunction plans nested step
// functions, emits their cron triggers and evaluates them minute by minute
// the way KEDA does (the largest desiredReplicas of the active triggers):
// in UTC the result is the step function exactly; in zones with DST it is
// never below it and equals the adjusted trigger windows.
func TestNestedCronTriggersReproduceTheStepFunction(t *testing.T) {
	daily := []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4, 6, 6, 6, 5, 5, 6, 7, 7,
		7, 6, 6, 5, 4, 4, 3, 3, 2, 2, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 1, 3}
	weekly := make([]int, 7*48)
	for d := range 7 {
		for i, v := range daily {
			if d >= 5 { // a lower weekend
				v = max(1, v/2)
			}
			weekly[d*48+i] = v
		}
	}
	for _, tc := range []struct {
		period string
		prof   []int
		k      int
	}{{PeriodDaily, daily, 4}, {PeriodDaily, daily, 8}, {PeriodWeekly, weekly, 8}} {
		for _, tz := range []string{"UTC", "Europe/Berlin"} {
			t.Run(fmt.Sprintf("%s/k=%d/%s", tc.period, tc.k, tz), func(t *testing.T) {
				loc, err := time.LoadLocation(tz)
				require.NoError(t, err)
				levels, _ := OptimalNestedSteps(tc.prof, 1, tc.k)
				p := periodLength(tc.period)
				s := &Schedule{Period: tc.period, Slot: 30 * time.Minute, Location: loc, MinReplicas: 1,
					Windows: slotWindows(NestedWindows(levels, 1), 30*time.Minute, p, 1), PlannedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
				crons := s.CronTriggers("")
				require.LessOrEqual(t, len(crons), tc.k, "one trigger per window")
				if tc.period == PeriodDaily && tc.k == 8 {
					_, runsCost := OptimalSteps(tc.prof, 1, tc.k)
					_, nestedCost := OptimalNestedSteps(tc.prof, 1, tc.k)
					require.Less(t, nestedCost, runsCost, "the fixture must need nesting")
				}
				k := newKEDA(t, crons, 1)
				trig := s.TriggerWindows()
				from := time.Date(2026, 3, 23, 0, 0, 0, 0, loc) // Berlin springs forward on the 29th
				for tm := from; tm.Before(from.Add(8 * Day)); tm = tm.Add(time.Minute) {
					got := k.replicas(tm)
					want := levels[int(s.Offset(tm)/s.Slot)]
					if tz == "UTC" {
						require.Equal(t, want, got, "at %s", tm.Format(time.RFC3339))
						continue
					}
					require.GreaterOrEqual(t, got, want, "at %s: below the step function", tm.Format(time.RFC3339))
					require.Equal(t, floorOf(s, trig, tm), got, "at %s", tm.Format(time.RFC3339))
				}
			})
		}
	}
}
