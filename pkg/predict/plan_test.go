package predict

import (
	"bufio"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var monday = time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC) // a Monday

// synth builds a demand series in replicas: base + amp × a daily bump
// (peaking at 14:00) × weekday factor + noise, rounded up.
func synth(days int, step time.Duration, base, amp, weekendFactor, noise float64, seed uint64) Series {
	rng := rand.New(rand.NewPCG(seed, 99))
	n := int(time.Duration(days) * Day / step)
	s := Series{Start: monday, Step: step, Values: make([]float64, n)}
	for i := range n {
		t := s.At(i)
		x := float64(t.Hour()*60+t.Minute()) / 1440
		bump := math.Max(0, math.Cos(2*math.Pi*(x-14.0/24)))
		f := 1.0
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			f = weekendFactor
		}
		s.Values[i] = math.Max(0, math.Ceil(base+amp*bump*f+noise*rng.NormFloat64()))
	}
	return s
}

// readTrace reads a timestamp,value CSV fixture (hourly, UTC wall-clock).
func readTrace(t *testing.T, path string) Series {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var times []time.Time
	var vals []float64
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		a, b, ok := strings.Cut(sc.Text(), ",")
		require.True(t, ok)
		tm, err := time.Parse("2006-01-02 15:04:05", a)
		require.NoError(t, err)
		v, err := strconv.ParseFloat(b, 64)
		require.NoError(t, err)
		times = append(times, tm)
		vals = append(vals, v)
	}
	require.NoError(t, sc.Err())
	step := times[1].Sub(times[0])
	s := Series{Start: times[0], Step: step, Values: make([]float64, int(times[len(times)-1].Sub(times[0])/step)+1)}
	for i := range s.Values {
		s.Values[i] = math.NaN()
	}
	for i, tm := range times {
		s.Values[int(tm.Sub(times[0])/step)] = vals[i]
	}
	return s
}

// inReplicas converts load to replicas so that the p99 needs 20.
func inReplicas(s Series) Series {
	p99 := quantileOf(s.Values, 0.99)
	out := Series{Start: s.Start, Step: s.Step, Values: make([]float64, len(s.Values))}
	for i, v := range s.Values {
		out.Values[i] = math.Ceil(v / (p99 / 20))
	}
	return out
}

func TestPlanDeclines(t *testing.T) {
	hourly := DefaultOptions()
	hourly.Slot = time.Hour
	weekly := DefaultOptions()
	weekly.Period = PeriodWeekly
	noise := synth(21, 5*time.Minute, 8, 0, 1, 3, 7)
	gaps := Series{Start: monday, Step: time.Minute, Values: []float64{math.NaN(), math.NaN()}}
	constant := synth(5, 5*time.Minute, 4, 0, 1, 0, 1)
	tests := []struct {
		name string
		s    Series
		o    Options
		want []string // substrings of the reason
	}{
		{"two days", synth(2, 5*time.Minute, 2, 10, 1, 1, 1), DefaultOptions(), []string{"only 2.0 days of history", "at least 3 days"}},
		{"white noise", noise, DefaultOptions(), []string{"no daily or weekly pattern in 21.0 days", "at 24h", "at 168h", "below the 0.30"}},
		{"constant", constant, DefaultOptions(), []string{"demand is constant over 5.0 days"}},
		{"weekly asked for with 10 days", synth(10, 5*time.Minute, 2, 10, 1, 1, 1), weekly, []string{"only 10.0 days", "weekly profile that was asked for needs at least 14 days"}},
		{"only gaps", gaps, DefaultOptions(), []string{"holds no values"}},
		{"asg control (hourly fixture)", inReplicas(readTrace(t, "../../testdata/traces/nab_asg_cpu_util_1h.csv")), hourly, []string{"no daily or weekly pattern in 62.7 days", "at 24h", "at 168h"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Plan(tc.s, tc.o)
			require.Error(t, err)
			assert.Nil(t, sc)
			var d *DeclineError
			require.ErrorAs(t, err, &d)
			assert.True(t, IsDecline(err))
			for _, w := range tc.want {
				assert.Contains(t, d.Reason, w)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "no predictive schedule: "))
		})
	}
}

func TestPlanDeclinesOnControl5m(t *testing.T) {
	s := readTrace(t, "../../testdata/traces/nab_asg_cpu_util_5min.csv")
	_, err := Plan(inReplicas(s), DefaultOptions())
	var d *DeclineError
	require.ErrorAs(t, err, &d)
	assert.Contains(t, d.Reason, "no daily or weekly pattern in 62.7 days")
}

