package predict

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Cron is one KEDA cron trigger's metadata: while the local time in
// Timezone is in [Start, End) the trigger asks for DesiredReplicas.
type Cron struct {
	// Name is the trigger's name (unique within the schedule).
	Name string
	// Start is the 5-field cron expression at which the window opens.
	Start string
	// End is the 5-field cron expression at which the window closes.
	End string
	// Timezone is the IANA zone name KEDA evaluates Start and End in.
	Timezone string
	// DesiredReplicas is the floor inside the window (always ≥ 1).
	DesiredReplicas int
}

// CronTriggers returns one KEDA cron trigger per window of
// TriggerWindows, sorted by start, in the time zone tz (empty: the name of
// s.Location; tz must name the same zone as s.Location, whose rules decide
// the daylight-saving adjustments).
//
// How KEDA (v2.21 pkg/scalers/cron_scaler.go) decides activity: it asks
// robfig/cron for the next start and the next end strictly after now and
// calls the trigger active when the next end does not come after the next
// start — that is, when the next event is an end. This is why a window that
// wraps past midnight or past Sunday→Monday needs no special form: "start
// Fri 20:00, end Mon 06:00" is simply "0 20 * * 5" and "0 6 * * 1". A
// trigger's desiredReplicas must be ≥ 1 and KEDA takes the maximum over
// triggers, with min-replicas holding outside them, so windows at
// MinReplicas produce no trigger. Windows may nest (a staircase's rises
// each open one, inside the one before): the maximum over the active
// triggers is then the step function itself.
func (s *Schedule) CronTriggers(tz string) []Cron {
	if tz == "" {
		tz = s.loc().String()
	}
	p := s.PeriodLength()
	ws := s.TriggerWindows()
	out := make([]Cron, 0, len(ws))
	for i, w := range ws {
		out = append(out, Cron{
			Name:            fmt.Sprintf("predictive-floor-%d", i+1),
			Start:           cronAt(w.Start, p),
			End:             cronAt(w.End, p),
			Timezone:        tz,
			DesiredReplicas: w.Replicas,
		})
	}
	return out
}

// cronAt writes offset off as a 5-field cron expression that fires once per
// period: "M H * * D" for a week (D: 0 = Sunday), "M H * * *" for a day.
func cronAt(off, p time.Duration) string {
	off %= p
	m, h := int(off%time.Hour/time.Minute), int(off%Day/time.Hour)
	if p == Week {
		return fmt.Sprintf("%d %d * * %d", m, h, (int(off/Day)+1)%7)
	}
	return fmt.Sprintf("%d %d * * *", m, h)
}

func (s *Schedule) loc() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// TriggerWindows returns the windows above MinReplicas as the cron triggers
// encode them: adjusted so that no boundary falls on a local time that a
// daylight-saving change skips or repeats, and with a whole-period window
// split in two (KEDA rejects start == end).
//
// Why: robfig/cron never fires at a skipped time, and fires twice at a
// repeated one. With KEDA's "active when the next event is an end" rule, a
// start inside a spring-forward gap would leave the trigger active for the
// whole week before it, an end inside the gap would drop the window for
// that week, and a start inside a fall-back overlap would open the window
// an hour late. So a start in such a span moves earlier, to the last slot
// boundary before it, and an end moves later, to the first slot boundary
// after it: the floor is then never lower than planned, and is higher only
// for at most the span plus a slot around the affected boundary. (An end in
// an overlap would only close an hour late, but it is moved too, for one
// rule.) The spans come from s.Location's transitions from a year before
// PlannedAt to two years after it (2000–2040 when PlannedAt is zero).
func (s *Schedule) TriggerWindows() []Window {
	p := s.PeriodLength()
	hz := s.hazards()
	slot := s.Slot
	if slot <= 0 {
		slot = time.Minute
	}
	var out []Window
	for _, w := range s.Windows {
		if w.Replicas <= s.MinReplicas || w.Replicas < 1 {
			continue
		}
		st, en := hz.moveStart(w.Start, slot, p), hz.moveEnd(w.End, slot, p)
		grow := mod(w.Start-st, p) + mod(en-w.End, p)
		if w.Length(p)+grow >= p {
			a := hz.fullSplit(slot, p)
			b := hz.moveEnd(a+p/2, slot, p)
			out = append(out, Window{a, b, w.Replicas}, Window{b, a, w.Replicas})
			continue
		}
		out = append(out, Window{st, en, w.Replicas})
	}
	sortWindows(out)
	return out
}

func mod(d, p time.Duration) time.Duration {
	d %= p
	if d < 0 {
		d += p
	}
	return d
}

func sortWindows(ws []Window) {
	slices.SortFunc(ws, func(a, b Window) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.Replicas, b.Replicas)
	})
}

// span is a range of local wall-clock offsets [start, start+length) within
// the period, circular.
type span struct{ start, length time.Duration }

type hazards struct {
	spans []span
	p     time.Duration
}

// hazards returns the local wall-clock spans (as offsets within the
// period) that a UTC-offset change of s.Location skips or repeats.
func (s *Schedule) hazards() hazards {
	p := s.PeriodLength()
	h := hazards{p: p}
	loc := s.loc()
	from := s.PlannedAt.AddDate(-1, 0, 0)
	to := s.PlannedAt.AddDate(2, 0, 0)
	if s.PlannedAt.IsZero() {
		from = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		to = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for t := from; t.Before(to); {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		_, o1 := end.Add(-time.Second).In(loc).Zone()
		_, o2 := end.In(loc).Zone()
		if o1 != o2 {
			lo := end.Unix() + int64(min(o1, o2)) + mondayEpoch
			off := time.Duration(lo%int64(p/time.Second)) * time.Second
			h.spans = append(h.spans, span{mod(off, p), time.Duration(abs(o2-o1)) * time.Second})
		}
		t = end
	}
	return h
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// at returns the span containing off, if any.
func (h hazards) at(off time.Duration) (span, bool) {
	for _, sp := range h.spans {
		if mod(off-sp.start, h.p) < sp.length {
			return sp, true
		}
	}
	return span{}, false
}

// moveStart moves a window start out of every hazard span, earlier, to a
// slot boundary.
func (h hazards) moveStart(off, slot, p time.Duration) time.Duration {
	for range 64 {
		sp, ok := h.at(off)
		if !ok {
			break
		}
		off = mod((sp.start-time.Second)/slot*slot, p)
		if sp.start < time.Second { // wraps to the end of the period
			off = mod(p-slot, p)
		}
	}
	return off
}

// moveEnd moves a window end out of every hazard span, later, to a slot
// boundary.
func (h hazards) moveEnd(off, slot, p time.Duration) time.Duration {
	for range 64 {
		sp, ok := h.at(off)
		if !ok {
			break
		}
		e := sp.start + sp.length
		off = mod((e+slot-1)/slot*slot, p)
	}
	return mod(off, p)
}

// fullSplit picks the first slot boundary from the start of the period
// that is outside every hazard span, where a whole-period window is split.
func (h hazards) fullSplit(slot, p time.Duration) time.Duration {
	for off := time.Duration(0); off < p; off += slot {
		if _, bad := h.at(off); bad {
			continue
		}
		if _, bad := h.at(off + p/2); !bad {
			return off
		}
	}
	return 0
}
