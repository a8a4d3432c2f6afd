package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/explain"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/fn/framework/command"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const rootExample = `  # standalone: policy first, then manifests (files or - for stdin)
  ml-autoscaling policy.yaml manifests.yaml
  helm template demo ./chart | ml-autoscaling policy.yaml -

  # as a KRM function: a ResourceList on stdin (kustomize, kpt)
  kustomize build --enable-alpha-plugins --enable-exec overlay/

  # explain every decision, per workload
  ml-autoscaling plan policy.yaml manifests.yaml

  # fail on any warning
  ml-autoscaling --strict policy.yaml manifests.yaml`

// processor is the KRM function.
type processor struct {
	explain   bool
	namespace string
	stderr    io.Writer
	// standalone drops ScalingHistory inputs from the output; in ResourceList
	// mode they are local-config files of the package and pass through.
	standalone bool
	// strict is strict mode from --strict or the environment; nil leaves it to the policy.
	strict *transform.Switch
}

// Process implements framework.ResourceListProcessor.
func (p *processor) Process(rl *framework.ResourceList) error {
	if len(rl.Items) > stream.MaxDocuments {
		rl.Results = toResults(stream.TooManyDocuments())
		rl.Items = nil
		return resultsError{rl.Results}
	}
	policy, ref, err := cli.PolicyFromNode(rl.FunctionConfig)
	if err != nil {
		if l, ok := err.(diag.List); ok {
			rl.Results = toResults(l)
			rl.Items = nil
			return resultsError{rl.Results}
		}
		return err
	}
	out := transform.Run(rl.Items, transform.Options{Policy: policy, PolicyRef: ref, ReleaseNamespace: p.namespace, KeepHistories: !p.standalone, Strict: p.strict})
	rl.Results = toResults(out.Diagnostics)
	for _, d := range out.Diagnostics {
		if d.Severity == diag.Warning {
			fmt.Fprintf(p.stderr, "warning: %s\n", d.Error())
		}
	}
	if out.Diagnostics.HasErrors() {
		rl.Items = nil
		return resultsError{toResults(out.Diagnostics.Errors())}
	}
	if p.explain {
		_ = explain.Render(p.stderr, out.Plans)
	}
	rl.Items = out.Items
	return nil
}

// resultsError is the error the function returns: its results, one per
// paragraph, ending with a newline on stderr.
type resultsError struct{ framework.Results }

func (e resultsError) Error() string { return e.Results.Error() + "\n" }

// toResults maps diagnostics onto KRM function results.
func toResults(l diag.List) framework.Results {
	var res framework.Results
	for _, d := range l {
		r := &framework.Result{Message: d.Detail()}
		switch d.Severity {
		case diag.Error:
			r.Severity = framework.Error
		case diag.Warning:
			r.Severity = framework.Warning
		default:
			r.Severity = framework.Info
		}
		if d.Resource.Kind != "" {
			r.ResourceRef = &yaml.ResourceIdentifier{
				TypeMeta: yaml.TypeMeta{APIVersion: d.Resource.APIVersion, Kind: d.Resource.Kind},
				NameMeta: yaml.NameMeta{Name: d.Resource.Name, Namespace: d.Resource.Namespace},
			}
		}
		if d.Field != "" {
			r.Field = &framework.Field{Path: d.Field}
			if d.Value != "" {
				r.Field.CurrentValue = d.Value
			}
		}
		res = append(res, r)
	}
	return res
}

func newRoot() *cobra.Command {
	p := &processor{stderr: os.Stderr}
	cmd := command.Build(p, command.StandaloneEnabled, true)
	cmd.Use = "ml-autoscaling [policy.yaml [manifests.yaml|- ...]]"
	cmd.Short = "Autoscale annotated ML workloads with KEDA (KRM function and operator commands)"
	cmd.Long = `ml-autoscaling reads Kubernetes manifests and, for every Deployment or StatefulSet
that opts in (ml-autoscaling.io/enabled: "true" on the workload or its pod template, or
a rule of the policy that selects it), adds a KEDA ScaledObject (and the
TriggerAuthentications it needs), removes or adopts HPAs that would fight it, and
drops spec.replicas. With no arguments it reads a KRM ResourceList on stdin.
Warnings about a generated ScaledObject are also recorded on it, in the
annotation ml-autoscaling.io/warnings; in strict mode every warning is an error.`
	cmd.Example = rootExample
	rlMode := cmd.RunE
	var strict bool
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		sw, err := strictFlag(cmd, strict)
		if err != nil {
			return err
		}
		p.strict = sw
		if len(args) == 0 {
			return resourceListMode(cmd, p, rlMode, args)
		}
		return standalone(cmd, p, args)
	}
	cmd.Flags().BoolVar(&p.explain, "explain", false, "print each workload's decisions to stderr")
	cmd.Flags().StringVar(&p.namespace, "namespace", "", "namespace of resources that omit one (for HPA matching and GPU queries)")
	cmd.Flags().BoolVar(&strict, "strict", false, strictUsage)
	cmd.AddCommand(newVersionCmd(), newPlanCmd(), newRecordCmd(), newBacktestCmd())
	return cmd
}

