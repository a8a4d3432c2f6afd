package main

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/atomicfile"
	"github.com/ml-autoscaling/ml-autoscaling/internal/cli"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/backtest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"github.com/spf13/cobra"
)

type backtestFlags struct {
	config, column, chart, holdout, replan string
	manifests                              []string
	namespace                              string
	lag, cooldown                          time.Duration
	perReplica                             float64
	p99Replicas, minReplicas, maxReplicas  int
}

func newBacktestCmd() *cobra.Command {
	f := &backtestFlags{}
	cmd := &cobra.Command{
		Use:   "backtest [flags] history.yaml|demand.csv",
		Short: "Replay recorded demand under every strategy: reactive-only, static floor, schedules, live floors, oracle",
		Long: `backtest trains the predictive schedule on all but the last --holdout of a recorded
history (a ScalingHistory file, in replicas, or a CSV of demand), re-plans every --replan, and
simulates a reactive autoscaler that sees demand --lag late and scales down only after
--cooldown. It reports replica-hours and under-provisioned replica-hours, side by side, for
reactive-only, a static floor at the p90 of the training demand, the predictive schedule
(nested cron windows; predictive-runs: one window per run), the live floors that read the
demand one day, one week or both earlier (25 minutes ahead, over 30 minutes, +10 %), the
schedule and the weekly live floor together, and the oracle (capacity = demand); then which
strategy cuts under-provisioning most within the guard (+30 % replica-hours, never above the
static floor). --chart draws every strategy over the hold-out.

A CSV (a file whose name ends in .csv; any other file must be a ScalingHistory) holds raw
demand (e.g. requests/s), one row per step, never negative: it is turned into replicas with
--per-replica, or with the capacity at which the 99th percentile needs --p99-replicas replicas
(default 20). Bad input is refused before anything is printed.`,
		Example: `  ml-autoscaling backtest history/ml.worker.yaml
  helm template demo ./chart | ml-autoscaling backtest --config policy.yaml --manifests - history/ml.worker.yaml
  ml-autoscaling backtest --column m_small_rps --chart out.svg servegen_llm_rps_10min.csv`,
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE:         reportErrors(func(cmd *cobra.Command, args []string) error { return runBacktest(cmd, f, args[0]) }),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "policy file (predictive settings)")
	fl.StringVar(&f.column, "column", "", "CSV column with the demand (default: value, or the only one)")
	fl.StringVar(&f.chart, "chart", "", "write a chart of the hold-out: out.svg or out.png")
	fl.StringVar(&f.holdout, "holdout", "7d", "simulated tail of the history")
	fl.StringVar(&f.replan, "replan", "24h", "how often the schedule is planned again")
	fl.DurationVar(&f.lag, "lag", 10*time.Minute, "how late the reactive autoscaler sees demand")
	fl.DurationVar(&f.cooldown, "cooldown", 5*time.Minute, "how long demand must stay lower before scaling down")
	fl.Float64Var(&f.perReplica, "per-replica", 0, "CSV only: demand one replica serves")
	fl.IntVar(&f.p99Replicas, "p99-replicas", 20, "CSV only: replicas the 99th percentile of demand needs")
	fl.IntVar(&f.minReplicas, "min-replicas", 1, "the workload's min-replicas")
	fl.IntVar(&f.maxReplicas, "max-replicas", 0, "the workload's max-replicas (0: no cap)")
	fl.StringArrayVar(&f.manifests, "manifests", nil, "manifests holding the history's workload (repeatable, - for stdin): its bounds and GPU lead time come from its settings as the function resolves them")
	fl.StringVar(&f.namespace, "namespace", "", "with --manifests: namespace of resources that omit one (Helm's release namespace)")
	return cmd
}

