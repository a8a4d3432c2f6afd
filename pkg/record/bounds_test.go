package record

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// paddedAnswer is a valid one-sample answer for q, padded with spaces to
// exactly size bytes.
func paddedAnswer(q promQuery, size int) string {
	body := `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[` +
		strconv.FormatInt(q.Start.Unix(), 10) + `,"1"]]}]}}`
	return body + strings.Repeat(" ", size-len(body))
}

// endless writes chunks until the client goes away.
func endless(w http.ResponseWriter, q promQuery, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	chunk := []byte(`{"status":"success","data":{"resultType":"matrix","result":[` + strings.Repeat(" ", 32<<10))
	for {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		select {
		case <-q.RemoteAbort:
			return
		default:
		}
	}
}

func TestRecordResponseCap(t *testing.T) {
	const limit = 64 << 10
	tests := []hostileAnswer{
		{name: "endless body", max: limit, answer: func(w http.ResponseWriter, q promQuery) { endless(w, q, 200) },
			want: "the answer is larger than the limit of 64 KiB (--max-response-bytes); aggregate the query to one series, or raise the limit (at most 1 GiB)", attempts: 1},
		{name: "endless error body is not retried", max: limit, answer: func(w http.ResponseWriter, q promQuery) { endless(w, q, 503) },
			want: "larger than the limit of 64 KiB", attempts: 1},
		{name: "declared length over the limit", max: limit, answer: func(w http.ResponseWriter, q promQuery) {
			w.Header().Set("Content-Length", strconv.Itoa(2<<30))
			w.WriteHeader(200)
			_, _ = w.Write([]byte("{"))
		}, want: "the answer is 2 GiB, more than the limit of 64 KiB", attempts: 1},
		{name: "exactly the limit, chunked", max: 2048, answer: func(w http.ResponseWriter, q promQuery) {
			body := paddedAnswer(q, 2048)
			_, _ = io.WriteString(w, body[:1000])
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, body[1000:])
		}, attempts: 1},
		{name: "exactly the limit, with a length", max: 2048, answer: func(w http.ResponseWriter, q promQuery) {
			w.Header().Set("Content-Length", "2048")
			_, _ = io.WriteString(w, paddedAnswer(q, 2048))
		}, attempts: 1},
		{name: "one byte over, chunked", max: 2047, answer: func(w http.ResponseWriter, q promQuery) {
			body := paddedAnswer(q, 2048)
			_, _ = io.WriteString(w, body[:1000])
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, body[1000:])
		}, want: "larger than the limit of 2047 bytes", attempts: 1},
		{name: "one byte over, with a length", max: 2047, answer: func(w http.ResponseWriter, q promQuery) {
			w.Header().Set("Content-Length", "2048")
			_, _ = io.WriteString(w, paddedAnswer(q, 2048))
		}, want: "the answer is 2 KiB, more than the limit of 2047 bytes", attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			runHostile(t, tt)
			runtime.ReadMemStats(&after)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(32<<20), "memory stays near the limit, whatever the server sends")
		})
	}
}

// hostileAnswer is one server behaviour and the outcome it must have.
type hostileAnswer struct {
	name     string
	max      int64         // Options.MaxResponseBytes; 0: default
	timeout  time.Duration // Options.Timeout; 0: testOptions'
	answer   func(w http.ResponseWriter, q promQuery)
	want     string // empty: recorded
	attempts int    // requests the server sees (one retry allowed)
}

// runHostile records one job against tt's server, within a bounded time,
// and returns its result.
func runHostile(t *testing.T, tt hostileAnswer) Result {
	f := newFakeProm(t, func(w http.ResponseWriter, q promQuery) { tt.answer(w, q) })
	opts := testOptions(f.URL)
	opts.MaxResponseBytes, opts.Retries = tt.max, 1
	if tt.timeout > 0 {
		opts.Timeout = tt.timeout
	}
	began := time.Now()
	res, err := Record(context.Background(), opts, []Job{{Namespace: "ml", Name: "worker", Query: "demand"}})
	require.NoError(t, err)
	assert.Less(t, time.Since(began), 3*time.Second, "ends well before the attempt timeout")
	assert.Len(t, f.requestsFor("demand"), tt.attempts)
	if tt.want == "" {
		require.NoError(t, res[0].Err)
		require.NotNil(t, res[0].History)
		return res[0]
	}
	require.ErrorContains(t, res[0].Err, tt.want)
	return res[0]
}

// floodAnswer writes a successful answer for q whose warnings and series
// number n each: n distinct warnings and one series (series false), or n
// distinct series.
func floodAnswer(q promQuery, n int, series bool) string {
	var b strings.Builder
	b.WriteString(`{"status":"success","warnings":[`)
	for i := 0; i < n && !series; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"warning ` + strconv.Itoa(i) + `"`)
	}
	b.WriteString(`],"data":{"resultType":"matrix","result":[`)
	sample := `"values":[[` + strconv.FormatInt(q.Start.Unix(), 10) + `,"1"]]}`
	for i := 0; i < max(1, n) && (series || i == 0); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"metric":{"i":"` + strconv.Itoa(i) + `"},` + sample)
	}
	b.WriteString(`]}}`)
	return b.String()
}

