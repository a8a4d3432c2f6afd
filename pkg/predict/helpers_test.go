package predict

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var nan = math.NaN()

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"defaults", func(*Options) {}, ""},
		{"slot not dividing a day", func(o *Options) { o.Slot = 7 * time.Minute }, "slot 7m0s is invalid: it must be a whole number of minutes that divides 24h"},
		{"slot with seconds", func(o *Options) { o.Slot = 90 * time.Second }, "slot 1m30s is invalid"},
		{"negative half-life", func(o *Options) { o.HalfLife = -time.Hour }, "half-life -1h0m0s is negative: use 0 (equal weights) or a positive duration"},
		{"lead too long", func(o *Options) { o.LeadTime = 7 * time.Hour }, "lead time 7h0m0s is out of range: it must be from 0 to 6h"},
		{"quantile zero", func(o *Options) { o.Quantile = 0 }, "quantile 0 is out of range: it must be in (0, 1]"},
		{"quantile NaN", func(o *Options) { o.Quantile = math.NaN() }, "quantile NaN is out of range"},
		{"headroom negative", func(o *Options) { o.Headroom = -0.1 }, "headroom -0.1 is out of range: it must be a fraction from 0 to 10"},
		{"no windows", func(o *Options) { o.MaxWindows = 0 }, "max windows 0 is out of range: it must be from 1 to 48"},
		{"negative min", func(o *Options) { o.MinReplicas = -1 }, "min replicas -1 is negative"},
		{"max below min", func(o *Options) { o.MinReplicas, o.MaxReplicas = 5, 4 }, "max replicas 4 is invalid: it must be at least 1 and at least min replicas (5)"},
		{"unknown period", func(o *Options) { o.Period = "monthly" }, `period "monthly" is invalid: use "daily", "weekly" or empty`},
		{"level adjustment above 1", func(o *Options) { o.LevelAdjustment = 1.5 }, "level adjustment 1.5 is out of range: it must be from 0 (off) to 1"},
		{"negative reactive lag", func(o *Options) { o.ReactiveLag = -time.Minute }, "reactive lag -1m0s or cooldown 5m0s is negative"},
		{"cap quantile above 1", func(o *Options) { o.CapQuantile = 1.2 }, "cap quantile 1.2 is out of range: it must be 0 (no cap) or in (0, 1]"},
		{"negative budget", func(o *Options) { o.MaxExtraCost = -1 }, "max extra cost -1 is out of range: it must be 0 (no budget) or a positive fraction"},
		{"autocorrelation above 1", func(o *Options) { o.MinAutocorrelation = 2 }, "minimum autocorrelation 2 is out of range: it must be from -1 to 1"},
		{"unknown window model", func(o *Options) { o.Windows = "overlapping" }, `window model "overlapping" is invalid: use "nested" or "runs"`},
		{"empty window model is nested", func(o *Options) { o.Windows = "" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.mod(&o)
			assertErrorSays(t, o.Validate(), tc.want)
		})
	}
}

// assertErrorSays asserts no error when want is empty, else an error
// containing want.
func assertErrorSays(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		assert.NoError(t, err)
		return
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), want)
}

func TestSlidingAndLeadMax(t *testing.T) {
	tests := []struct {
		name      string
		v         []float64
		k         int
		wantSlide []float64
		wantLead  []float64
	}{
		{"k=0 copies", []float64{1, nan, 3}, 0, []float64{1, nan, 3}, []float64{1, nan, 3}},
		{"k=1", []float64{1, 5, 2, 0}, 1, []float64{5, 5, 2, 0}, []float64{5, 5, 2, 0}},
		{"gaps skipped, a gap stays a gap in leadMax", []float64{1, nan, 4, nan, nan}, 2, []float64{4, 4, 4, nan, nan}, []float64{4, nan, 4, nan, nan}},
		{"k beyond the end", []float64{3, 1, 2}, 10, []float64{3, 2, 2}, []float64{3, 2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertSameFloats(t, tc.wantSlide, slidingMax(tc.v, tc.k))
			assertSameFloats(t, tc.wantLead, leadMax(tc.v, tc.k))
		})
	}
	// Against a naive version on random input.
	rng := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		v := make([]float64, 1+rng.IntN(40))
		for i := range v {
			v[i] = float64(rng.IntN(9))
			if rng.IntN(5) == 0 {
				v[i] = nan
			}
		}
		k := rng.IntN(6)
		got := slidingMax(v, k)
		for i := range v {
			want := nan
			for j := i; j <= i+k && j < len(v); j++ {
				if !math.IsNaN(v[j]) && !(v[j] <= want) {
					want = v[j]
				}
			}
			assertSameFloats(t, []float64{want}, []float64{got[i]})
		}
	}
}

func TestReactiveView(t *testing.T) {
	v := []float64{1, 2, 6, 3, nan, 1, 1}
	// Step 5m, lag 10m (2 steps), cooldown 5m (1 step): max of v[i-3..i-2].
	got := reactiveView(v, 5*time.Minute, 10*time.Minute, 5*time.Minute)
	assertSameFloats(t, []float64{nan, nan, 1, 2, 6, 6, 3}, got)
}