// resourceListMode runs the KRM function on a ResourceList from stdin (how
// kustomize and kpt call it) and reports errors on stderr, a failed write
// of stdout in the words of every other command.
func resourceListMode(cmd *cobra.Command, p *processor, run func(*cobra.Command, []string) error, args []string) error {
	p.stderr = cmd.ErrOrStderr()
	if err := readResourceList(cmd); err != nil {
		cmd.SilenceUsage = true
		return printErr(cmd, err)
	}
	out := &cli.Stdout{W: cmd.OutOrStdout()}
	cmd.SetOut(out)
	err := run(cmd, args)
	if werr := out.Err(); werr != nil {
		return printErr(cmd, werr)
	}
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "%v", err)
	}
	return err
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:          "version",
		Short:        "Print the version",
		Example:      "  ml-autoscaling version",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cli.WriteStdout(cmd.OutOrStdout(), []byte(cli.VersionString()+"\n")); err != nil {
				return printErr(cmd, err)
			}
			return nil
		},
	}
}

// strictUsage describes the --strict flag.
const strictUsage = "fail on any warning, with the warnings as the message; env " + cli.StrictEnv + "=true|false; either overrides the policy's spec.strict"

// strictFlag resolves strict mode from the --strict flag and the
// environment; an invalid environment value is printed and returned.
func strictFlag(cmd *cobra.Command, value bool) (*transform.Switch, error) {
	sw, err := cli.Strict(cmd.Flags().Changed("strict"), value, os.Getenv)
	if err != nil {
		return nil, printErr(cmd, err)
	}
	return sw, nil
}

func newPlanCmd() *cobra.Command {
	var namespace string
	var strict bool
	cmd := &cobra.Command{
		Use:   "plan policy.yaml manifests.yaml|- ...",
		Short: "Explain, per workload, what would be generated and why (nothing is written)",
		Long: `plan runs the same transform as the function and prints, per opted-in workload,
what opted it in, the detected kind, each trigger with its query and target, the
bounds, the behaviour and the reason and source of every choice; then every workload
that carries ml-autoscaling.io/ keys or that a policy rule selects but that is not
scaled, with the reason. Errors and warnings follow. It exits 1 on errors, like the
function; in strict mode (--strict, ML_AUTOSCALING_STRICT=true or the policy's
spec.strict: true) every warning is an error. Use "" as the policy for built-in
defaults.`,
		Example:      "  ml-autoscaling plan policy.yaml manifests.yaml\n  helm template demo ./chart | ml-autoscaling plan \"\" -",
		Args:         cobra.MinimumNArgs(2),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			sw, err := strictFlag(cmd, strict)
			if err != nil {
				return err
			}
			policy, ref, err := cli.LoadPolicy(args[0])
			if err != nil {
				return printErr(cmd, err)
			}
			items, err := readInputs(cmd.InOrStdin(), args[1:])
			if err != nil {
				return printErr(cmd, err)
			}
			out := transform.Run(items, transform.Options{Policy: policy, PolicyRef: ref, ReleaseNamespace: namespace, Strict: sw})
			var text bytes.Buffer
			if err := explain.Render(&text, out.Plans); err != nil {
				return printErr(cmd, err)
			}
			if len(out.Diagnostics) > 0 {
				fmt.Fprintln(&text)
				cli.PrintDiagnostics(&text, out.Diagnostics)
			}
			if err := cli.WriteStdout(cmd.OutOrStdout(), text.Bytes()); err != nil {
				return printErr(cmd, err)
			}
			if out.Diagnostics.HasErrors() {
				cmd.SilenceErrors = true
				return fmt.Errorf("errors found")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&namespace, "namespace", "", "namespace of resources that omit one (Helm's release namespace)")
	cmd.Flags().BoolVar(&strict, "strict", false, strictUsage)
	return cmd
}

// readInputs reads every file (or - for stdin) on its own, so that a file
// that does not end with a document separator never runs into the next one.
// Together the files may hold stream.MaxBytes and stream.MaxDocuments.
func readInputs(stdin io.Reader, paths []string) ([]*yaml.RNode, error) {
	var items []*yaml.RNode
	var total int64
	docs := 0
	for _, path := range paths {
		b, ok, err := readInput(stdin, path, stream.MaxBytes-total)
		if err != nil {
			return nil, err
		}
		total += int64(len(b))
		if !ok {
			return nil, stream.TooLarge(total)
		}
		largeInput(total)
		clean, n, err := cleanInput(b)
		if err != nil {
			return nil, cli.InFile(path, err)
		}
		if docs += n; docs > stream.MaxDocuments {
			return nil, stream.TooManyDocuments()
		}
		// a lone List is not unwrapped here: the transform expands Lists
		// exactly as the post-renderer does (scope decides which)
		nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(clean), OmitReaderAnnotations: true, DisableUnwrapping: true}).Read()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		items = append(items, nodes...)
	}
	return items, nil
}

