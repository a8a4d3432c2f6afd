// Command ml-autoscaling is the KRM function (kustomize, kpt) and the
// operator's command line: it turns workloads annotated with
// ml-autoscaling.io/* into KEDA ScaledObjects.
package main

import (
	"os"
	"runtime/debug"

	_ "time/tzdata" // cron time zones in static images
)

func main() {
	// A short-lived process that holds its whole input in memory: collect
	// garbage less often, until the input turns out to be large (see
	// largeInput). GOGC in the environment overrides this.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(relaxedGC)
	}
	if err := newRoot().Execute(); err != nil {
		os.Exit(1)
	}
}

// relaxedGC is the GC percentage for typical inputs (a chart, an overlay).
const relaxedGC = 400

// largeInputBytes is the input size from which the default GC percentage
// applies again, so that peak memory stays near the kyaml baseline's.
const largeInputBytes = 4 << 20

// largeInput restores the default GC percentage once the input is known to
// be large (before it is parsed).
func largeInput(n int64) {
	if n >= largeInputBytes && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(100)
	}
}