func TestPlanPlansPeriodicFixture(t *testing.T) {
	o := DefaultOptions()
	o.Slot = time.Hour
	o.MaxReplicas = 40
	s := inReplicas(readTrace(t, "../../testdata/traces/nab_nyc_taxi_1h_5weeks.csv"))
	sc, err := Plan(s, o)
	require.NoError(t, err)
	assert.Greater(t, sc.Seasonality.AC24, 0.6)
	assert.Greater(t, sc.Seasonality.AC168, 0.6)
	assert.LessOrEqual(t, len(sc.Windows), o.MaxWindows)
	// The cap: never above the p90 of all demand.
	p90 := int(math.Ceil(quantileOf(s.Values, 0.9)))
	for _, w := range sc.Windows {
		assert.LessOrEqual(t, w.Replicas, p90)
	}
	// Busy afternoon above the quiet early morning.
	day := sc.PlannedAt.Truncate(Day)
	assert.Greater(t, sc.ReplicasAt(day.Add(-5*time.Hour-30*time.Minute)), sc.ReplicasAt(day.Add(-19*time.Hour-30*time.Minute)))
}

func TestPlanProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"}
	for trial := range 40 {
		o := DefaultOptions()
		o.Slot = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour}[rng.IntN(3)]
		o.MaxWindows = 1 + rng.IntN(10)
		o.MinReplicas = rng.IntN(4)
		o.MaxReplicas = o.MinReplicas + 1 + rng.IntN(25)
		o.Quantile = 0.5 + rng.Float64()/2
		o.Headroom = rng.Float64() / 2
		o.LevelAdjustment = rng.Float64()
		o.MaxExtraCost = []float64{0, 0.1, 0.3}[rng.IntN(3)]
		o.CapQuantile = []float64{0, 0.9}[rng.IntN(2)]
		o.Period = []string{PeriodAuto, PeriodDaily, PeriodWeekly}[rng.IntN(3)]
		loc, err := time.LoadLocation(zones[rng.IntN(len(zones))])
		require.NoError(t, err)
		o.Location = loc
		step := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}[rng.IntN(3)]
		s := synth(15+rng.IntN(15), step, float64(rng.IntN(5)), 5+30*rng.Float64(), rng.Float64()+0.3, 2*rng.Float64(), uint64(trial))
		for g := 0; g < rng.IntN(5); g++ { // a few gaps
			at := rng.IntN(len(s.Values) - 100)
			for i := at; i < at+rng.IntN(100); i++ {
				s.Values[i] = math.NaN()
			}
		}
		sc, err := Plan(s, o)
		if IsDecline(err) {
			continue
		}
		require.NoError(t, err, "trial %d", trial)
		p := sc.PeriodLength()
		require.Len(t, sc.SlotProfile, int(p/o.Slot))
		assert.LessOrEqual(t, len(sc.Windows), o.MaxWindows, "trial %d: too many windows", trial)
		for _, w := range sc.Windows {
			assert.Greater(t, w.Replicas, o.MinReplicas, "trial %d: a window at or below min", trial)
			assert.LessOrEqual(t, w.Replicas, o.MaxReplicas, "trial %d: a window above max", trial)
		}
		// Evaluate the floor at every slot through real instants: it
		// covers the profile and stays within [min, max].
		base := monday.In(loc)
		for j, want := range sc.SlotProfile {
			tm := time.Date(base.Year(), base.Month(), base.Day(), 0, 0, 0, 0, loc).Add(time.Duration(j)*o.Slot + time.Minute)
			if sc.Offset(tm) != time.Duration(j)*o.Slot+time.Minute {
				continue // a DST day: this wall-clock time does not exist
			}
			got := sc.ReplicasAt(tm)
			assert.GreaterOrEqual(t, got, want, "trial %d slot %d: the floor does not cover the profile", trial, j)
			assert.GreaterOrEqual(t, got, o.MinReplicas)
			assert.LessOrEqual(t, got, o.MaxReplicas)
		}
		for _, c := range sc.CronTriggers("") {
			assert.GreaterOrEqual(t, c.DesiredReplicas, 1)
			assert.NotEqual(t, c.Start, c.End)
		}
	}
}

func TestPlanLeadTimeRaisesFloorEarlier(t *testing.T) {
	// Demand jumps from 2 to 12 at 08:00 every day and falls back at 12:00.
	s := Series{Start: monday, Step: time.Minute, Values: make([]float64, 14*24*60)}
	for i := range s.Values {
		hr := s.At(i).Hour()
		s.Values[i] = 2
		if hr >= 8 && hr < 12 {
			s.Values[i] = 12
		}
	}
	for _, tc := range []struct {
		name  string
		lead  time.Duration
		at745 int
	}{{"no lead: the floor rises at 08:00", 0, 1}, {"5m lead: it rises with the 07:30 slot", 5 * time.Minute, 12}} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			o.MaxReplicas = 20
			o.LeadTime = tc.lead
			o.Headroom = 0
			o.MaxExtraCost = 0
			o.CapQuantile = 0
			sc, err := Plan(s, o)
			require.NoError(t, err)
			day := s.End()
			assert.Equal(t, tc.at745, sc.ReplicasAt(day.Add(7*time.Hour+45*time.Minute)))
			assert.Equal(t, 12, sc.ReplicasAt(day.Add(8*time.Hour+5*time.Minute)))
			assert.Equal(t, o.MinReplicas, sc.ReplicasAt(day.Add(13*time.Hour)), "the reactive autoscaler holds the plateau: no floor after the ramp")
		})
	}
}

