// Command ml-autoscaling is the KRM function (kustomize, kpt) and the
// operator's command line: it turns workloads annotated with
// ml-autoscaling.io/* into KEDA ScaledObjects.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	_ "time/tzdata" // cron time zones in static images

	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/spf13/cobra"
)

func main() {
	cli.WriteErrorsOnBrokenPipe()
	// A short-lived process that holds its whole input in memory: collect
	// garbage less often, until the input turns out to be large (see
	// largeInput). GOGC in the environment overrides this.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(relaxedGC)
	}
	if err := execute(newRoot()); err != nil {
		os.Exit(1)
	}
}

// execute runs the command tree. Output that could not be written and
// that no command reported (help, completion scripts) is reported here,
// in the words every command uses.
func execute(cmd *cobra.Command) error {
	out := &cli.Stdout{W: cmd.OutOrStdout()}
	cmd.SetOut(out)
	err := cmd.Execute()
	if werr := out.Err(); werr != nil && !cli.IsStdoutError(err) {
		fmt.Fprintf(cmd.ErrOrStderr(), "error: %s\n", werr)
		return werr
	}
	return err
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
