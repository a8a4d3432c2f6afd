package promtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestOpenMetrics(t *testing.T) {
	tests := []struct {
		name    string
		series  []Series
		want    string
		wantErr string
	}{
		{name: "families grouped, labels sorted and escaped, seconds", series: []Series{
			{Metric: "a", Labels: map[string]string{"z": "1", "b": `q"\` + "\n"}, Samples: []Sample{{t0, 1}, {t0.Add(1500 * time.Millisecond), 2.5}}},
			{Metric: "b", Samples: []Sample{{t0, math.NaN()}, {t0.Add(time.Minute), math.Inf(1)}}},
			{Metric: "a", Labels: map[string]string{"z": "2"}, Samples: []Sample{{t0, 1e21}}},
		}, want: "# TYPE a gauge\n" +
			`a{b="q\"\\\n",z="1"} 1 1772366400` + "\n" +
			`a{b="q\"\\\n",z="1"} 2.5 1772366401.5` + "\n" +
			`a{z="2"} 1e+21 1772366400` + "\n" +
			"# TYPE b gauge\n" +
			"b NaN 1772366400\n" +
			"b +Inf 1772366460\n" +
			"# EOF\n"},
		{name: "empty", want: "# EOF\n"},
		{name: "bad metric name", series: []Series{{Metric: "1up"}}, wantErr: `metric name "1up" is invalid`},
		{name: "bad label name", series: []Series{{Metric: "up", Labels: map[string]string{"a-b": "x"}}}, wantErr: `label name "a-b" is invalid`},
		{name: "reserved label name", series: []Series{{Metric: "up", Labels: map[string]string{"__name__": "x"}}}, wantErr: "not starting with __"},
		{name: "out of order", series: []Series{{Metric: "up", Samples: []Sample{{t0, 1}, {t0.Add(-time.Second), 1}}}},
			wantErr: "sample 1 at 2026-03-01T11:59:59Z is not after sample 0"},
		{name: "same millisecond", series: []Series{{Metric: "up", Samples: []Sample{{t0, 1}, {t0.Add(time.Microsecond), 1}}}},
			wantErr: "strictly increasing time order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OpenMetrics(tt.series)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestVisible(t *testing.T) {
	samples := []Sample{{t0, 1}, {t0.Add(30 * time.Minute), 2}}
	tests := []struct {
		version string
		at      time.Duration // after t0
		want    float64
		ok      bool
	}{
		{"2.42.0+ds", -time.Second, 0, false},
		{"2.42.0+ds", 0, 1, true},
		{"2.42.0+ds", 4 * time.Minute, 1, true},
		{"2.42.0+ds", 5 * time.Minute, 1, true},
		{"3.1.0", 5 * time.Minute, 0, false},
		{"3.1.0", 0, 1, true},
		{"2.42.0+ds", 5*time.Minute + time.Millisecond, 0, false},
		{"2.42.0+ds", 30 * time.Minute, 2, true},
		{"2.42.0+ds", 40 * time.Minute, 0, false},
	}
	for _, tt := range tests {
		s := &Server{Version: tt.version, LookbackDelta: DefaultLookbackDelta}
		v, ok := s.Visible(samples, t0.Add(tt.at))
		assert.Equal(t, tt.ok, ok, "%s at +%s", tt.version, tt.at)
		assert.Equal(t, tt.want, v, "%s at +%s", tt.version, tt.at)
	}
}

func TestStart(t *testing.T) {
	var samples []Sample
	for i := range 48 * 3 { // three days, every 30 minutes
		samples = append(samples, Sample{T: t0.Add(time.Duration(i) * 30 * time.Minute), V: float64(i % 48)})
	}
	var pid int
	t.Run("serve", func(t *testing.T) {
		s := Start(t, []Series{{Metric: "demand", Labels: map[string]string{"app": "x"}, Samples: samples}})
		pid = s.cmd.Process.Pid
		assert.NotEmpty(t, s.Version)
		assert.Positive(t, s.Major())

		tests := []struct {
			at   time.Time
			want string
		}{
			{at: t0, want: "0"},
			{at: t0.Add(24*time.Hour + 90*time.Minute), want: "3"},
			{at: t0.Add(24*time.Hour + 94*time.Minute), want: "3"},
			{at: samples[len(samples)-1].T, want: "47"},
		}
		for _, tt := range tests {
			v := instant(t, s.URL, `demand{app="x"}`, tt.at)
			assert.Equal(t, tt.want, v, "at %s", tt.at)
		}
		assert.Empty(t, instant(t, s.URL, `demand{app="x"}`, t0.Add(24*time.Hour+100*time.Minute)), "beyond the lookback")
	})
	require.NotZero(t, pid)
	assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "prometheus must be stopped when the test ends")
}

// fakeTB records Skip and Fatal instead of acting on the real test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.skipped = fmt.Sprint(args...); runtime.Goexit() }
func (f *fakeTB) Fatal(args ...any) { f.failed = fmt.Sprint(args...); runtime.Goexit() }

func TestMissingBinariesFail(t *testing.T) {
	origLook, origDir := lookPath, fallbackDir
	t.Cleanup(func() { lookPath, fallbackDir = origLook, origDir })
	lookPath = func(string) (string, error) { return "", exec.ErrNotFound }
	fallbackDir = t.TempDir()
	for _, ci := range []string{"", "false", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			f := &fakeTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				binaries(f)
			}()
			<-done
			assert.Empty(t, f.skipped, "a missing server must never skip the test")
			assert.Contains(t, f.failed, "prometheus and promtool not found on PATH; install them with: sh internal/promtest/install.sh")
		})
	}
}

// instant evaluates query at time at and returns the single value, or "".
func instant(t *testing.T, base, query string, at time.Time) string {
	t.Helper()
	resp, err := http.PostForm(base+"/api/v1/query", url.Values{"query": {query}, "time": {strconv.FormatInt(at.Unix(), 10)}})
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, "success", body.Status)
	if len(body.Data.Result) == 0 {
		return ""
	}
	require.Len(t, body.Data.Result, 1)
	return body.Data.Result[0].Value[1].(string)
}