func TestWallClockOffsets(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	tests := []struct {
		name   string
		loc    *time.Location
		period time.Duration
		t      time.Time
		want   time.Duration
	}{
		{"UTC Monday midnight", time.UTC, Week, time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC), 0},
		{"UTC Sunday 23:59", time.UTC, Week, time.Date(2026, 5, 10, 23, 59, 0, 0, time.UTC), Week - time.Minute},
		{"UTC daily", time.UTC, Day, time.Date(2026, 5, 10, 13, 30, 0, 0, time.UTC), 13*time.Hour + 30*time.Minute},
		{"Berlin summer: UTC+2", berlin, Day, time.Date(2026, 7, 1, 22, 30, 0, 0, time.UTC), 30 * time.Minute},
		{"Berlin winter: UTC+1", berlin, Day, time.Date(2026, 1, 1, 22, 30, 0, 0, time.UTC), 23*time.Hour + 30*time.Minute},
		{"Berlin: 03:00 right after the spring gap", berlin, Week, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), 6*Day + 3*time.Hour},
		{"Berlin: first 02:30 of the autumn overlap", berlin, Week, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), 6*Day + 2*time.Hour + 30*time.Minute},
		{"Berlin: second 02:30 of the autumn overlap", berlin, Week, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), 6*Day + 2*time.Hour + 30*time.Minute},
		{"before 1970", time.UTC, Week, time.Date(1969, 12, 29, 6, 0, 0, 0, time.UTC), 6 * time.Hour},
	}
	wc := map[*time.Location]map[time.Duration]*wallClock{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A shared clock per zone also exercises its cache.
			if wc[tc.loc] == nil {
				wc[tc.loc] = map[time.Duration]*wallClock{}
			}
			c := wc[tc.loc][tc.period]
			if c == nil {
				c = newWallClock(tc.loc, tc.period)
				wc[tc.loc][tc.period] = c
			}
			assert.Equal(t, tc.want, time.Duration(c.offsetSeconds(tc.t))*time.Second)
		})
	}
}

func TestSeriesSlice(t *testing.T) {
	s := Series{Start: monday, Step: time.Hour, Values: []float64{0, 1, 2, 3, 4}}
	tests := []struct {
		name     string
		from, to time.Time
		want     []float64
		start    time.Time
	}{
		{"middle", monday.Add(time.Hour), monday.Add(3 * time.Hour), []float64{1, 2}, monday.Add(time.Hour)},
		{"rounds up to the next sample", monday.Add(90 * time.Minute), monday.Add(10 * time.Hour), []float64{2, 3, 4}, monday.Add(2 * time.Hour)},
		{"before the start", monday.Add(-time.Hour), monday.Add(time.Hour), []float64{0}, monday},
		{"empty when reversed", monday.Add(3 * time.Hour), monday, []float64{}, monday.Add(3 * time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Slice(tc.from, tc.to)
			assert.Equal(t, tc.want, got.Values)
			assert.Equal(t, tc.start, got.Start)
		})
	}
	assert.Equal(t, monday.Add(5*time.Hour), s.End())
}

func TestRanksAndDetrend(t *testing.T) {
	assertSameFloats(t, []float64{1.5, 0, nan, 1.5, 3}, ranks([]float64{5, 1, nan, 5, 100}))
	// A level shift disappears after detrending with a window of 2.
	d := detrend([]float64{1, 1, 1, 9, 9, 9}, 2)
	assert.InDelta(t, 0, d[0], 1e-9)
	assert.InDelta(t, 0, d[5], 1e-9)
}

func TestQuantileOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for range 300 {
		v := make([]float64, 1+rng.IntN(50))
		for i := range v {
			v[i] = float64(rng.IntN(20))
		}
		q := rng.Float64()
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		k := max(0, int(math.Ceil(q*float64(len(v))))-1)
		assert.Equal(t, sorted[k], quantileOf(append(v, nan), q))
	}
	assert.True(t, math.IsNaN(quantileOf([]float64{nan}, 0.5)))
}

func TestFillGaps(t *testing.T) {
	x := []float64{nan, 2, nan, nan, 5, nan}
	fillGaps(x)
	assert.Equal(t, []float64{5, 2, 5, 5, 5, 5}, x)
	y := []float64{nan, nan}
	fillGaps(y)
	assert.True(t, math.IsNaN(y[0]))
}

func TestWindow(t *testing.T) {
	tests := []struct {
		name   string
		w      Window
		length time.Duration
		in     []time.Duration
		out    []time.Duration
	}{
		{"plain", Window{time.Hour, 3 * time.Hour, 2}, 2 * time.Hour, []time.Duration{time.Hour, 2 * time.Hour}, []time.Duration{0, 3 * time.Hour}},
		{"wraps", Window{22 * time.Hour, 2 * time.Hour, 2}, 4 * time.Hour, []time.Duration{23 * time.Hour, 0, time.Hour}, []time.Duration{2 * time.Hour, 21 * time.Hour}},
		{"whole period", Window{5 * time.Hour, 5 * time.Hour, 2}, Day, []time.Duration{0, 5 * time.Hour, 23 * time.Hour}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.length, tc.w.Length(Day))
			for _, off := range tc.in {
				assert.True(t, tc.w.Contains(off, Day), "%v", off)
			}
			for _, off := range tc.out {
				assert.False(t, tc.w.Contains(off, Day), "%v", off)
			}
		})
	}
}

func assertSameFloats(t *testing.T, want, got []float64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		if math.IsNaN(want[i]) {
			assert.True(t, math.IsNaN(got[i]), "index %d: want NaN, got %v", i, got[i])
			continue
		}
		assert.Equal(t, want[i], got[i], "index %d", i)
	}
}
