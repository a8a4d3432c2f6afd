package predict

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestValidateCron(t *testing.T) {
	cases := []struct {
		expr, wantErr string
	}{
		{"0 8 * * 1", ""},
		{"30 23 * * *", ""},
		{"*/15 0-6,20-23 ? jan-mar MON-FRI", ""},
		{"5/10 * 1-31 12 sun", ""},
		{"0 0 * * 6", ""},
		{"", "0 fields"},
		{"0 8 * *", "4 fields"},
		{"0 8 * * 1 2026", "6 fields"},
		{"@daily", "descriptors"},
		{"TZ=UTC 0 8 * * 1", "time zone prefix"},
		{"60 8 * * 1", "minute field \"60\": 60 is above the maximum 59"},
		{"0 24 * * 1", "hour field"},
		{"0 8 0 * *", "day of month field \"0\": 0 is below the minimum 1"},
		{"0 8 * 13 *", "month field"},
		{"0 8 * * 7", "day of week field \"7\": 7 is above the maximum 6"},
		{"0 8 * * funday", `"funday" is not a day of week`},
		{"0 8-6 * * *", "runs backwards"},
		{"*/0 * * * *", "step \"0\" is not a positive whole number"},
		{"1/2/3 * * * *", "too many slashes"},
		{"1-2-3 * * * *", "too many hyphens"},
		{"1,,2 * * * *", `"" is not a minute`},
		{"-1 * * * *", "is not a minute"},
		{"*-5 * * * *", "wildcard takes no range"},
	}
	for _, c := range cases {
		err := ValidateCron(c.expr)
		if c.wantErr == "" {
			require.NoError(t, err, c.expr)
			continue
		}
		require.Error(t, err, c.expr)
		require.Contains(t, err.Error(), c.wantErr, c.expr)
	}
}

// TestGeneratedCronsValidate checks that every expression cronAt writes passes ValidateCron.
func TestGeneratedCronsValidate(t *testing.T) {
	for _, p := range []struct {
		period, step time.Duration
	}{{Day, 30 * time.Minute}, {Week, 30 * time.Minute}} {
		for off := time.Duration(0); off < p.period; off += p.step {
			expr := cronAt(off, p.period)
			require.NoError(t, ValidateCron(expr), expr)
		}
	}
}
