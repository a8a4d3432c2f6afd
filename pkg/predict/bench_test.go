package predict

import (
	"testing"
	"time"
)

// benchWorkloads returns n distinct 28-day, one-minute demand histories.
func benchWorkloads(n int) []Series {
	out := make([]Series, n)
	for i := range out {
		out[i] = synth(28, time.Minute, float64(i%5), 5+float64(i%30), 0.3+float64(i%7)/10, 1+float64(i%3), uint64(i))
	}
	return out
}

// BenchmarkPlan28d1m plans one workload from 28 days at one-minute steps.
func BenchmarkPlan28d1m(b *testing.B) {
	ws := benchWorkloads(8)
	o := DefaultOptions()
	o.MaxReplicas = 100
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := Plan(ws[i%len(ws)], o); err != nil && !IsDecline(err) {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlan1000Workloads plans 1,000 workloads × 28 days at one-minute
// steps, one after the other (one op = all 1,000; the target is ≤ 10 s).
func BenchmarkPlan1000Workloads(b *testing.B) {
	ws := benchWorkloads(50) // 50 distinct histories, each planned 20 times
	o := DefaultOptions()
	o.MaxReplicas = 100
	b.ResetTimer()
	for b.Loop() {
		for i := range 1000 {
			if _, err := Plan(ws[i%len(ws)], o); err != nil && !IsDecline(err) {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPlan28d1mFractional is BenchmarkPlan28d1m with non-integer
// demand, which takes the sorting path instead of the histograms.
func BenchmarkPlan28d1mFractional(b *testing.B) {
	ws := benchWorkloads(8)
	for _, w := range ws {
		for i := range w.Values {
			w.Values[i] *= 1.01
		}
	}
	o := DefaultOptions()
	o.MaxReplicas = 100
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := Plan(ws[i%len(ws)], o); err != nil && !IsDecline(err) {
			b.Fatal(err)
		}
	}
}
