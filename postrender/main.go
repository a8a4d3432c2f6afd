// Command ml-autoscaling-postrender is a Helm post-renderer: it reads the
// rendered manifests on stdin and writes them to stdout with every opted-in
// workload autoscaled by KEDA. Documents it does not change pass through byte
// for byte. On any error it exits 1, explains on stderr and writes nothing
// to stdout.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/explain"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"

	_ "time/tzdata" // cron time zones in static images
)

const usage = `Usage: ml-autoscaling-postrender [--config=policy.yaml] [--namespace=NS] [--history=DIR|FILE] [--strict] [--explain] [--log-file=FILE]

A Helm post-renderer: manifests on stdin, manifests on stdout.

Examples:
  helm install demo ./chart --post-renderer ml-autoscaling-postrender
  helm template demo ./chart --post-renderer ./bin/ml-autoscaling-postrender \
      --post-renderer-args --config=policy.yaml
  ML_AUTOSCALING_CONFIG=policy.yaml helm upgrade demo ./chart --post-renderer ml-autoscaling-postrender
  ML_AUTOSCALING_STRICT=true helm upgrade demo ./chart --post-renderer ml-autoscaling-postrender

Flags:
`

func main() {
	cli.WriteErrorsOnBrokenPipe()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ml-autoscaling-postrender", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", os.Getenv(cli.ConfigEnv), "policy file (MLAutoscalingPolicy or ConfigMap); env "+cli.ConfigEnv)
	namespace := fs.String("namespace", os.Getenv("HELM_NAMESPACE"), "the release namespace, for resources that omit one; env HELM_NAMESPACE")
	doExplain := fs.Bool("explain", false, "print each workload's decisions to stderr")
	version := fs.Bool("version", false, "print the version and exit")
	historyDir := fs.String("history", os.Getenv(HistoryEnv), "recorded histories (`DIR|FILE`): a ScalingHistory file written by ml-autoscaling record, or a directory of them; env "+HistoryEnv)
	logFile := fs.String("log-file", os.Getenv(LogFileEnv), "also write errors, or on success the warnings, to this file (Helm 4 hides a plugin's stderr); env "+LogFileEnv)
	strict := fs.Bool("strict", false, "fail on any warning, with the warnings as the message; env "+cli.StrictEnv+"=true|false; either overrides the policy's spec.strict")
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
		if err := cli.WriteStdout(stdout, []byte(cli.VersionString()+"\n")); err != nil {
			fmt.Fprintf(stderr, "ml-autoscaling: error: %v\n", err)
			return 1
		}
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ml-autoscaling-postrender: unexpected argument %q; manifests are read from stdin\n", fs.Arg(0))
		return 1
	}
	r := &reporter{stdout: stdout, stderr: stderr, logFile: *logFile, plugin: os.Getenv("HELM_PLUGIN_NAME") != ""}
	fail := r.fail
	strictMode, err := cli.Strict(flagGiven(fs, "strict"), *strict, os.Getenv)
	if err != nil {
		return fail(err)
	}
	policy, ref, err := cli.LoadPolicy(*configPath)
	if err != nil {
		return fail(err)
	}
	in, ok, err := cli.ReadLimited(stdin, stream.MaxBytes)
	if err != nil {
		return fail(fmt.Errorf("reading stdin: %w", err))
	}
	if !ok {
		return fail(stream.TooLarge(int64(len(in))))
	}
	histories, err := cli.LoadHistories(*historyDir)
	if err != nil {
		return fail(err)
	}
	out, res, err := stream.Process(in, transform.Options{Policy: policy, PolicyRef: ref, ReleaseNamespace: *namespace, Strict: strictMode}, histories...)
	var warnings []string
	if res != nil {
		for _, d := range res.Diagnostics {
			if d.Severity != diag.Error {
				fmt.Fprintf(stderr, "ml-autoscaling: %s: %s\n", d.Severity, d.Error())
				warnings = append(warnings, d.Severity.String()+": "+d.Error())
			}
		}
	}
	if err != nil {
		return fail(err)
	}
	r.log(warnings)
	if *doExplain {
		_ = explain.Render(stderr, res.Plans)
	}
	if err := cli.WriteStdout(stdout, out); err != nil {
		fmt.Fprintf(stderr, "ml-autoscaling: error: %v\n", err)
		return 1
	}
	return 0
}

// HistoryEnv names the environment variable for --history.
const HistoryEnv = "ML_AUTOSCALING_HISTORY"

// LogFileEnv names the environment variable for --log-file.
const LogFileEnv = "ML_AUTOSCALING_LOG_FILE"

// flagGiven reports whether the named flag was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// reporter delivers a failure to the person running Helm.
type reporter struct {
	stdout, stderr io.Writer
	logFile        string
	// plugin is true under Helm 4's plugin runtime (HELM_PLUGIN_NAME is set),
	// which discards the plugin's stderr and its exit status's reason.
	plugin bool
}

// fail reports err and returns the exit code. Normally: messages on stderr,
// nothing on stdout, exit 1. As a Helm 4 plugin, stderr never reaches the
// user, so the messages go to stdout as a single YAML string document and
// the exit code is 0: Helm then refuses the output ("expected MappingNode
// but got ScalarNode") and prints the string — a manifest stream that can
// never be applied, which carries the reason to the terminal.
func (r *reporter) fail(err error) int {
	lines := messages(err)
	lines = append(lines, "no manifests were written")
	for _, l := range lines {
		fmt.Fprintf(r.stderr, "ml-autoscaling: %s\n", l)
	}
	r.log(lines)
	if !r.plugin {
		return 1
	}
	var b strings.Builder
	b.WriteString("|\n  ml-autoscaling post-renderer failed; nothing was rendered.\n")
	for _, l := range lines {
		b.WriteString("  " + strings.ReplaceAll(l, "\n", "\n  ") + "\n")
	}
	if r.logFile != "" {
		b.WriteString("  (also written to " + r.logFile + ")\n")
	}
	if _, werr := io.WriteString(r.stdout, b.String()); werr != nil {
		return 1
	}
	return 0
}

// log writes lines to the log file, if one was asked for: the errors of a
// failed run, or the warnings (possibly none) of a successful one, so that
// the file always describes the last run.
func (r *reporter) log(lines []string) {
	if r.logFile == "" {
		return
	}
	text := ""
	if len(lines) > 0 {
		text = strings.Join(lines, "\n") + "\n"
	}
	if err := os.WriteFile(r.logFile, []byte(text), 0o600); err != nil {
		fmt.Fprintf(r.stderr, "ml-autoscaling: cannot write log file: %v\n", err)
	}
}

// messages turns an error into one line per problem.
func messages(err error) []string {
	var se *stream.Error
	var out []string
	switch {
	case errors.As(err, &se):
		for _, d := range se.Diagnostics.Errors() {
			out = append(out, "error: "+d.Error())
		}
	default:
		if l, ok := err.(diag.List); ok {
			for _, d := range l.Errors() {
				out = append(out, "error: "+d.Error())
			}
		} else {
			out = append(out, "error: "+diag.Redact(err.Error()))
		}
	}
	return out
}
