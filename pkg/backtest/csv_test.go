package backtest

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadCSV(t *testing.T) {
	t0 := time.Date(2014, 4, 10, 0, 0, 0, 0, time.UTC)
	nan := math.NaN()
	tests := []struct {
		name      string
		in        string
		column    string
		wantStart time.Time
		wantStep  time.Duration
		want      []float64
		wantErr   string
	}{
		{
			name: "timestamp,value", in: "timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,2.5\n2014-04-10 00:10:00,3\n",
			wantStart: t0, wantStep: 5 * time.Minute, want: []float64{1, 2.5, 3},
		},
		{
			name: "missing rows and empty cells are gaps", in: "timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,\n2014-04-10 00:10:00,3\n2014-04-10 00:20:00,NaN\n2014-04-10 00:25:00,4\n",
			wantStart: t0, wantStep: 5 * time.Minute, want: []float64{1, nan, 3, nan, nan, 4},
		},
		{
			name: "seconds are floored (twitter :53)", in: "timestamp,value\n2014-04-10 00:00:53,1\n2014-04-10 00:05:53,2\n2014-04-10 00:10:53,3\n",
			wantStart: t0, wantStep: 5 * time.Minute, want: []float64{1, 2, 3},
		},
		{
			name: "named column among several", in: "timestamp,t_offset_s,m_large_rps,m_small_rps\n2000-01-03 00:00:00,0,212.78,809.76\n2000-01-03 00:10:00,600,179.69,789.86\n",
			column:    "m_small_rps",
			wantStart: time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC), wantStep: 10 * time.Minute, want: []float64{809.76, 789.86},
		},
		{
			name: "two columns, any names, RFC 3339, unsorted", in: "time,load\n2014-04-10T01:00:00Z,7\n2014-04-10T00:00:00Z,5\n",
			wantStart: t0, wantStep: time.Hour, want: []float64{5, 7},
		},
		{name: "empty", in: "", wantErr: "CSV is empty: expected a header row such as timestamp,value"},
		{name: "one row", in: "timestamp,value\n2014-04-10 00:00:00,1\n", wantErr: "CSV has 1 data rows: at least 2 are needed"},
		{name: "unknown column", in: "timestamp,a,b\n", column: "c", wantErr: `CSV has no column "c": the columns are timestamp, a, b`},
		{name: "ambiguous columns", in: "timestamp,a,b\n", wantErr: "CSV has several value columns (timestamp, a, b): name the one to use"},
		{name: "column is the timestamp", in: "timestamp,value\n", column: "timestamp", wantErr: `column "timestamp" is the timestamp: name a value column`},
		{name: "bad time", in: "timestamp,value\nyesterday,1\n", wantErr: `CSV line 2: timestamp "yesterday" is not a time: use YYYY-MM-DD HH:MM:SS (UTC) or RFC 3339`},
		{name: "bad value", in: "timestamp,value\n2014-04-10 00:00:00,lots\n", wantErr: `CSV line 2, column "value": value "lots" is not a number`},
		{name: "short row", in: "timestamp,a,value\n2014-04-10 00:00:00,1\n", wantErr: "CSV line 2 has 2 fields: the header has 3"},
		{name: "all times equal", in: "timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:00:00,2\n", wantErr: "CSV line 3 repeats the timestamp 2014-04-10 00:00:00 of line 2"},
		{name: "negative value", in: "timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,-2\n", wantErr: `CSV line 3, column "value": value "-2" is negative: demand is 0 or more`},
		{name: "duplicated timestamp", in: "timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,2\n2014-04-10 00:10:00,3\n2014-04-10 00:05:00,4\n", wantErr: "CSV line 5 repeats the timestamp 2014-04-10 00:05:00 of line 3 (read to the minute)"},
		{name: "same minute", in: "timestamp,value\n2014-04-10 00:00:10,1\n2014-04-10 00:00:50,2\n2014-04-10 00:05:00,3\n2014-04-10 00:10:00,3\n", wantErr: "CSV line 3 repeats the timestamp 2014-04-10 00:00:00 of line 2"},
		{name: "two rows in one step", in: "timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,2\n2014-04-10 00:07:00,9\n2014-04-10 00:10:00,3\n2014-04-10 00:15:00,3\n", wantErr: "CSV lines 3 and 4 fall in the same 5m0s step from 2014-04-10 00:05:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ReadCSV(strings.NewReader(tc.in), tc.column)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantStart, s.Start)
			assert.Equal(t, tc.wantStep, s.Step)
			require.Len(t, s.Values, len(tc.want))
			for i, w := range tc.want {
				if math.IsNaN(w) {
					assert.True(t, math.IsNaN(s.Values[i]), "index %d", i)
				} else {
					assert.Equal(t, w, s.Values[i], "index %d", i)
				}
			}
		})
	}
}

func TestDemandConversion(t *testing.T) {
	s, err := ReadCSV(strings.NewReader("timestamp,value\n2014-04-10 00:00:00,0\n2014-04-10 00:01:00,10\n2014-04-10 00:02:00,\n2014-04-10 00:03:00,100\n2014-04-10 00:04:00,101\n"), "")
	require.NoError(t, err)
	per, err := PerReplica(s, 0.99, 20)
	require.NoError(t, err)
	assert.InDelta(t, 101.0/20, per, 1e-12)
	r := ToReplicas(s, 5)
	assert.Equal(t, 0.0, r.Values[0])
	assert.Equal(t, 2.0, r.Values[1], "an exact multiple does not round up")
	assert.True(t, math.IsNaN(r.Values[2]))
	assert.Equal(t, 21.0, r.Values[4])

	z := ZerosAsGaps(s)
	assert.True(t, math.IsNaN(z.Values[0]))
	assert.Equal(t, 0.0, s.Values[0], "the input is not modified")

	tests := []struct {
		name     string
		q        float64
		replicas int
		values   []float64
		want     string
	}{
		{"quantile", 0, 20, []float64{1}, "quantile 0 is out of range"},
		{"replicas", 0.99, 0, []float64{1}, "peak replicas 0 is invalid: it must be at least 1"},
		{"all zero", 0.99, 20, []float64{0, 0}, "must be positive to size a replica"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.Values = tc.values
			_, err := PerReplica(s, tc.q, tc.replicas)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