// loadDemand reads a ScalingHistory (replicas, returned too) or a CSV (raw
// demand, converted), told apart by the file name: .csv is a CSV, anything
// else must be a ScalingHistory.
func loadDemand(path, column string, perReplica float64, p99Replicas int) (predict.Series, string, *history.History, error) {
	isCSV := strings.EqualFold(filepath.Ext(path), ".csv")
	raw, err := readDemandFile(path, isCSV)
	if err != nil {
		return predict.Series{}, "", nil, err
	}
	if isCSV {
		s, err := backtest.ReadCSV(bytes.NewReader(raw), column)
		if err != nil {
			return s, "", nil, fmt.Errorf("%s: %w", path, err)
		}
		if perReplica <= 0 {
			if perReplica, err = backtest.PerReplica(s, 0.99, p99Replicas); err != nil {
				return s, "", nil, err
			}
		}
		return backtest.ToReplicas(s, perReplica), fmt.Sprintf("%s (demand ÷ %.4g per replica)", filepath.Base(path), perReplica), nil, nil
	}
	h, err := history.Decode(raw)
	if err != nil {
		problem, notHistory := historyProblem(err)
		if notHistory {
			return predict.Series{}, "", nil, fmt.Errorf("%s is not a ScalingHistory (%s); backtest reads a ScalingHistory written by `ml-autoscaling record`, or a CSV of demand whose file name ends in .csv",
				path, problem)
		}
		return predict.Series{}, "", nil, fmt.Errorf("%s: %s", path, problem)
	}
	return predict.Series{Start: h.Start, Step: h.Step, Values: h.Floats()}, h.Ref().String(), h, nil
}

// bounds are the replica bounds and GPU flag the schedule is planned with.
type bounds struct {
	min, max int
	gpu      bool
}

// workloadBounds finds the history's workload in the manifests and returns
// its bounds as the function resolves its settings (scope decision).
func workloadBounds(cmd *cobra.Command, f *backtestFlags, policy *config.Policy, h *history.History) (bounds, error) {
	if h == nil {
		return bounds{}, errors.New("--manifests needs a ScalingHistory (a CSV names no workload)")
	}
	if cmd.Flags().Changed("min-replicas") || cmd.Flags().Changed("max-replicas") {
		return bounds{}, errors.New("--manifests gives the bounds: leave out --min-replicas and --max-replicas")
	}
	items, err := readInputs(cmd.InOrStdin(), f.manifests)
	if err != nil {
		return bounds{}, err
	}
	sc := scope.New(policy, f.namespace)
	items, read := transform.Prepare(items, nil, sc)
	dec := sc.Decide(items)
	if d := append(read, dec.Diagnostics...); d.HasErrors() {
		return bounds{}, diagError(d.Errors())
	}
	kind, ns := h.Target.Kind, h.Target.Namespace
	if kind == "" {
		kind = history.KindDeployment
	}
	if ns == "" {
		ns = h.Namespace
	}
	ns = sc.HistoryNamespace(ns)
	for _, w := range dec.InScope {
		if w.Ref.Kind == kind && w.Ref.Name == h.Target.Name && sc.HistoryNamespace(w.Ref.Namespace) == ns {
			return bounds{min: int(w.Spec.MinReplicas), max: int(w.Spec.MaxReplicas), gpu: w.Spec.GPU != "off" && w.GPU() != nil}, nil
		}
	}
	for _, n := range dec.NotScaled {
		if n.Ref.Kind == kind && n.Ref.Name == h.Target.Name {
			return bounds{}, fmt.Errorf("%s/%s/%s is in the manifests but not scaled: %s", kind, ns, h.Target.Name, n.Reason)
		}
	}
	return bounds{}, fmt.Errorf("%s/%s/%s, the history's workload, is not in scope in the manifests (no such workload opts in)", kind, ns, h.Target.Name)
}