// TestRecordFloods checks that an answer within the size cap but with very
// many series or warnings is judged in time linear in its size, and that a
// flood of warnings is summed up rather than repeated.
func TestRecordFloods(t *testing.T) {
	const n = 100_000
	res := runHostile(t, hostileAnswer{name: "warnings", answer: func(w http.ResponseWriter, q promQuery) {
		_, _ = io.WriteString(w, floodAnswer(q, n, false))
	}, attempts: 1})
	require.Equal(t, maxWarnings+1, len(res.Warnings))
	assert.Equal(t, "warning 0", res.Warnings[0])
	assert.Equal(t, fmt.Sprintf("and %d more warnings from the server", n-maxWarnings), res.Warnings[maxWarnings])
	runHostile(t, hostileAnswer{name: "series", answer: func(w http.ResponseWriter, q promQuery) {
		_, _ = io.WriteString(w, floodAnswer(q, n, true))
	}, want: fmt.Sprintf("the query returned %d series, one is needed", n), attempts: 1})
}

func TestRecordSlowAnswers(t *testing.T) {
	tests := []hostileAnswer{
		{name: "body slower than the timeout is retried, then fails", timeout: 300 * time.Millisecond, answer: func(w http.ResponseWriter, q promQuery) {
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"status":"success",`)
			w.(http.Flusher).Flush()
			for {
				select {
				case <-q.RemoteAbort:
					return
				case <-time.After(20 * time.Millisecond):
					_, _ = io.WriteString(w, " ")
					w.(http.Flusher).Flush()
				}
			}
		}, want: "the answer (HTTP 200) did not arrive in full within the timeout of 300ms (gave up after 2 attempts)", attempts: 2},
		{name: "slow body within the timeout", timeout: 2 * time.Second, answer: func(w http.ResponseWriter, q promQuery) {
			body := paddedAnswer(q, 2048)
			for i := 0; i < len(body); i += 512 {
				_, _ = io.WriteString(w, body[i:min(i+512, len(body))])
				w.(http.Flusher).Flush()
				time.Sleep(10 * time.Millisecond)
			}
		}, attempts: 1},
		{name: "body cut short is retried", timeout: 2 * time.Second, answer: func(w http.ResponseWriter, q promQuery) {
			if q.Attempt == 1 {
				w.Header().Set("Content-Length", "1000")
				w.WriteHeader(200)
				_, _ = io.WriteString(w, `{"status":"succ`)
				return // the server closes the connection short of the length
			}
			writeMatrix(t, w, q, one(nil))
		}, attempts: 2},
		{name: "body cut short every time", timeout: 2 * time.Second, answer: func(w http.ResponseWriter, q promQuery) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"status":"succ`)
		}, want: "the answer (HTTP 200) was cut short: unexpected EOF (gave up after 2 attempts)", attempts: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runHostile(t, tt) })
	}
}

// TestRoundTripperOrigin calls the transport directly: a request to another
// origin never reaches the network, and the configured headers are added
// only to requests for the origin.
func TestRoundTripperOrigin(t *testing.T) {
	var sent []*http.Request
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r)
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
	})
	rt := &roundTripper{base: base, origin: "http://prom:9090", header: http.Header{"Authorization": {"Bearer " + tokenSecret}},
		maxBytes: 1 << 10, shown: redactURL}
	tests := []struct {
		url  string
		sent bool
	}{
		{"http://prom:9090/api/v1/query_range", true},
		{"http://PROM:9090/x", true},
		{"http://prom:9091/api/v1/query_range", false},
		{"https://prom:9090/api/v1/query_range", false},
		{"http://prom/api/v1/query_range", false},
		{"http://u:pw-SECRET@evil:9090/?token=t-SECRET", false},
	}
	for _, tt := range tests {
		sent = nil
		req, err := http.NewRequest(http.MethodPost, tt.url, strings.NewReader("query=up"))
		require.NoError(t, err)
		resp, err := rt.RoundTrip(req)
		if tt.sent {
			require.NoError(t, err, tt.url)
			require.Len(t, sent, 1)
			assert.Equal(t, "Bearer "+tokenSecret, sent[0].Header.Get("Authorization"))
			assert.Empty(t, req.Header.Get("Authorization"), "the caller's request is not modified")
			_ = resp.Body.Close()
			continue
		}
		var oe *originError
		require.True(t, errors.As(err, &oe), "%s: %v", tt.url, err)
		assert.Empty(t, sent, "%s: nothing reaches the network", tt.url)
		assert.Contains(t, err.Error(), "requests and credentials go only to the origin of the Prometheus address (--prometheus), http://prom:9090")
		assert.NotContains(t, err.Error(), "SECRET")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{64 << 20, "64 MiB"}, {1 << 30, "1 GiB"}, {1536, "1536 bytes"}, {2048, "2 KiB"}, {5, "5 bytes"}, {math.MaxInt64, "9223372036854775807 bytes"}}
	for _, tt := range tests {
		assert.Equal(t, tt.want, formatBytes(tt.n))
	}
}

// TestRecordTransportLogsNothing answers every request with a 204 followed
// by bytes that echo the bearer token: net/http logs bytes that arrive on
// an idle connection to the standard logger, unredacted. No connection may
// be idle, so nothing is logged.
func TestRecordTransportLogsNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\necho "+req.Header.Get("Authorization")+"\n")
				time.Sleep(300 * time.Millisecond)
			}(c)
		}
	}()
	var logged lockedBuffer
	prev := log.Writer()
	log.SetOutput(&logged)
	defer log.SetOutput(prev)
	opts := testOptions("http://" + ln.Addr().String())
	opts.Headers = map[string]string{"Authorization": "Bearer " + tokenSecret}
	res, err := Record(context.Background(), opts, []Job{{Namespace: "ml", Name: "worker", Query: "demand"}})
	require.NoError(t, err)
	require.Error(t, res[0].Err)
	time.Sleep(200 * time.Millisecond) // a log line about the extra bytes would be written by now
	require.NotContains(t, logged.String(), tokenSecret)
	require.Empty(t, logged.String())
}

// lockedBuffer is a strings.Builder safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
