package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/atomicfile"
	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/record"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
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
	maxResponseBytes                   int64
}

func newRecordCmd() *cobra.Command {
	f := &recordFlags{}
	cmd := &cobra.Command{
		Use:   "record --prometheus URL --out DIR [flags] manifests.yaml|- ...",
		Short: "Record each predictive workload's demand history from Prometheus into ScalingHistory files",
		Long: `record queries a Prometheus-compatible API (Prometheus, Thanos, Mimir, Cortex) for the
demand, in replicas, of every workload of the given manifests that the function scales and whose
settings (annotations, pod-template annotations, policy rules, profile, defaults: --config) ask
for predictive: "true", and writes one ScalingHistory per workload to DIR/<namespace>.<name>.yaml
(atomically: a failed run leaves earlier files intact). The default demand query is the desired
replica count of the HPA KEDA creates for the workload; ml-autoscaling.io/predictive-query or the
policy's spec.predictive.query (with {namespace} and {name} placeholders) override it.

Credentials (bearer token, headers, user:password@ in the URL) go only to the origin of
--prometheus: a redirect elsewhere, or a 301/302/303 that would turn the query's POST into a GET,
is not followed and fails the workload. Each answer is capped by --max-response-bytes and each
attempt, headers and body, by --timeout. Every flag is checked before --out is created.`,
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
	fl.StringVar(&f.config, "config", "", "policy file (rules, profiles, defaults, spec.predictive.query)")
	fl.StringVar(&f.namespace, "namespace", "", "namespace of workloads that omit one: Helm's release namespace (without it: \"default\", with a warning)")
	fl.StringVar(&f.since, "since", "28d", "look-back, e.g. 28d, 336h")
	fl.StringVar(&f.step, "step", "5m", "resolution")
	fl.StringVar(&f.end, "end", "", "end of the look-back, RFC 3339 (default now)")
	fl.StringVar(&f.tokenFile, "bearer-token-file", "", "file holding a bearer token")
	fl.StringVar(&f.caFile, "ca-file", "", "PEM CA bundle for an https server")
	fl.StringArrayVar(&f.headers, "header", nil, "extra request header NAME=VALUE (repeatable), e.g. X-Scope-OrgID=tenant")
	fl.DurationVar(&f.timeout, "timeout", record.DefaultTimeout, "timeout of one HTTP request")
	fl.IntVar(&f.concurrency, "concurrency", record.DefaultConcurrency, fmt.Sprintf("requests in flight at once, at most %d", record.MaxConcurrency))
	fl.IntVar(&f.retries, "retries", record.DefaultRetries, fmt.Sprintf("retries of a failed request (timeouts, 5xx), at most %d", record.MaxRetries))
	fl.Int64Var(&f.maxResponseBytes, "max-response-bytes", record.DefaultMaxResponseBytes,
		fmt.Sprintf("largest answer accepted, in bytes (%d to %d)", int64(record.MinResponseBytes), int64(record.MaxResponseBytes)))
	return cmd
}

// maxLookback is the longest duration a --since or --step may give: the
// whole days a time.Duration holds.
const maxLookback = time.Duration(math.MaxInt64/int64(24*time.Hour)) * 24 * time.Hour

// parseSpan reads the value of a duration flag that may use days (28d):
// from 1s to max. Errors name the flag, the value and the range.
func parseSpan(flag, s string, max time.Duration) (time.Duration, error) {
	v, err := parseDays(s, max)
	if err != nil {
		return 0, fmt.Errorf("%s %w", flag, err)
	}
	return v, nil
}

// parseLookback reads a duration that may use days (28d), from 1s to
// maxLookback.
func parseLookback(s string) (time.Duration, error) { return parseDays(s, maxLookback) }

// parseDays reads whole days (28d) or a Go duration, from 1s to max,
// without overflow.
func parseDays(s string, max time.Duration) (time.Duration, error) {
	allowed := fmt.Sprintf("allowed: whole days (28d) or a Go duration (336h, 90m, 5m) from 1s to %s", formatSpan(max))
	var v time.Duration
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q: not a positive number of days (%s)", s, allowed)
		}
		if n > int64(max/(24*time.Hour)) {
			return 0, fmt.Errorf("%q: too long (%s)", s, allowed)
		}
		v = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if v, err = time.ParseDuration(s); err != nil || v <= 0 {
			return 0, fmt.Errorf("%q: not a positive duration, or too long (%s)", s, allowed)
		}
	}
	if v < time.Second || v > max {
		return 0, fmt.Errorf("%q: out of range (%s)", s, allowed)
	}
	return v, nil
}

