package predict

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ramp is a one-minute series over days days whose value at minute m of
// the day is m/60 (0 at midnight, 23 at 23:00), so windows are easy to
// read off.
func ramp(days int) Series {
	s := Series{Start: monday, Step: time.Minute, Values: make([]float64, days*1440)}
	for i := range s.Values {
		s.Values[i] = float64((i % 1440) / 60)
	}
	return s
}

func TestLiveFloorAt(t *testing.T) {
	sched := &Schedule{Period: PeriodDaily, Slot: time.Hour, Location: time.UTC, MinReplicas: 1,
		Windows: []Window{{8 * time.Hour, 12 * time.Hour, 7}}}
	at := func(d, hh, mm int) time.Time { return monday.Add(h(d, hh, mm)) }
	tests := []struct {
		name     string
		s        Series
		mod      func(*LiveOptions)
		t        time.Time
		fallback *Schedule
		want     LiveValue
		reason   string
	}{
		// Weekly, 25m ahead over 30m: 10:00 on day 8 reads (Mon 09:55, 10:25]
		// of day 1: the maximum is 10, ×1.1 = 11.
		{"weekly: the week before, ahead by the lead", ramp(9), nil, at(7, 10, 0), nil, LiveValue{Replicas: 11, Live: true}, ""},
		{"max replicas caps it", ramp(9), func(o *LiveOptions) { o.MaxReplicas = 8 }, at(7, 10, 0), nil, LiveValue{Replicas: 8, Live: true}, ""},
		{"no headroom", ramp(9), func(o *LiveOptions) { o.Headroom = 0 }, at(7, 10, 0), nil, LiveValue{Replicas: 10, Live: true}, ""},
		// The window ends at 10:25 exclusive of nothing: minutes 09:56 … 10:25
		// hold 9 (4 minutes) and 10 (26 minutes); the median is 10, the
		// 0.1-quantile 9.
		{"a quantile of the window", ramp(9), func(o *LiveOptions) { o.Quantile = 0.1; o.Headroom = 0 }, at(7, 10, 0), nil, LiveValue{Replicas: 9, Live: true}, ""},
		{"daily and weekly: the larger", ramp(9), func(o *LiveOptions) { o.Offsets = []time.Duration{Day, Week}; o.Lead = time.Hour; o.Headroom = 0 }, at(7, 10, 0), nil, LiveValue{Replicas: 11, Live: true}, ""},
		{"too little history for a week: the schedule", ramp(3), nil, at(2, 10, 0), sched, LiveValue{Replicas: 7, Live: false}, "no demand recorded one week earlier (2026-04-29 09:55–10:25 UTC) (the live floor needs 7d5m0s of history): the predictive schedule's floor"},
		{"too little history, no schedule: no floor", ramp(3), nil, at(2, 10, 0), nil, LiveValue{Replicas: 1, Live: false}, "no floor (min-replicas)"},
		{"one offset missing: the other", ramp(3), func(o *LiveOptions) { o.Offsets = []time.Duration{Day, Week}; o.Headroom = 0 }, at(2, 10, 0), nil, LiveValue{Replicas: 10, Live: true}, "used the other offset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultLiveOptions()
			o.MaxReplicas = 100
			if tc.mod != nil {
				tc.mod(&o)
			}
			require.NoError(t, o.Validate())
			got := LiveFloorAt(tc.s, tc.t, o, tc.fallback)
			assert.Equal(t, tc.want.Replicas, got.Replicas)
			assert.Equal(t, tc.want.Live, got.Live)
			if tc.reason == "" {
				assert.Empty(t, got.Reason)
			} else {
				assert.Contains(t, got.Reason, tc.reason)
			}
		})
	}
}

// TestLiveFloorNeverReadsTheFuture perturbs every value at or after the
// moment of evaluation (new values, gaps) and checks that the floor at that
// moment does not change.
func TestLiveFloorNeverReadsTheFuture(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for trial := range 500 {
		step := []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute}[rng.IntN(3)]
		n := int(9 * Day / step)
		s := Series{Start: monday, Step: step, Values: make([]float64, n)}
		for i := range s.Values {
			s.Values[i] = float64(rng.IntN(30))
			if rng.IntN(20) == 0 {
				s.Values[i] = math.NaN()
			}
		}
		o := DefaultLiveOptions()
		o.MaxReplicas = 50
		o.Offsets = [][]time.Duration{{Day}, {Week}, {Day, Week}}[rng.IntN(3)]
		o.Lead = time.Duration(rng.IntN(120)) * time.Minute
		o.Window = time.Duration(1+rng.IntN(90)) * time.Minute
		o.Quantile = []float64{1, 0.9, 0.5}[rng.IntN(3)]
		require.NoError(t, o.Validate())
		// Any moment, on or off the grid.
		tm := s.Start.Add(time.Duration(rng.Int64N(int64(9 * Day))))
		want := LiveFloorAt(s, tm, o, nil)
		p := Series{Start: s.Start, Step: s.Step, Values: append([]float64(nil), s.Values...)}
		for i := range p.Values {
			if !p.At(i).Before(tm) {
				p.Values[i] = []float64{math.NaN(), 0, 1000, float64(rng.IntN(30))}[rng.IntN(4)]
			}
		}
		require.Equal(t, want, LiveFloorAt(p, tm, o, nil), "trial %d at %s: the floor read data at or after the moment", trial, tm)
	}
}

func TestLiveOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*LiveOptions)
		want string
	}{
		{"defaults", func(*LiveOptions) {}, ""},
		{"no offset", func(o *LiveOptions) { o.Offsets = nil }, "has no offset: use 24h (daily), 168h (weekly) or both"},
		{"offset reads the future", func(o *LiveOptions) { o.Offsets = []time.Duration{20 * time.Minute} }, "live offset 20m0s with lead 25m0s would read the future (offset − lead = -5m0s): the offset must be longer than the lead"},
		{"offset equal to the lead", func(o *LiveOptions) { o.Offsets = []time.Duration{Day}; o.Lead = Day }, "would read the future"},
		{"negative lead", func(o *LiveOptions) { o.Lead = -time.Minute }, "live lead -1m0s is negative"},
		{"no window", func(o *LiveOptions) { o.Window = 0 }, "live window 0s is out of range"},
		{"headroom", func(o *LiveOptions) { o.Headroom = -1 }, "live headroom -1 is out of range"},
		{"quantile", func(o *LiveOptions) { o.Quantile = 0 }, "live quantile 0 is out of range"},
		{"replicas", func(o *LiveOptions) { o.MinReplicas, o.MaxReplicas = 5, 2 }, "live replicas [5, 2] are invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultLiveOptions()
			tc.mod(&o)
			assertErrorSays(t, o.Validate(), tc.want)
		})
	}
}

func TestLiveRetention(t *testing.T) {
	o := DefaultLiveOptions()
	assert.Equal(t, Week+5*time.Minute, o.Retention())
	assert.NoError(t, o.CheckRetention(28*Day))
	err := o.CheckRetention(3 * Day)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the live floor reads demand 7d5m0s back (offset 7d − lead 25m0s + window 30m0s), but only 3d is recorded: keep at least 7d5m0s")
	o.Offsets = []time.Duration{Day}
	assert.Equal(t, Day+5*time.Minute, o.Retention())
}
