// Package promtest starts a real Prometheus server for tests, backfilled with
// given series: it writes them as OpenMetrics text, turns them into TSDB
// blocks with `promtool tsdb create-blocks-from openmetrics`, starts
// `prometheus` on a free loopback port with retention long enough for any
// timestamp, waits until it is ready, and stops it (by its own PID) when the
// test ends.
//
// The binaries come from the Debian package prometheus; install.sh in this
// directory installs it (make test runs it first). Where they are missing a
// test fails with the command that installs them; it is never skipped.
package promtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// DefaultLookbackDelta is Prometheus' default query lookback
// (--query.lookback-delta), which Server uses.
const DefaultLookbackDelta = 5 * time.Minute

// readyTimeout bounds how long Start waits for /-/ready.
const readyTimeout = 30 * time.Second

// Series is one time series to backfill.
type Series struct {
	// Metric is the metric name, e.g. kube_horizontalpodautoscaler_status_desired_replicas.
	Metric string
	// Labels are the series' labels (without __name__).
	Labels map[string]string
	// Samples must be in strictly increasing time order (promtool silently
	// drops out-of-order samples, so Start rejects them instead).
	Samples []Sample
}

// Sample is one value at one time; times are stored with millisecond
// precision.
type Sample struct {
	T time.Time
	V float64
}

// Server is a running Prometheus.
type Server struct {
	// URL is the base URL of its HTTP API, e.g. http://127.0.0.1:40123.
	URL string
	// Dir holds the OpenMetrics input, the TSDB, the config and prometheus.log.
	Dir string
	// Version is the server's version, e.g. 2.42.0+ds.
	Version string
	// LookbackDelta is how far back an evaluation looks for a sample.
	LookbackDelta time.Duration

	cmd    *exec.Cmd
	exited chan struct{}
}

// Start backfills series into a new TSDB and starts Prometheus on it. It
// fails the test, naming the install command, when prometheus or promtool
// is not installed.
func Start(t testing.TB, series []Series) *Server {
	t.Helper()
	prom, promtool := binaries(t)
	dir := t.TempDir()

	input := filepath.Join(dir, "data.om")
	data, err := OpenMetrics(series)
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	if err := os.WriteFile(input, data, 0o644); err != nil {
		t.Fatalf("promtest: %v", err)
	}
	tsdb := filepath.Join(dir, "tsdb")
	if err := backfill(promtool, input, tsdb); err != nil {
		t.Fatalf("promtest: %v", err)
	}
	config := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(config, []byte("global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\nscrape_configs: []\n"), 0o644); err != nil {
		t.Fatalf("promtest: %v", err)
	}

	var lastErr error
	for range 3 { // a free port can be taken between choosing and binding it
		s, err := start(prom, dir, tsdb, config)
		if err == nil {
			t.Cleanup(s.stop)
			if s.Version, err = s.buildVersion(); err != nil {
				t.Fatalf("promtest: %v", err)
			}
			return s
		}
		lastErr = err
	}
	t.Fatalf("promtest: %v", lastErr)
	return nil
}

// Where binaries looks; variables so a test can make them absent.
var (
	lookPath    = exec.LookPath
	fallbackDir = "/usr/bin"
)

