package predict

import (
	"fmt"
	"strconv"
	"strings"
)

// cronField is one field of a 5-field cron expression: its name, bounds
// and, for month and day of week, the names it accepts.
type cronField struct {
	name     string
	min, max int
	names    map[string]int
}

var cronFields = []cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: map[string]int{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}},
	{name: "day of week", min: 0, max: 6, names: map[string]int{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}},
}

// ValidateCron checks a cron expression as KEDA's cron scaler parses it
// (robfig/cron v3 with minute, hour, day of month, month and day of week):
// five fields, each a comma-separated list of "*", "?", a value or a range
// a-b, optionally with a step /n; months and days of week may be named
// (jan, mon). Descriptors (@daily) and time zone prefixes are not accepted:
// the time zone is the trigger's timezone field.
func ValidateCron(expr string) error {
	if strings.HasPrefix(strings.TrimSpace(expr), "@") {
		return fmt.Errorf("descriptors such as @daily are not accepted: use five fields")
	}
	if strings.Contains(expr, "TZ=") {
		return fmt.Errorf("a time zone prefix is not accepted: the trigger's timezone field sets the zone")
	}
	fields := strings.Fields(expr)
	if len(fields) != len(cronFields) {
		return fmt.Errorf("%d fields: a cron expression has 5 (minute hour day-of-month month day-of-week)", len(fields))
	}
	for i, f := range fields {
		for _, part := range strings.Split(f, ",") {
			if err := cronFields[i].checkRange(part); err != nil {
				return fmt.Errorf("%s field %q: %w", cronFields[i].name, f, err)
			}
		}
	}
	return nil
}

// checkRange checks one list element: *, ?, v, a-b, each optionally /step.
func (c cronField) checkRange(s string) error {
	rangeAndStep := strings.Split(s, "/")
	if len(rangeAndStep) > 2 {
		return fmt.Errorf("too many slashes in %q", s)
	}
	bounds := strings.Split(rangeAndStep[0], "-")
	start, end := c.min, c.max
	switch {
	case bounds[0] == "*" || bounds[0] == "?":
		if len(bounds) > 1 {
			return fmt.Errorf("%q: a wildcard takes no range", s)
		}
	case len(bounds) > 2:
		return fmt.Errorf("too many hyphens in %q", s)
	default:
		var err error
		if start, err = c.value(bounds[0]); err != nil {
			return err
		}
		end = start
		if len(bounds) == 2 {
			if end, err = c.value(bounds[1]); err != nil {
				return err
			}
		}
	}
	if len(rangeAndStep) == 2 {
		step, err := strconv.Atoi(rangeAndStep[1])
		if err != nil || step <= 0 {
			return fmt.Errorf("step %q is not a positive whole number", rangeAndStep[1])
		}
	}
	switch {
	case start < c.min:
		return fmt.Errorf("%d is below the minimum %d", start, c.min)
	case end > c.max:
		return fmt.Errorf("%d is above the maximum %d", end, c.max)
	case start > end:
		return fmt.Errorf("the range %d-%d runs backwards", start, end)
	}
	return nil
}

// value reads a number or, where the field has names, a name.
func (c cronField) value(s string) (int, error) {
	if v, ok := c.names[strings.ToLower(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a %s (%d-%d)", s, c.name, c.min, c.max)
	}
	return v, nil
}
