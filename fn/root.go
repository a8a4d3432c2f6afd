package main

import (
	"fmt"
	"io"
	"os"

	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/explain"
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
  ml-autoscaling plan policy.yaml manifests.yaml`

// processor is the KRM function.
type processor struct {
	explain   bool
	namespace string
	stderr    io.Writer
}

// Process implements framework.ResourceListProcessor.
func (p *processor) Process(rl *framework.ResourceList) error {
	policy, ref, err := cli.PolicyFromNode(rl.FunctionConfig)
	if err != nil {
		if l, ok := err.(diag.List); ok {
			rl.Results = toResults(l)
			rl.Items = nil
			return resultsError{rl.Results}
		}
		return err
	}
	out := transform.Run(rl.Items, transform.Options{Policy: policy, PolicyRef: ref, ReleaseNamespace: p.namespace})
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
	cmd := command.Build(p, command.StandaloneEnabled, false)
	cmd.Use = "ml-autoscaling [policy.yaml [manifests.yaml|- ...]]"
	cmd.Short = "Autoscale annotated ML workloads with KEDA (KRM function and operator commands)"
	cmd.Long = `ml-autoscaling reads Kubernetes manifests and, for every Deployment or StatefulSet
annotated ml-autoscaling.io/enabled: "true", adds a KEDA ScaledObject (and the
TriggerAuthentications it needs), removes or adopts HPAs that would fight it, and
drops spec.replicas. With no arguments it reads a KRM ResourceList on stdin.`
	cmd.Example = rootExample
	cmd.Flags().BoolVar(&p.explain, "explain", false, "print each workload's decisions to stderr")
	cmd.Flags().StringVar(&p.namespace, "namespace", "", "namespace of resources that omit one (for HPA matching and GPU queries)")
	cmd.AddCommand(newVersionCmd(), newPlanCmd())
	return cmd
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: "  ml-autoscaling version",
		Args:    cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), cli.VersionString())
		},
	}
}

func newPlanCmd() *cobra.Command {
	var namespace string
	cmd := &cobra.Command{
		Use:   "plan policy.yaml manifests.yaml|- ...",
		Short: "Explain, per workload, what would be generated and why (nothing is written)",
		Long: `plan runs the same transform as the function and prints, per opted-in workload,
the detected kind, each trigger with its query and target, the bounds, the
behaviour and the reason for every choice. Errors and warnings follow. It exits 1
on errors, like the function. Use "" as the policy for built-in defaults.`,
		Example:      "  ml-autoscaling plan policy.yaml manifests.yaml\n  helm template demo ./chart | ml-autoscaling plan \"\" -",
		Args:         cobra.MinimumNArgs(2),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			policy, ref, err := cli.LoadPolicy(args[0])
			if err != nil {
				return printErr(cmd, err)
			}
			var items []*yaml.RNode
			for _, path := range args[1:] {
				var r io.Reader
				if path == "-" {
					r = cmd.InOrStdin()
				} else {
					f, err := os.Open(path)
					if err != nil {
						return printErr(cmd, err)
					}
					defer f.Close()
					r = f
				}
				nodes, err := (&kio.ByteReader{Reader: r, OmitReaderAnnotations: true}).Read()
				if err != nil {
					return printErr(cmd, fmt.Errorf("%s: %w", path, err))
				}
				items = append(items, nodes...)
			}
			out := transform.Run(items, transform.Options{Policy: policy, PolicyRef: ref, ReleaseNamespace: namespace})
			if err := explain.Render(cmd.OutOrStdout(), out.Plans); err != nil {
				return err
			}
			if len(out.Diagnostics) > 0 {
				fmt.Fprintln(cmd.OutOrStdout())
				cli.PrintDiagnostics(cmd.OutOrStdout(), out.Diagnostics)
			}
			if out.Diagnostics.HasErrors() {
				cmd.SilenceErrors = true
				return fmt.Errorf("errors found")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&namespace, "namespace", "", "namespace of resources that omit one (Helm's release namespace)")
	return cmd
}

func printErr(cmd *cobra.Command, err error) error {
	if l, ok := err.(diag.List); ok {
		cli.PrintDiagnostics(cmd.ErrOrStderr(), l)
	} else {
		fmt.Fprintf(cmd.ErrOrStderr(), "error: %v\n", err)
	}
	cmd.SilenceErrors = true
	return err
}