// binaries finds prometheus and promtool, or fails the test with the one
// command that installs them. It never skips: a test run that passes
// without the real server would prove nothing about it.
func binaries(t testing.TB) (prom, promtool string) {
	t.Helper()
	var missing []string
	find := func(name string) string {
		if p, err := lookPath(name); err == nil {
			return p
		}
		if p := filepath.Join(fallbackDir, name); isExecutable(p) {
			return p
		}
		missing = append(missing, name)
		return ""
	}
	prom, promtool = find("prometheus"), find("promtool")
	if len(missing) == 0 {
		return prom, promtool
	}
	t.Fatal(fmt.Sprintf("promtest: %s not found on PATH; install them with: sh internal/promtest/install.sh "+
		"(Debian package prometheus; make test runs it)", strings.Join(missing, " and ")))
	return "", ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// OpenMetrics renders series as OpenMetrics text for promtool: one gauge
// family per metric name, timestamps in seconds, ending with "# EOF". It
// rejects invalid names and samples that are not in strictly increasing
// time order.
func OpenMetrics(series []Series) ([]byte, error) {
	var families []string
	byFamily := map[string][]Series{}
	for i, s := range series {
		if !metricName.MatchString(s.Metric) {
			return nil, fmt.Errorf("series %d: metric name %q is invalid; use [a-zA-Z_:][a-zA-Z0-9_:]*", i, s.Metric)
		}
		for k := range s.Labels {
			if !labelName.MatchString(k) || strings.HasPrefix(k, "__") {
				return nil, fmt.Errorf("series %d (%s): label name %q is invalid; use [a-zA-Z_][a-zA-Z0-9_]* not starting with __", i, s.Metric, k)
			}
		}
		for j := 1; j < len(s.Samples); j++ {
			if s.Samples[j].T.UnixMilli() <= s.Samples[j-1].T.UnixMilli() {
				return nil, fmt.Errorf("series %d (%s): sample %d at %s is not after sample %d at %s; samples must be in strictly increasing time order (millisecond precision)",
					i, s.Metric, j, s.Samples[j].T.Format(time.RFC3339Nano), j-1, s.Samples[j-1].T.Format(time.RFC3339Nano))
			}
		}
		if _, ok := byFamily[s.Metric]; !ok {
			families = append(families, s.Metric)
		}
		byFamily[s.Metric] = append(byFamily[s.Metric], s)
	}
	var b bytes.Buffer
	for _, name := range families {
		fmt.Fprintf(&b, "# TYPE %s gauge\n", name)
		for _, s := range byFamily[name] {
			prefix := name + formatLabels(s.Labels) + " "
			for _, p := range s.Samples {
				b.WriteString(prefix)
				b.WriteString(formatValue(p.V))
				b.WriteByte(' ')
				b.WriteString(strconv.FormatFloat(float64(p.T.UnixMilli())/1000, 'f', -1, 64))
				b.WriteByte('\n')
			}
		}
	}
	b.WriteString("# EOF\n")
	return b.Bytes(), nil
}

func formatLabels(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + `="` + esc.Replace(labels[k]) + `"`
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// backfill runs promtool. Large blocks (up to 31 days) keep the TSDB to a
// few blocks, which Prometheus opens quickly; promtool versions without the
// hidden --max-block-duration flag fall back to its 2h default.
func backfill(promtool, input, tsdb string) error {
	args := []string{"tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=744h", input, tsdb}
	out, err := exec.Command(promtool, args...).CombinedOutput()
	if err != nil && bytes.Contains(out, []byte("max-block-duration")) {
		args = []string{"tsdb", "create-blocks-from", "openmetrics", "--quiet", input, tsdb}
		out, err = exec.Command(promtool, args...).CombinedOutput()
	}
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", promtool, strings.Join(args, " "), err, out)
	}
	return nil
}

// start launches prometheus on a free port and waits until it is ready.
func start(prom, dir, tsdb, config string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logPath := filepath.Join(dir, "prometheus.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(prom,
		"--storage.tsdb.path="+tsdb,
		"--web.listen-address="+addr,
		"--config.file="+config,
		"--storage.tsdb.retention.time=100y",
		"--query.lookback-delta="+DefaultLookbackDelta.String(),
		"--log.level=warn",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", prom, err)
	}
	s := &Server{URL: "http://" + addr, Dir: dir, LookbackDelta: DefaultLookbackDelta, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(); err != nil {
		s.stop()
		return nil, fmt.Errorf("%v; its log (%s):\n%s", err, logPath, tail(logPath, 20))
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitReady() error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("prometheus (pid %d) exited before it was ready", s.cmd.Process.Pid)
		default:
		}
		resp, err := client.Get(s.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("prometheus (pid %d) was not ready at %s/-/ready within %s", s.cmd.Process.Pid, s.URL, readyTimeout)
}

// stop terminates the server by its PID: SIGTERM, then SIGKILL after 10s.
func (s *Server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *Server) buildVersion() (string, error) {
	resp, err := http.Get(s.URL + "/api/v1/status/buildinfo")
	if err != nil {
		return "", fmt.Errorf("read the version: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Version string `json:"version"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Data.Version == "" {
		return "", errors.Join(errors.New("read the version from /api/v1/status/buildinfo"), err)
	}
	return body.Data.Version, nil
}

// Major returns the server's major version (2 for 2.42.0+ds), or 0 when
// the version cannot be parsed.
func (s *Server) Major() int {
	major, _, _ := strings.Cut(s.Version, ".")
	n, _ := strconv.Atoi(major)
	return n
}

// Visible returns the value an instant evaluation at time at sees in
// samples (sorted by time): the latest sample no older than the lookback
// delta. Prometheus 2 includes a sample exactly LookbackDelta old; from
// Prometheus 3 the window is left-open and excludes it.
func (s *Server) Visible(samples []Sample, at time.Time) (float64, bool) {
	i := sort.Search(len(samples), func(i int) bool { return samples[i].T.After(at) }) - 1
	if i < 0 {
		return 0, false
	}
	age := at.Sub(samples[i].T)
	if age > s.LookbackDelta || (age == s.LookbackDelta && s.Major() >= 3) {
		return 0, false
	}
	return samples[i].V, true
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
