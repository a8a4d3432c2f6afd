package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// promQuery is one query_range request as the fake server saw it.
type promQuery struct {
	Query       string
	Start, End  time.Time
	Step        time.Duration
	Header      http.Header
	Attempt     int // 1 for the first request with this query
	Points      int
	RemoteAbort <-chan struct{} // closed when the client gives up
}

// fakeProm is an httptest Prometheus whose answers a test scripts per query.
type fakeProm struct {
	*httptest.Server
	t      testing.TB
	answer func(w http.ResponseWriter, q promQuery)

	mu       sync.Mutex
	requests []promQuery
	attempts map[string]int

	inFlight, maxInFlight atomic.Int32
}

func newFakeProm(t testing.TB, answer func(w http.ResponseWriter, q promQuery)) *fakeProm {
	f := &fakeProm{t: t, answer: answer, attempts: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeProm) serve(w http.ResponseWriter, r *http.Request) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if r.URL.Path != "/api/v1/query_range" {
		writeError(w, http.StatusNotFound, "not_found", "unknown path "+r.URL.Path)
		return
	}
	q, err := parseRange(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_data", err.Error())
		return
	}
	f.mu.Lock()
	f.attempts[q.Query]++
	q.Attempt = f.attempts[q.Query]
	f.requests = append(f.requests, q)
	f.mu.Unlock()
	if q.Points > 11000 {
		writeError(w, http.StatusBadRequest, "bad_data",
			"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
		return
	}
	f.answer(w, q)
}

// parseRange reads a query_range request's form, as Prometheus does.
func parseRange(r *http.Request) (promQuery, error) {
	if err := r.ParseForm(); err != nil {
		return promQuery{}, err
	}
	start, err1 := strconv.ParseFloat(r.Form.Get("start"), 64)
	end, err2 := strconv.ParseFloat(r.Form.Get("end"), 64)
	step, err3 := strconv.ParseFloat(r.Form.Get("step"), 64)
	if err1 != nil || err2 != nil || err3 != nil || step <= 0 || end < start {
		return promQuery{}, errors.New("bad start, end or step")
	}
	return promQuery{
		Query:       r.Form.Get("query"),
		Start:       time.Unix(0, int64(start*1e9)).UTC(),
		End:         time.Unix(0, int64(end*1e9)).UTC(),
		Step:        time.Duration(step * float64(time.Second)),
		Header:      r.Header.Clone(),
		Points:      int((end-start)/step) + 1,
		RemoteAbort: r.Context().Done(),
	}, nil
}

// requestsFor returns the requests made with query.
func (f *fakeProm) requestsFor(query string) []promQuery {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []promQuery
	for _, q := range f.requests {
		if q.Query == query {
			out = append(out, q)
		}
	}
	return out
}

// series is one series of a fake answer: value(t) gives the sample at grid
// time t, or false for none.
type series struct {
	labels map[string]string
	value  func(t time.Time) (float64, bool)
}

// writeMatrix answers q with the given series sampled on q's grid.
func writeMatrix(t testing.TB, w http.ResponseWriter, q promQuery, ss ...series) {
	type stream struct {
		Metric map[string]string `json:"metric"`
		Values [][2]any          `json:"values"`
	}
	result := []stream{}
	for _, s := range ss {
		st := stream{Metric: map[string]string{}, Values: [][2]any{}}
		for k, v := range s.labels {
			st.Metric[k] = v
		}
		for ts := q.Start; !ts.After(q.End); ts = ts.Add(q.Step) {
			if v, ok := s.value(ts); ok {
				st.Values = append(st.Values, [2]any{float64(ts.UnixMilli()) / 1000, formatSample(v)})
			}
		}
		result = append(result, st)
	}
	writeJSON(t, w, http.StatusOK, map[string]any{
		"status": "success",
		"data":   map[string]any{"resultType": "matrix", "result": result},
	})
}

func formatSample(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func writeJSON(t testing.TB, w http.ResponseWriter, code int, body any) {
	data, err := json.Marshal(body)
	require.NoError(t, err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

// writeError answers like Prometheus does on an API error.
func writeError(w http.ResponseWriter, code int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, `{"status":"error","errorType":%q,"error":%q}`, errType, msg)
}

// demand is a deterministic test series: a daily cycle between 1 and 30
// replicas, with no sample every seventh step.
func demand(t time.Time) (float64, bool) {
	step := t.Unix() / 300
	if step%7 == 3 {
		return 0, false
	}
	minute := float64(t.Unix()%86400) / 60
	return math.Ceil(15.5 + 14.5*math.Sin(2*math.Pi*minute/1440)), true
}

func one(labels map[string]string) series {
	return series{labels: labels, value: demand}
}
