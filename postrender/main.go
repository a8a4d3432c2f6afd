// Command ml-autoscaling-postrender is a Helm post-renderer: it reads the
// rendered manifests on stdin and writes them to stdout with every opted-in
// workload autoscaled by KEDA. Documents it does not change pass through byte
// for byte. On any error it exits 1, explains on stderr and writes nothing
// to stdout.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/explain"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"

	_ "time/tzdata" // cron time zones in static images
)

const usage = `Usage: ml-autoscaling-postrender [--config=policy.yaml] [--namespace=NS] [--explain]

A Helm post-renderer: manifests on stdin, manifests on stdout.

Examples:
  helm install demo ./chart --post-renderer ml-autoscaling-postrender
  helm template demo ./chart --post-renderer ./bin/ml-autoscaling-postrender \
      --post-renderer-args --config=policy.yaml
  ML_AUTOSCALING_CONFIG=policy.yaml helm upgrade demo ./chart --post-renderer ml-autoscaling-postrender

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ml-autoscaling-postrender", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", os.Getenv(cli.ConfigEnv), "policy file (MLAutoscalingPolicy or ConfigMap); env "+cli.ConfigEnv)
	namespace := fs.String("namespace", os.Getenv("HELM_NAMESPACE"), "the release namespace, for resources that omit one; env HELM_NAMESPACE")
	doExplain := fs.Bool("explain", false, "print each workload's decisions to stderr")
	version := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if *version {
		fmt.Fprintln(stdout, cli.VersionString())
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ml-autoscaling-postrender: unexpected argument %q; manifests are read from stdin\n", fs.Arg(0))
		return 1
	}
	policy, ref, err := cli.LoadPolicy(*configPath)
	if err != nil {
		return fail(stderr, err)
	}
	in, err := io.ReadAll(stdin)
	if err != nil {
		return fail(stderr, fmt.Errorf("reading stdin: %w", err))
	}
	out, res, err := stream.Process(in, transform.Options{Policy: policy, PolicyRef: ref, ReleaseNamespace: *namespace})
	if res != nil {
		for _, d := range res.Diagnostics {
			if d.Severity != diag.Error {
				fmt.Fprintf(stderr, "ml-autoscaling: %s: %s\n", d.Severity, d.Error())
			}
		}
	}
	if err != nil {
		return fail(stderr, err)
	}
	if *doExplain {
		_ = explain.Render(stderr, res.Plans)
	}
	if _, err := io.Copy(stdout, bytes.NewReader(out)); err != nil {
		fmt.Fprintf(stderr, "ml-autoscaling: writing stdout: %v\n", err)
		return 1
	}
	return 0
}

func fail(stderr io.Writer, err error) int {
	var se *stream.Error
	if errors.As(err, &se) {
		for _, d := range se.Diagnostics.Errors() {
			fmt.Fprintf(stderr, "ml-autoscaling: error: %s\n", d.Error())
		}
	} else if l, ok := err.(interface{ Errors() []error }); ok {
		for _, e := range l.Errors() {
			fmt.Fprintf(stderr, "ml-autoscaling: error: %v\n", e)
		}
	} else {
		fmt.Fprintf(stderr, "ml-autoscaling: error: %v\n", err)
	}
	fmt.Fprintln(stderr, "ml-autoscaling: no manifests were written")
	return 1
}