func TestPlanLevelAdjustment(t *testing.T) {
	s := synth(14, 5*time.Minute, 2, 10, 1, 0.5, 3)
	last := len(s.Values) - int(Day/s.Step)
	for i := last; i < len(s.Values); i++ {
		s.Values[i] *= 2
	}
	tests := []struct {
		name    string
		la      float64
		wantMin float64
		wantMax float64
	}{
		{"off", 0, 1, 1},
		{"half", 0.5, 1.3, 1.45},
		{"full", 1, 1.7, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			o.LevelAdjustment = tc.la
			o.MaxReplicas = 100
			sc, err := Plan(s, o)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, sc.LevelFactor, tc.wantMin)
			assert.LessOrEqual(t, sc.LevelFactor, tc.wantMax)
		})
	}
}

func TestPlanChoosesWeeklyWhenWeekendsDiffer(t *testing.T) {
	o := DefaultOptions()
	o.MaxReplicas = 100
	o.ReactiveLag = 0 // cover plain demand: the weekend saving is then large
	o.MaxExtraCost = 0
	sc, err := Plan(synth(28, 5*time.Minute, 0, 40, 0, 0, 5), o)
	require.NoError(t, err)
	assert.Equal(t, PeriodWeekly, sc.Period)
	sat := monday.AddDate(0, 0, 5).Add(14 * time.Hour)
	assert.Equal(t, o.MinReplicas, sc.ReplicasAt(sat), "no floor on a quiet Saturday afternoon")
	assert.Greater(t, sc.ReplicasAt(monday.Add(14*time.Hour)), 20)

	o.Period = PeriodDaily
	sc, err = Plan(synth(28, 5*time.Minute, 0, 40, 0, 0, 5), o)
	require.NoError(t, err)
	assert.Equal(t, PeriodDaily, sc.Period)
}

func TestPlanCostBudgetLowersQuantile(t *testing.T) {
	s := synth(14, 5*time.Minute, 6, 10, 1, 4, 8) // noisy
	o := DefaultOptions()
	o.MaxReplicas = 100
	o.MaxExtraCost = 0
	free, err := Plan(s, o)
	require.NoError(t, err)
	assert.InDelta(t, 0.9, free.Quantile, 1e-9)
	o.MaxExtraCost = free.ExtraCost / 2
	tight, err := Plan(s, o)
	require.NoError(t, err)
	assert.Less(t, tight.Quantile, 0.9)
	assert.GreaterOrEqual(t, tight.Quantile, MinQuantile)
	assert.Less(t, tight.ReplicaHoursPerWeek, free.ReplicaHoursPerWeek)
}

func TestPlanErrors(t *testing.T) {
	good := synth(7, 5*time.Minute, 2, 10, 1, 1, 1)
	bad := good
	bad.Values = append([]float64{-1}, good.Values[1:]...)
	tests := []struct {
		name string
		s    Series
		mod  func(*Options)
		want string
	}{
		{"step longer than slot", Series{Start: monday, Step: time.Hour, Values: good.Values}, nil, "series step 1h0m0s is longer than the slot 30m0s"},
		{"zero step", Series{Start: monday, Values: good.Values}, nil, "series step 0s is invalid: it must be positive"},
		{"negative demand", bad, nil, "demand must be a finite number ≥ 0 or NaN"},
		{"bad option", good, func(o *Options) { o.Quantile = 2 }, "quantile 2 is out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			if tc.mod != nil {
				tc.mod(&o)
			}
			_, err := Plan(tc.s, o)
			require.Error(t, err)
			assert.False(t, IsDecline(err))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestExplain(t *testing.T) {
	sc := &Schedule{
		Period: PeriodWeekly, Slot: 30 * time.Minute, Location: time.UTC, MinReplicas: 1,
		Windows:             []Window{{h(4, 20, 0), h(0, 6, 0), 5}},
		ReplicaHoursPerWeek: 212, ProfileReplicaHoursPerWeek: 200, LevelFactor: 1.1, Quantile: 0.85, ExtraCost: 0.12,
		Seasonality: Seasonality{HistoryDays: 28, AC24: 0.8, AC168: math.NaN()},
	}
	got := sc.Explain()
	require.Len(t, got, 3)
	assert.Contains(t, got[0], "weekly profile in UTC from 28.0 days of history (autocorrelation 24h 0.80, 168h n/a)")
	assert.Contains(t, got[1], "1 window(s) above 1 replica(s): 212.0 replica-hours per week")
	assert.Equal(t, "  Fri 20:00–Mon 06:00: at least 5 replicas (58.0 h per week)", got[2])
}
