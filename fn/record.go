package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/atomicfile"
	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/record"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// recordFlags are the record command's options.
type recordFlags struct {
	prometheus, out, config, namespace string
	since, step, end                   string
	tokenFile, caFile                  string
	headers                            []string
	timeout                            time.Duration
	concurrency, retries               int
}

func newRecordCmd() *cobra.Command {
	f := &recordFlags{}
	cmd := &cobra.Command{
		Use:   "record --prometheus URL --out DIR [flags] manifests.yaml|- ...",
		Short: "Record each predictive workload's demand history from Prometheus into ScalingHistory files",
		Long: `record queries a Prometheus-compatible API (Prometheus, Thanos, Mimir, Cortex) for the
demand, in replicas, of every opted-in workload with ml-autoscaling.io/predictive: "true" in the
given manifests, and writes one ScalingHistory per workload to DIR/<namespace>.<name>.yaml
(atomically: a failed run leaves earlier files intact). The default demand query is the desired
replica count of the HPA KEDA creates for the workload; ml-autoscaling.io/predictive-query or the
policy's spec.predictive.query (with {namespace} and {name} placeholders) override it.`,
		Example: `  helm template demo ./chart | ml-autoscaling record --prometheus http://localhost:9090 --out history/ -
  ml-autoscaling record --prometheus https://mimir.example.com/prometheus --header X-Scope-OrgID=ml \
      --bearer-token-file /var/run/secrets/token --since 28d --step 5m --out history/ manifests.yaml`,
		Args:         cobra.MinimumNArgs(1),
		SilenceUsage: true,
		RunE:         reportErrors(func(cmd *cobra.Command, args []string) error { return runRecord(cmd, f, args) }),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.prometheus, "prometheus", "", "base URL of the Prometheus HTTP API (required)")
	fl.StringVar(&f.out, "out", "", "directory for the ScalingHistory files (required)")
	fl.StringVar(&f.config, "config", "", "policy file (for spec.predictive.query)")
	fl.StringVar(&f.namespace, "namespace", "", "namespace of workloads that omit one (default \"default\")")
	fl.StringVar(&f.since, "since", "28d", "look-back, e.g. 28d, 336h")
	fl.StringVar(&f.step, "step", "5m", "resolution")
	fl.StringVar(&f.end, "end", "", "end of the look-back, RFC 3339 (default now)")
	fl.StringVar(&f.tokenFile, "bearer-token-file", "", "file holding a bearer token")
	fl.StringVar(&f.caFile, "ca-file", "", "PEM CA bundle for an https server")
	fl.StringArrayVar(&f.headers, "header", nil, "extra request header NAME=VALUE (repeatable), e.g. X-Scope-OrgID=tenant")
	fl.DurationVar(&f.timeout, "timeout", record.DefaultTimeout, "timeout of one HTTP request")
	fl.IntVar(&f.concurrency, "concurrency", record.DefaultConcurrency, "requests in flight at once")
	fl.IntVar(&f.retries, "retries", record.DefaultRetries, "retries of a failed request (timeouts, 5xx)")
	return cmd
}

// parseLookback reads a duration that may use days (28d).
func parseLookback(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days; use e.g. 28d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration; use e.g. 28d, 336h or 5m", s)
	}
	return v, nil
}

// recordJobs lists the opted-in predictive workloads of the manifests.
func recordJobs(items []*yaml.RNode, queryTemplate, namespace string) ([]record.Job, error) {
	var jobs []record.Job
	var errs []error
	for _, n := range items {
		if !workload.IsScalable(n.GetApiVersion(), n.GetKind()) || workload.IsHook(n) {
			continue
		}
		ann := n.GetAnnotations()
		if !annotations.IsEnabled(ann) || strings.TrimSpace(ann[annotations.Prefix+annotations.KeyPredictive]) != "true" {
			continue
		}
		ns := n.GetNamespace()
		if ns == "" {
			ns = namespace
		}
		if ns == "" {
			ns = history.DefaultNamespace
		}
		q := strings.TrimSpace(ann[annotations.Prefix+annotations.KeyPredictiveQuery])
		if q == "" && queryTemplate != "" {
			q = strings.NewReplacer("{namespace}", ns, "{name}", n.GetName()).Replace(queryTemplate)
		}
		if q != "" && !strings.Contains(q, "(") && !strings.Contains(q, "{") && !isMetricName(q) {
			errs = append(errs, fmt.Errorf("%s/%s/%s: %s: %q is not a PromQL query", n.GetKind(), ns, n.GetName(), annotations.Prefix+annotations.KeyPredictiveQuery, q))
		}
		jobs = append(jobs, record.Job{Namespace: ns, Name: n.GetName(), Kind: n.GetKind(), Query: q,
			HPAName: strings.TrimSpace(ann[annotations.Prefix+annotations.KeyHPAName])})
	}
	return jobs, errors.Join(errs...)
}

func isMetricName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

func runRecord(cmd *cobra.Command, f *recordFlags, args []string) error {
	if f.prometheus == "" || f.out == "" {
		return errors.New("--prometheus and --out are required")
	}
	since, err := parseLookback(f.since)
	if err != nil {
		return fmt.Errorf("--since: %w", err)
	}
	step, err := parseLookback(f.step)
	if err != nil {
		return fmt.Errorf("--step: %w", err)
	}
	headers := map[string]string{}
	for _, h := range f.headers {
		k, v, ok := strings.Cut(h, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("--header %q: use NAME=VALUE", h)
		}
		headers[strings.TrimSpace(k)] = v
	}
	now := time.Now()
	if f.end != "" {
		if now, err = time.Parse(time.RFC3339, f.end); err != nil {
			return fmt.Errorf("--end %q: use RFC 3339, e.g. 2026-03-02T00:00:00Z", f.end)
		}
	}
	policy, _, err := cli.LoadPolicy(f.config)
	if err != nil {
		return err
	}
	items, err := readInputs(cmd.InOrStdin(), args)
	if err != nil {
		return err
	}
	jobs, err := recordJobs(items, policy.Spec.Predictive.Query, f.namespace)
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		return errors.New(`no opted-in workload with ml-autoscaling.io/predictive: "true" in the manifests`)
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return err
	}
	opts := record.Options{
		Address: f.prometheus, Since: since, Step: step, Timeout: f.timeout,
		BearerTokenFile: f.tokenFile, CAFile: f.caFile, Headers: headers,
		Concurrency: f.concurrency, Retries: f.retries, Now: now, Progress: cmd.ErrOrStderr(),
	}
	if f.retries == 0 {
		opts.Retries = -1
	}
	results, err := record.Record(context.Background(), opts, jobs)
	if err != nil {
		return err
	}
	for _, r := range results {
		for _, w := range r.Warnings {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s/%s: %s\n", r.Job.Namespace, r.Job.Name, w)
		}
		if r.Err != nil {
			continue
		}
		data, err := history.Encode(r.History)
		if err != nil {
			r.Err = err
			continue
		}
		path := filepath.Join(f.out, history.FileName(r.Job.Namespace, r.Job.Name))
		if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d values, %d gaps)\n", path, r.History.Len(), r.History.Gaps())
	}
	return record.Errors(results)
}

// reportErrors wraps an operator command: its error goes to stderr as one
// "error: …" line, without cobra's usage text.
func reportErrors(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cmd.SilenceErrors = true
		err := run(cmd, args)
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "error: %v\n", err)
		}
		return err
	}
}