// formatSpan writes a duration longer than a day in whole days when it is
// a number of them, e.g. 106751d, and others as e.g. 24h or 5m.
func formatSpan(d time.Duration) string {
	if day := 24 * time.Hour; d > day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return history.FormatDuration(d)
}

// recordJobs lists the workloads to record: those in scope, as the function
// decides it (annotations, pod-template annotations, policy rules, profile
// and defaults), whose settings ask for a predictive schedule. Each is
// recorded under the namespace the function will look its history up by
// (scope.HistoryNamespace); the warnings name the workloads for which that
// namespace is an assumption.
func recordJobs(items []*yaml.RNode, policy *config.Policy, namespace string) ([]record.Job, []string, error) {
	sc := scope.New(policy, namespace)
	items, read := transform.Prepare(items, nil, sc)
	dec := sc.Decide(items)
	if d := append(read, dec.Diagnostics...); d.HasErrors() {
		return nil, nil, diagError(d.Errors())
	}
	var jobs []record.Job
	var warnings []string
	var errs []error
	for _, w := range dec.InScope {
		if !w.Spec.Predictive {
			continue
		}
		ns := sc.HistoryNamespace(w.Ref.Namespace)
		if w.Namespace == "" {
			warnings = append(warnings, fmt.Sprintf("%s has no metadata.namespace and --namespace is not set: recorded as namespace %q, which the function and the post-renderer also assume when they know no namespace; pass --namespace with the release namespace", w.Ref, ns))
		}
		q := w.Spec.PredictiveQuery
		var d diag.List
		if d.CredentialError(w.Ref, annotations.Prefix+annotations.KeyPredictiveQuery, q, annotations.CredentialAllowed) {
			errs = append(errs, w.Locate(d))
			continue
		}
		if q == "" && policy.Spec.Predictive.Query != "" {
			q = strings.NewReplacer("{namespace}", ns, "{name}", w.Ref.Name).Replace(policy.Spec.Predictive.Query)
		}
		if q != "" && !strings.Contains(q, "(") && !strings.Contains(q, "{") && !isMetricName(q) {
			errs = append(errs, fmt.Errorf("%s/%s/%s: %s: %q is not a PromQL query", w.Ref.Kind, ns, w.Ref.Name, annotations.Prefix+annotations.KeyPredictiveQuery, q))
		}
		jobs = append(jobs, record.Job{Namespace: ns, Name: w.Ref.Name, Kind: w.Ref.Kind, Query: q, HPAName: w.Spec.HPAName})
	}
	return jobs, warnings, errors.Join(errs...)
}

// diagError turns diagnostics into one error, a line each, without the severity word.
func diagError(l diag.List) error {
	errs := make([]error, len(l))
	for i, d := range l {
		errs[i] = errors.New(d.Error())
	}
	return errors.Join(errs...)
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
	opts, err := f.options()
	if err != nil {
		return err
	}
	opts.Progress = cmd.ErrOrStderr()
	policy, _, err := cli.LoadPolicy(f.config)
	if err != nil {
		return err
	}
	items, err := readInputs(cmd.InOrStdin(), args)
	if err != nil {
		return err
	}
	jobs, warnings, err := recordJobs(items, policy, f.namespace)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
	}
	if len(jobs) == 0 {
		return errors.New(`no workload in scope asks for a predictive schedule (ml-autoscaling.io/predictive: "true" as an annotation, a pod-template annotation, or in a policy rule, profile or the defaults)`)
	}
	rec, err := record.New(opts, jobs)
	if err != nil {
		return err
	}
	if err := makeOutDir(f.out); err != nil {
		return err
	}
	results := rec.Run(context.Background())
	stdout := &cli.Stdout{W: cmd.OutOrStdout()}
	for _, r := range results {
		for _, w := range r.Warnings {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s/%s: %s\n", r.Job.Namespace, r.Job.Name, diag.Redact(w))
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
		fmt.Fprintf(stdout, "wrote %s (%d values, %d gaps)\n", path, r.History.Len(), r.History.Gaps())
	}
	if err := record.Errors(results); err != nil {
		return err
	}
	return stdout.Err()
}

