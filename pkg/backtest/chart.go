package backtest

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// chartPoints is the most points drawn per line; longer series are reduced
// to the maximum of each bucket (peaks stay visible).
const chartPoints = 2400

// strategyColors gives every strategy drawn a colour (the oracle is the
// demand line).
var strategyColors = map[string]color.RGBA{
	StrategyReactive:       {214, 39, 40, 255},
	StrategyStatic:         {255, 127, 14, 255},
	StrategyPredictive:     {31, 119, 180, 255},
	StrategyPredictiveRuns: {23, 190, 207, 255},
	StrategyLiveDaily:      {188, 189, 34, 255},
	StrategyLiveWeekly:     {148, 103, 189, 255},
	StrategyLiveBoth:       {227, 119, 194, 255},
	StrategyPredictiveLive: {140, 86, 75, 255},
}

// Chart draws the report's hold-out as an SVG or PNG (format "svg" or
// "png"): demand, the capacity of every strategy but the oracle, and the
// predictive floor, against time, under title.
func Chart(w io.Writer, format, title string, r *Report) error {
	format = strings.ToLower(format)
	if format != "svg" && format != "png" {
		return fmt.Errorf("backtest: chart format %q is not supported: use svg or png", format)
	}
	if r == nil || len(r.Demand) == 0 {
		return fmt.Errorf("backtest: the report holds no hold-out data to chart")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (" + r.Start.Location().String() + ")"
	p.Y.Label.Text = "replicas"
	p.X.Tick.Marker = dayTicks{}
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())

	series := []chartLine{
		{"demand", r.Demand, color.RGBA{150, 150, 150, 255}, 1, nil},
	}
	for _, res := range r.Results {
		if c, ok := strategyColors[res.Strategy]; ok {
			series = append(series, chartLine{res.Strategy, res.Capacity, c, 1, nil})
		}
	}
	series = append(series, chartLine{"predictive floor", r.Floor, color.RGBA{44, 160, 44, 255}, 1.5, []vg.Length{vg.Points(4), vg.Points(2)}})

	for _, s := range series {
		xys := reduce(r.Start, r.Resolution, s.vals)
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("backtest: drawing %s: %w", s.name, err)
		}
		l.StepStyle = plotter.PostStep
		l.LineStyle = draw.LineStyle{Color: s.col, Width: vg.Points(float64(s.width)), Dashes: s.dash}
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	wt, err := p.WriterTo(28*vg.Centimeter, 12*vg.Centimeter, format)
	if err != nil {
		return fmt.Errorf("backtest: rendering the chart: %w", err)
	}
	_, err = wt.WriteTo(w)
	return err
}

// chartLine is one line of the chart.
type chartLine struct {
	name  string
	vals  []float64
	col   color.RGBA
	width vg.Length
	dash  []vg.Length
}

// reduce turns a series on a regular grid into points (x in Unix seconds),
// keeping the maximum of each bucket when there are more than chartPoints
// values and leaving gaps out.
func reduce(start time.Time, step time.Duration, v []float64) plotter.XYs {
	per := max(1, (len(v)+chartPoints-1)/chartPoints)
	var out plotter.XYs
	for i := 0; i < len(v); i += per {
		m := math.NaN()
		for _, x := range v[i:min(len(v), i+per)] {
			if !math.IsNaN(x) && !(x <= m) {
				m = x
			}
		}
		if math.IsNaN(m) {
			continue
		}
		t := start.Add(time.Duration(i) * step)
		out = append(out, plotter.XY{X: float64(t.Unix()), Y: m})
	}
	return out
}

// dayTicks marks every midnight (UTC) with the weekday and date, and every
// six hours with a minor tick.
type dayTicks struct{}

// Ticks implements plot.Ticker.
func (dayTicks) Ticks(lo, hi float64) []plot.Tick {
	const six = 6 * 3600
	var ticks []plot.Tick
	for x := math.Ceil(lo/six) * six; x <= hi; x += six {
		t := time.Unix(int64(x), 0).UTC()
		label := ""
		if t.Hour() == 0 {
			label = t.Format("Mon 01-02")
		}
		ticks = append(ticks, plot.Tick{Value: x, Label: label})
	}
	return ticks
}