// readInput reads one input file (- for stdin) up to max bytes; false when it holds more.
func readInput(stdin io.Reader, path string, max int64) ([]byte, bool, error) {
	if path == "-" {
		return cli.ReadLimited(stdin, max)
	}
	return cli.ReadFileLimited(path, max)
}

// cleanInput splits one input within the limits, refuses a byte-order mark
// inside a document, and drops those Kubernetes drops (at the start of the
// input and of each document), which kyaml would read as part of a key.
func cleanInput(b []byte) ([]byte, int, error) {
	docs, d := stream.Documents(b)
	if d != nil {
		return nil, 0, d
	}
	for i, doc := range docs {
		if stray := doc.StrayBOM(i + 1); stray != nil {
			return nil, 0, stray
		}
	}
	return stream.Clean(docs), len(docs), nil
}

// readResourceList reads the ResourceList on stdin within the limits and
// hands it, cleaned, to the KRM framework.
func readResourceList(cmd *cobra.Command) error {
	b, ok, err := cli.ReadLimited(cmd.InOrStdin(), stream.MaxBytes)
	if err != nil {
		return err
	}
	if !ok {
		return stream.TooLarge(int64(len(b)))
	}
	largeInput(int64(len(b)))
	clean, _, err := cleanInput(b)
	if err != nil {
		return err
	}
	cmd.SetIn(bytes.NewReader(clean))
	return nil
}

// standalone runs the function on files: the policy first, then manifests.
// It writes the resulting manifests to stdout, or on error nothing.
func standalone(cmd *cobra.Command, p *processor, args []string) error {
	cmd.SilenceErrors = true
	p.stderr = cmd.ErrOrStderr()
	p.standalone = true
	fail := func(err error) error {
		if _, ok := err.(resultsError); ok {
			fmt.Fprint(cmd.ErrOrStderr(), diag.Redact(err.Error()))
			return err
		}
		return printErr(cmd, err)
	}
	cfg, err := readPolicyNode(args[0])
	if err != nil {
		return fail(err)
	}
	items, err := readInputs(cmd.InOrStdin(), args[1:])
	if err != nil {
		return fail(err)
	}
	rl := &framework.ResourceList{Items: items, FunctionConfig: cfg}
	if err := p.Process(rl); err != nil {
		return fail(err)
	}
	var out bytes.Buffer
	if err := writeItems(&out, rl.Items); err != nil {
		return fail(err)
	}
	if err := cli.WriteStdout(cmd.OutOrStdout(), out.Bytes()); err != nil {
		return fail(err)
	}
	return nil
}

// writeItems writes resources as a YAML stream, in kyaml's ByteWriter
// format, but as they are: the ByteWriter drops empty and null annotations
// from every resource, and cannot write one whose metadata is not a
// mapping, where the tool leaves what it does not own as it was (the
// post-renderer copies it byte for byte).
func writeItems(w io.Writer, items []*yaml.RNode) error {
	if len(items) == 0 {
		return nil
	}
	enc := yaml.NewEncoder(w)
	enc.CompactSeqIndent()
	for _, n := range items {
		if err := enc.Encode(n.Document()); err != nil {
			return err
		}
	}
	return enc.Close()
}

// readPolicyNode reads the policy file of the standalone mode; "" means the
// built-in defaults (no node), as for plan.
func readPolicyNode(path string) (*yaml.RNode, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := cli.ReadPolicyFile(path)
	if err != nil {
		return nil, err
	}
	return cli.PolicyDocument(raw, path)
}

func printErr(cmd *cobra.Command, err error) error {
	if l, ok := err.(diag.List); ok {
		cli.PrintDiagnostics(cmd.ErrOrStderr(), l)
	} else {
		fmt.Fprintf(cmd.ErrOrStderr(), "error: %s\n", diag.Redact(err.Error()))
	}
	cmd.SilenceErrors = true
	return err
}
