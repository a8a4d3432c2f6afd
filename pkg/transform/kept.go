package transform

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/predict"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// PredictivePrefix starts the names of the predictive floor's cron triggers.
const PredictivePrefix = "predictive-floor-"

// keptFloor is the predictive schedule of a ScaledObject the tool generated
// earlier, which a run without new history keeps.
type keptFloor struct {
	// ref names the earlier ScaledObject in messages.
	ref      diag.Ref
	triggers []keda.ScaleTrigger
	// problems are floor triggers that could not be read at all.
	problems diag.List
}

// replanHint is what every message about a kept schedule suggests.
const replanHint = "pass the workload's ScalingHistory (`ml-autoscaling record`) to plan the schedule again, or remove the trigger"

// previousFloor reads the predictive cron triggers of a ScaledObject the
// tool generated earlier, so that a run without new history keeps them.
func previousFloor(so *yaml.RNode) *keptFloor {
	if so == nil {
		return nil
	}
	kept := &keptFloor{ref: workload.RefOf(so)}
	ts, _ := so.Pipe(yaml.Lookup("spec", "triggers"))
	if ts == nil {
		return kept
	}
	elems, _ := ts.Elements()
	for i, t := range elems {
		name := ""
		if t.YNode().Kind == yaml.MappingNode {
			if f := t.Field("name"); f != nil && f.Value != nil {
				name = f.Value.YNode().Value
			}
		}
		if !strings.HasPrefix(name, PredictivePrefix) {
			continue
		}
		var tr keda.ScaleTrigger
		if err := t.YNode().Decode(&tr); err != nil {
			kept.problems.Errorf(kept.ref, fmt.Sprintf("spec.triggers[%d]", i), name, "a cron trigger with string metadata timezone, start, end and desiredReplicas; "+replanHint,
				"cannot read the kept predictive trigger: %s", yamlError(err))
			continue
		}
		if tr.Type == "cron" {
			kept.triggers = append(kept.triggers, tr)
		}
	}
	return kept
}

// check validates the kept triggers as KEDA's cron scaler reads them, and
// their floors against the workload's current maximum: a time zone that
// loads, valid and different start and end expressions, and desiredReplicas
// a whole number from 1 to maxReplicas.
func (k *keptFloor) check(maxReplicas int32) diag.List {
	d := append(diag.List{}, k.problems...)
	for _, t := range k.triggers {
		field := func(key string) string { return "spec.triggers[" + t.Name + "].metadata." + key }
		m := t.Metadata
		if _, err := time.LoadLocation(m["timezone"]); err != nil || m["timezone"] == "" {
			d.Errorf(k.ref, field("timezone"), m["timezone"], "an IANA time zone such as UTC or Europe/Berlin; "+replanHint, "the kept predictive schedule has an unknown time zone")
		}
		for _, key := range []string{"start", "end"} {
			if err := predict.ValidateCron(m[key]); err != nil {
				d.Errorf(k.ref, field(key), m[key], "a 5-field cron expression such as \"0 8 * * 1\"; "+replanHint, "the kept predictive schedule has an invalid cron expression: %v", err)
			}
		}
		if m["start"] == m["end"] && m["start"] != "" {
			d.Errorf(k.ref, field("end"), m["end"], "an end different from the start; "+replanHint, "KEDA rejects a cron trigger whose start and end are the same")
		}
		r, err := strconv.Atoi(strings.TrimSpace(m["desiredReplicas"]))
		if err != nil || r < 1 || r > int(maxReplicas) {
			d.Errorf(k.ref, field("desiredReplicas"), m["desiredReplicas"], fmt.Sprintf("a whole number from 1 to the workload's maxReplicaCount %d; %s", maxReplicas, replanHint),
				"the kept predictive floor is out of range")
		}
		d = append(d, k.checkShape(t)...)
	}
	return d
}

// cronKeys are the metadata keys of the cron triggers the tool writes.
var cronKeys = []string{"desiredReplicas", "end", "start", "timezone"}

// checkShape reports what a kept trigger holds beyond what the tool writes
// (other metadata, an authenticationRef, another metricType): it would be
// copied into the new output unchecked, a credential in it included.
func (k *keptFloor) checkShape(t keda.ScaleTrigger) diag.List {
	var d diag.List
	at := "spec.triggers[" + t.Name + "]"
	allowed := "what the tool writes: metricType " + keda.MetricAverageValue + " and metadata " + strings.Join(cronKeys, ", ") + "; " + replanHint
	for _, key := range slices.Sorted(maps.Keys(t.Metadata)) {
		if !slices.Contains(cronKeys, key) {
			d.Errorf(k.ref, at+".metadata."+key, t.Metadata[key], allowed, "the kept predictive trigger has metadata the tool does not write")
		}
	}
	switch {
	case t.AuthenticationRef != nil:
		d.Errorf(k.ref, at+".authenticationRef", t.AuthenticationRef.Name, allowed, "the kept predictive trigger has an authenticationRef the tool does not write")
	case t.MetricType != keda.MetricAverageValue || t.UseCachedMetrics:
		d.Errorf(k.ref, at+".metricType", t.MetricType, allowed, "the kept predictive trigger was changed from what the tool writes")
	}
	return d
}

// yamlError puts a YAML decoding error on one line.
func yamlError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
	return strings.Join(strings.Fields(msg), " ")
}
