package transform

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// histories indexes the recorded ScalingHistory inputs by target workload.
type histories struct {
	byTarget map[key]*history.History
	used     map[key]bool
	scope    *scope.Scope
}

// key returns the index key of a workload's history: the namespace is the
// scope's HistoryNamespace, the one `record` writes, so that a history
// recorded without a namespace matches a run that knows none either.
func (hs *histories) key(kind, namespace, name string) key {
	return key{kind, hs.scope.HistoryNamespace(namespace), name}
}

// readHistory parses a ScalingHistory input item into the index.
func (hs *histories) add(n *yaml.RNode, d *diag.List) {
	h, err := history.FromRNode(n)
	if err != nil {
		var l diag.List
		if errors.As(err, &l) {
			*d = append(*d, l...)
		} else {
			d.Errorf(diag.Ref{APIVersion: n.GetApiVersion(), Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName()}, "", "", "a ScalingHistory written by `ml-autoscaling record`", "%v", err)
		}
		return
	}
	kind := h.Target.Kind
	if kind == "" {
		kind = "Deployment"
	}
	targetNS := h.Target.Namespace
	if targetNS == "" {
		targetNS = h.Namespace
	}
	k := hs.key(kind, targetNS, h.Target.Name)
	if prev, dup := hs.byTarget[k]; dup {
		d.Errorf(h.Ref(), "spec.target", kind+"/"+h.Target.Name, "one ScalingHistory per workload",
			"a second history for the same workload (the first is %s)", prev.Ref())
		return
	}
	hs.byTarget[k] = h
}

// unused reports histories whose workload is not in the input or does not ask for a predictive schedule.
func (hs *histories) unused(d *diag.List) {
	for k, h := range hs.byTarget {
		if !hs.used[k] {
			d.Errorf(h.Ref(), "spec.target", k.kind+"/"+k.name,
				"a history for an opted-in workload with "+annotations.Prefix+annotations.KeyPredictive+": \"true\" in the same input",
				"no such workload asks for a predictive schedule (namespace %q)", k.namespace)
		}
	}
}

// predictOptions maps the policy and the workload's bounds onto the planner's options.
func predictOptions(p *config.Policy, minR, maxR int32, gpu bool) (predict.Options, error) {
	pr := p.Spec.Predictive
	o := predict.DefaultOptions()
	o.Slot = pr.Slot.Duration
	o.Quantile = pr.Quantile
	o.HalfLife = pr.HalfLife.Duration
	o.Headroom = pr.Headroom
	o.MaxWindows = pr.MaxWindows
	o.MinReplicas, o.MaxReplicas = int(minR), int(maxR)
	o.LeadTime = pr.LeadTime.Duration
	if o.LeadTime == 0 {
		o.LeadTime = 5 * time.Minute
		if gpu {
			o.LeadTime = p.Spec.GPU.ColdStart.Duration
		}
	}
	loc, err := time.LoadLocation(pr.Timezone)
	if err != nil {
		return o, err
	}
	o.Location = loc
	return o, nil
}

// applyPredictive adds the cron triggers of the predictive floor, planned
// from the workload's recorded history.
func (b *builder) applyPredictive(h *history.History) diag.List {
	var d diag.List
	if !b.spec.Predictive {
		return nil
	}
	field := annotations.Prefix + annotations.KeyPredictive
	if kept := b.previousFloor; h == nil && kept != nil && len(kept.triggers)+len(kept.problems) > 0 {
		if d = kept.check(*b.so.Spec.MaxReplicaCount); d.HasErrors() {
			return d
		}
		b.so.Spec.Triggers = append(b.so.Spec.Triggers, kept.triggers...)
		for _, t := range kept.triggers {
			b.set.Notes = append(b.set.Notes, fmt.Sprintf("predictive floor %s replicas from %q to %q (%s), kept from the earlier output", t.Metadata["desiredReplicas"], t.Metadata["start"], t.Metadata["end"], t.Metadata["timezone"]))
		}
		b.plan.Add("predictive schedule", fmt.Sprintf("%d cron window(s), kept", len(kept.triggers)), "no new history in the input: the schedule of the earlier output stays as it was")
		return nil
	}
	if h == nil && b.keepWarnings(field, "", &d) {
		b.plan.Add("predictive schedule", "none, kept", "no new history in the input: the earlier output's decision stays, with its warning")
		return d
	}
	if h == nil {
		d.Warnf(b.w.Ref, field, "no ScalingHistory for this workload in the input: no predictive schedule (record one with `ml-autoscaling record`, then pass it with the manifests or --history)")
		b.plan.Add("predictive schedule", "none", "no recorded history in the input")
		return d
	}
	so := b.so
	o, err := predictOptions(b.policy, *so.Spec.MinReplicaCount, *so.Spec.MaxReplicaCount, b.set.GPU != nil)
	if err != nil {
		d.Errorf(b.w.Ref, field, "", "a valid policy predictive section", "%v", err)
		return d
	}
	if h.Step > o.Slot {
		d.Errorf(h.Ref(), "spec.step", history.FormatDuration(h.Step), "at most the policy's spec.predictive.slot ("+history.FormatDuration(o.Slot)+"): record with a shorter --step, or raise the slot",
			"the history's step is longer than the slot of the predictive profile")
		return d
	}
	s, err := predict.Plan(predict.Series{Start: h.Start, Step: h.Step, Values: h.Floats()}, o)
	if predict.IsDecline(err) {
		d.Warnf(b.w.Ref, field, "%v (history %s)", err, h.Ref())
		b.plan.Add("predictive schedule", "none", err.Error())
		return d
	}
	if err != nil {
		d.Errorf(h.Ref(), "spec.values", "", "a history the planner can use", "%v", err)
		return d
	}
	crons := s.CronTriggers(b.policy.Spec.Predictive.Timezone)
	for _, c := range crons {
		so.Spec.Triggers = append(so.Spec.Triggers, keda.ScaleTrigger{
			Type:       "cron",
			Name:       c.Name,
			MetricType: keda.MetricAverageValue,
			Metadata: map[string]string{
				"timezone":        c.Timezone,
				"start":           c.Start,
				"end":             c.End,
				"desiredReplicas": strconv.Itoa(c.DesiredReplicas),
			},
		})
		b.set.Notes = append(b.set.Notes, fmt.Sprintf("predictive floor %d replicas from %q to %q (%s)", c.DesiredReplicas, c.Start, c.End, c.Timezone))
	}
	lines := s.Explain()
	b.plan.Add("predictive schedule", fmt.Sprintf("%d cron window(s), %.1f replica-hours/week", len(crons), s.ReplicaHoursPerWeek), lines[0])
	for _, l := range lines[1:] {
		b.plan.Add("", "", l)
	}
	return d
}

// PredictOptions returns the planner options the transform uses for a
// workload with the given bounds (the backtest command uses the same).
func PredictOptions(p *config.Policy, minR, maxR int, gpu bool) (predict.Options, error) {
	return predictOptions(p, int32(minR), int32(maxR), gpu)
}
