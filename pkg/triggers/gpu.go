package triggers

// GPUDecision records how a GPU workload was treated.
type GPUDecision struct {
	Resource string
	PerPod   int64
}

// gpu adds GPU-aware triggers; see gpu_triggers.go.
func gpu(in Input, set *Set, out interface{}) {}