// options checks the flags and turns them into record options. It creates
// nothing: every flag is checked before the output directory exists.
func (f *recordFlags) options() (record.Options, error) {
	var errs []error
	if f.prometheus == "" || f.out == "" {
		errs = append(errs, errors.New("--prometheus and --out are required"))
	}
	since, err := parseSpan("--since", f.since, maxLookback)
	errs = append(errs, err)
	step, err := parseSpan("--step", f.step, history.MaxStep)
	errs = append(errs, err)
	headers := map[string]string{}
	for _, h := range f.headers {
		k, v, ok := strings.Cut(h, "=")
		if !ok || strings.TrimSpace(k) == "" {
			errs = append(errs, fmt.Errorf("--header %q: use NAME=VALUE", redactHeaderFlag(h)))
			continue
		}
		headers[strings.TrimSpace(k)] = v
	}
	now := time.Now()
	if f.end != "" {
		if now, err = time.Parse(time.RFC3339, f.end); err != nil {
			errs = append(errs, fmt.Errorf("--end %q: use RFC 3339, e.g. 2026-03-02T00:00:00Z", f.end))
		}
	}
	// zero selects a default in record.Options; as a flag it is a mistake
	if f.timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout %s: must be positive, e.g. 2m", f.timeout))
	}
	if f.concurrency < 1 || f.concurrency > record.MaxConcurrency {
		errs = append(errs, fmt.Errorf("--concurrency %d: must be between 1 and %d", f.concurrency, record.MaxConcurrency))
	}
	if f.retries < 0 || f.retries > record.MaxRetries {
		errs = append(errs, fmt.Errorf("--retries %d: must be between 0 and %d", f.retries, record.MaxRetries))
	}
	if f.maxResponseBytes < record.MinResponseBytes || f.maxResponseBytes > record.MaxResponseBytes {
		errs = append(errs, fmt.Errorf("--max-response-bytes %d: must be between %d (1 KiB) and %d (1 GiB)",
			f.maxResponseBytes, int64(record.MinResponseBytes), int64(record.MaxResponseBytes)))
	}
	if err := errors.Join(errs...); err != nil {
		return record.Options{}, err
	}
	opts := record.Options{
		Address: f.prometheus, Since: since, Step: step, Timeout: f.timeout, MaxResponseBytes: f.maxResponseBytes,
		BearerTokenFile: f.tokenFile, CAFile: f.caFile, Headers: headers,
		Concurrency: f.concurrency, Retries: f.retries, Now: now,
	}
	if f.retries == 0 {
		opts.Retries = -1
	}
	return opts, nil
}

// redactHeaderFlag shows a malformed --header value only up to its first
// '=', colon or space: what follows, e.g. "Authorization: Bearer …", may
// be a credential.
func redactHeaderFlag(h string) string {
	if i := strings.IndexAny(h, "=: \t"); i >= 0 {
		return h[:i] + "…"
	}
	return h
}

// makeOutDir creates the output directory, or checks that the existing
// path is one.
func makeOutDir(dir string) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("--out %q: not a directory; give a directory for the ScalingHistory files", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %q: %w", dir, err)
	}
	return nil
}

// reportErrors wraps an operator command: its error goes to stderr as one
// "error: …" line, without cobra's usage text.
func reportErrors(run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cmd.SilenceErrors = true
		if err := run(cmd, args); err != nil {
			return printErr(cmd, err)
		}
		return nil
	}
}
