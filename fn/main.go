// Command ml-autoscaling is the KRM function (kustomize, kpt) and the
// operator's command line: it turns workloads annotated with
// ml-autoscaling.io/* into KEDA ScaledObjects.
package main

import (
	"os"

	_ "time/tzdata" // cron time zones in static images
)

func main() {
	if err := newRoot().Execute(); err != nil {
		os.Exit(1)
	}
}