// readDemandFile reads a CSV of at most backtest.MaxCSVBytes or a
// ScalingHistory of at most history.MaxBytes, refusing a larger file (or a
// device) before holding it in memory.
func readDemandFile(path string, isCSV bool) ([]byte, error) {
	limit, what, size := int64(history.MaxBytes), "a ScalingHistory", "32 MiB"
	if isCSV {
		limit, what, size = backtest.MaxCSVBytes, "a CSV of demand", "64 MiB"
	}
	raw, ok, err := cli.ReadFileLimited(path, limit)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, fmt.Errorf("%s: larger than %d bytes (%s), the most %s may hold (limit: backtest input size)", path, limit, size, what)
	}
	return raw, nil
}

// historyProblem renders a ScalingHistory decoding error on one line,
// without the severity prefix a diagnostic list carries, and reports
// whether the file is no ScalingHistory at all (rather than one with a bad
// field).
func historyProblem(err error) (string, bool) {
	var l diag.List
	if !errors.As(err, &l) {
		return err.Error(), false
	}
	parts := make([]string, 0, len(l))
	notHistory := false
	for _, d := range l {
		if m, ok := strings.CutPrefix(d.Message, "not a ScalingHistory: "); ok {
			d.Message, notHistory = m, true
		}
		if d.Allowed == "one ScalingHistory document" {
			d.Allowed = "" // the message says so already
		}
		parts = append(parts, d.Error())
	}
	return strings.Join(parts, "; "), notHistory
}

// checkChart rejects a --chart path that cannot be written, before any
// work is done or output printed: a name without .svg or .png, a
// directory that does not exist, or a path that is a directory.
func checkChart(path string) error {
	if path == "" {
		return nil
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".svg" && ext != ".png" {
		return errors.New("--chart: the file name must end in .svg or .png")
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("--chart %s: the directory %s does not exist; create it first", path, dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("--chart %s: is a directory; name a file ending in .svg or .png", path)
	}
	return nil
}

func runBacktest(cmd *cobra.Command, f *backtestFlags, path string) error {
	holdout, err := parseLookback(f.holdout)
	if err != nil {
		return fmt.Errorf("--holdout: %w", err)
	}
	replan, err := parseLookback(f.replan)
	if err != nil {
		return fmt.Errorf("--replan: %w", err)
	}
	if err := checkChart(f.chart); err != nil {
		return err
	}
	if cmd.Flags().Changed("per-replica") && !(f.perReplica > 0 && !math.IsInf(f.perReplica, 0)) {
		return fmt.Errorf("--per-replica %v: must be a positive number, the demand one replica serves (omit it to size replicas with --p99-replicas)", f.perReplica)
	}
	policy, _, err := cli.LoadPolicy(f.config)
	if err != nil {
		return err
	}
	demand, title, h, err := loadDemand(path, f.column, f.perReplica, f.p99Replicas)
	if err != nil {
		return err
	}
	b := bounds{min: f.minReplicas, max: f.maxReplicas}
	if len(f.manifests) > 0 {
		if b, err = workloadBounds(cmd, f, policy, h); err != nil {
			return err
		}
	}
	cfg := backtest.DefaultConfig()
	cfg.Holdout, cfg.Replan, cfg.Lag, cfg.Cooldown = holdout, replan, f.lag, f.cooldown
	cfg.MaxReplicas = b.max
	maxR := b.max
	if maxR == 0 {
		maxR = cfg.Options.MaxReplicas
	}
	if cfg.Options, err = transform.PredictOptions(policy, b.min, maxR, b.gpu); err != nil {
		return err
	}
	report, err := backtest.Run(demand, cfg)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "backtest of %s: hold-out %s, re-plan every %s, lag %s, cooldown %s\n\n", title, holdout, replan, f.lag, f.cooldown)
	if err := report.WriteTable(&out); err != nil {
		return err
	}
	if f.chart != "" {
		var buf bytes.Buffer
		format := strings.TrimPrefix(strings.ToLower(filepath.Ext(f.chart)), ".")
		if err := backtest.Chart(&buf, format, title, report); err != nil {
			return err
		}
		if err := atomicfile.WriteFile(f.chart, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&out, "\nchart: %s\n", f.chart)
	}
	return cli.WriteStdout(cmd.OutOrStdout(), out.Bytes())
}
