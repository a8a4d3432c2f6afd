package backtest

import (
	"fmt"
	"math"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
)

// Quantile returns the empirical q-quantile of the non-NaN values of v (NaN
// when there is none).
func Quantile(v []float64, q float64) float64 { return predict.Quantile(v, q) }

// PerReplica returns the capacity of one replica such that the q-quantile
// of s needs exactly replicas replicas (e.g. q = 0.99, replicas = 20).
func PerReplica(s predict.Series, q float64, replicas int) (float64, error) {
	if !(q > 0 && q <= 1) {
		return 0, fmt.Errorf("backtest: quantile %v is out of range: it must be in (0, 1]", q)
	}
	if replicas < 1 {
		return 0, fmt.Errorf("backtest: peak replicas %d is invalid: it must be at least 1", replicas)
	}
	p := Quantile(s.Values, q)
	if math.IsNaN(p) || p <= 0 {
		return 0, fmt.Errorf("backtest: the %v-quantile of the series is %v: it must be positive to size a replica", q, p)
	}
	return p / float64(replicas), nil
}

// ToReplicas converts a series of load into demand in replicas:
// ceil(value ÷ perReplica). Gaps stay gaps; negative load counts as 0.
func ToReplicas(s predict.Series, perReplica float64) predict.Series {
	out := predict.Series{Start: s.Start, Step: s.Step, Values: make([]float64, len(s.Values))}
	for i, v := range s.Values {
		switch {
		case math.IsNaN(v):
			out.Values[i] = math.NaN()
		case v <= 0:
			out.Values[i] = 0
		default:
			// Subtract a hair so exact multiples do not round up a replica.
			out.Values[i] = math.Ceil(v/perReplica - 1e-9)
		}
	}
	return out
}
