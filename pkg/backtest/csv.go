package backtest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
)

// MaxCSVBytes is the largest CSV of demand read (room for about two
// million rows: years of demand at minute steps).
const MaxCSVBytes = 64 << 20

// maxGrid bounds the length of the regular grid ReadCSV builds (about 19
// years at one-minute steps), so a stray timestamp cannot exhaust memory.
const maxGrid = 10_000_000

// timeLayouts are the timestamp formats ReadCSV accepts; times without a
// zone are read as UTC (wall-clock of the recording).
var timeLayouts = []string{
	"2006-01-02 15:04:05",
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
}

// ReadCSV reads a demand series from CSV text with a header row. The
// timestamp is the column named "timestamp" or "time" (else the first
// column); the value is the column named column, or when column is empty the
// one named "value", or else the only other column. Timestamps are floored
// to the minute; the step is the most common gap between rows; rows are
// placed on that regular grid and missing rows become NaN. Empty cells and
// "NaN"/"null" are gaps.
func ReadCSV(r io.Reader, column string) (predict.Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return predict.Series{}, errors.New("backtest: CSV is empty: expected a header row such as timestamp,value")
	}
	if err != nil {
		return predict.Series{}, fmt.Errorf("backtest: reading the CSV header: %w", err)
	}
	tcol, vcol, err := pickColumns(header, column)
	if err != nil {
		return predict.Series{}, err
	}
	var rows []row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return predict.Series{}, fmt.Errorf("backtest: CSV line %d: %w", line, err)
		}
		if len(rec) <= max(tcol, vcol) {
			return predict.Series{}, fmt.Errorf("backtest: CSV line %d has %d fields: the header has %d", line, len(rec), len(header))
		}
		t, err := parseTime(rec[tcol])
		if err != nil {
			return predict.Series{}, fmt.Errorf("backtest: CSV line %d: %w", line, err)
		}
		v, err := parseValue(rec[vcol])
		if err != nil {
			return predict.Series{}, fmt.Errorf("backtest: CSV line %d, column %q: %w", line, header[vcol], err)
		}
		rows = append(rows, row{t.Truncate(time.Minute), v, line})
	}
	if len(rows) < 2 {
		return predict.Series{}, fmt.Errorf("backtest: CSV has %d data rows: at least 2 are needed to tell the step", len(rows))
	}
	slices.SortStableFunc(rows, func(a, b row) int { return a.t.Compare(b.t) })
	for i := 1; i < len(rows); i++ {
		if a, b := rows[i-1], rows[i]; a.t.Equal(b.t) {
			first, second := min(a.line, b.line), max(a.line, b.line)
			return predict.Series{}, fmt.Errorf("backtest: CSV line %d repeats the timestamp %s of line %d (read to the minute): each time may appear once", second, b.t.Format(time.DateTime), first)
		}
	}
	step, err := modeStep(len(rows), func(i int) time.Time { return rows[i].t })
	if err != nil {
		return predict.Series{}, err
	}
	return placeOnGrid(rows, step)
}

// row is one data row of a CSV: its time (floored to the minute), value
// and line number.
type row struct {
	t    time.Time
	v    float64
	line int
}

// placeOnGrid puts sorted rows on a regular grid of step from the first
// row's time; grid points without a row are NaN. Two rows in one step are
// an error naming both lines: one would silently replace the other.
func placeOnGrid(rows []row, step time.Duration) (predict.Series, error) {
	start := rows[0].t
	n := int(rows[len(rows)-1].t.Sub(start)/step) + 1
	if n > maxGrid {
		return predict.Series{}, fmt.Errorf("backtest: CSV spans %d steps of %v: at most %d are allowed", n, step, maxGrid)
	}
	vals := make([]float64, n)
	from := make([]int, n) // the line placed at each grid point, 0 for none
	for i := range vals {
		vals[i] = math.NaN()
	}
	for _, r := range rows {
		i := int(r.t.Sub(start) / step)
		if from[i] != 0 {
			return predict.Series{}, fmt.Errorf("backtest: CSV lines %d and %d fall in the same %v step from %s (the step is the most common gap between rows): rows must be at least one step apart",
				min(from[i], r.line), max(from[i], r.line), step, start.Add(time.Duration(i)*step).Format(time.DateTime))
		}
		vals[i], from[i] = r.v, r.line
	}
	return predict.Series{Start: start, Step: step, Values: vals}, nil
}

func pickColumns(header []string, column string) (tcol, vcol int, err error) {
	tcol, vcol = 0, -1
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "timestamp" || h == "time" {
			tcol = i
			break
		}
	}
	find := func(name string) int {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), name) {
				return i
			}
		}
		return -1
	}
	switch {
	case column != "":
		vcol = find(column)
		if vcol < 0 {
			return 0, 0, fmt.Errorf("backtest: CSV has no column %q: the columns are %s", column, strings.Join(header, ", "))
		}
	case find("value") >= 0:
		vcol = find("value")
	case len(header) == 2:
		vcol = 1 - tcol
	default:
		return 0, 0, fmt.Errorf("backtest: CSV has several value columns (%s): name the one to use", strings.Join(header, ", "))
	}
	if vcol == tcol {
		return 0, 0, fmt.Errorf("backtest: column %q is the timestamp: name a value column", header[vcol])
	}
	return tcol, vcol, nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not a time: use YYYY-MM-DD HH:MM:SS (UTC) or RFC 3339", s)
}

func parseValue(s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "nan", "null", "na":
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("value %q is not a number: use a finite decimal number, or leave it empty for a gap", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("value %q is negative: demand is 0 or more (leave the cell empty for a gap)", s)
	}
	return v, nil
}

// modeStep returns the most common positive difference between consecutive
// times (the smallest one on a tie).
func modeStep(n int, at func(int) time.Time) (time.Duration, error) {
	counts := map[time.Duration]int{}
	for i := 1; i < n; i++ {
		if d := at(i).Sub(at(i - 1)); d > 0 {
			counts[d]++
		}
	}
	var best time.Duration
	for d, c := range counts {
		if c > counts[best] || (c == counts[best] && d < best) {
			best = d
		}
	}
	if best <= 0 {
		return 0, errors.New("backtest: CSV timestamps are all equal: cannot tell the step")
	}
	return best, nil
}

// ZerosAsGaps returns a copy of s where every 0 is NaN, for traces in which a
// zero means "not recorded" rather than "no demand".
func ZerosAsGaps(s predict.Series) predict.Series {
	out := s
	out.Values = slices.Clone(s.Values)
	for i, v := range out.Values {
		if v == 0 {
			out.Values[i] = math.NaN()
		}
	}
	return out
}
