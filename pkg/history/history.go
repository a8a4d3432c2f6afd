// Package history defines the ScalingHistory resource: a workload's recorded
// demand in replicas, one value per fixed step, written by the `record`
// operator command and read back by the KRM function to build the predictive
// minimum-replica schedule.
//
// The package is pure: it encodes and decodes bytes and kyaml nodes and never
// touches files, the network or the clock.
//
// A ScalingHistory looks like this (values in a flow sequence, twelve to a
// line, each line preceded by a comment with the time of its first value):
//
//	apiVersion: ml-autoscaling.io/v1alpha1
//	kind: ScalingHistory
//	metadata:
//	  name: worker
//	  namespace: ml
//	  annotations:
//	    config.kubernetes.io/local-config: "true"
//	spec:
//	  target:
//	    apiVersion: apps/v1
//	    kind: Deployment
//	    name: worker
//	    namespace: ml
//	  query: kube_horizontalpodautoscaler_status_desired_replicas{...}
//	  start: "2026-05-04T00:00:00Z"
//	  step: 5m
//	  values: [
//	    # 2026-05-04T00:00:00Z
//	    3, 3, 4, 4, 5, null, 5, 6, 6, 6, 7, 7,
//	    # 2026-05-04T01:00:00Z
//	    7, 6
//	  ]
package history

import (
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

const (
	// APIVersion is the apiVersion of a ScalingHistory resource.
	APIVersion = "ml-autoscaling.io/v1alpha1"
	// Kind is the kind of a ScalingHistory resource.
	Kind = "ScalingHistory"
	// LocalConfigAnnotation marks the resource as input for the function
	// only; kustomize and kpt never send it to the cluster.
	LocalConfigAnnotation = "config.kubernetes.io/local-config"

	// MaxValues is the most values one history may hold: a little under two
	// years at one-minute steps (about 4 MB of YAML).
	MaxValues = 1_000_000
	// MaxBytes is the largest history Decode reads: room for MaxValues
	// values written by hand, with comments.
	MaxBytes = 32 << 20
	// MaxStep is the longest step accepted; a coarser series cannot describe
	// a daily or weekly pattern.
	MaxStep = 24 * time.Hour
	// ValuesPerLine is how many values Encode writes on one line (an hour at
	// the default 5m step).
	ValuesPerLine = 12
	// DefaultNamespace is the namespace used when a workload has none.
	DefaultNamespace = "default"
)

// Kinds of workload a history can target.
const (
	// KindDeployment is an apps/v1 Deployment.
	KindDeployment = "Deployment"
	// KindStatefulSet is an apps/v1 StatefulSet.
	KindStatefulSet = "StatefulSet"
)

// History is a decoded ScalingHistory: demand of one workload in replicas
// from Start, one value per Step.
type History struct {
	// Name is metadata.name, by convention the workload's name.
	Name string
	// Namespace is metadata.namespace; may be empty.
	Namespace string
	// Target is the workload whose demand was recorded.
	Target Target
	// Query is the PromQL expression the values came from.
	Query string
	// Start is the time of Values[0], in UTC.
	Start time.Time
	// Step is the time between consecutive values: positive, a whole number
	// of seconds, at most MaxStep.
	Step time.Duration
	// Values holds one entry per step, finite and ≥ 0; math.NaN() marks a
	// gap (written as null).
	Values []float64
}

// Target identifies the workload a history belongs to (spec.target).
type Target struct {
	// APIVersion is optional (apps/v1 for both supported kinds).
	APIVersion string
	// Kind is KindDeployment or KindStatefulSet.
	Kind string
	// Name is the workload's metadata.name.
	Name string
	// Namespace is the workload's namespace (DefaultNamespace when it had none).
	Namespace string
}

// FileName returns the file name `record` writes a history to:
// `<namespace>.<name>.yaml`, with namespace DefaultNamespace when empty.
// namespace and name are Kubernetes names, so the result has no path separator.
func FileName(namespace, name string) string {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return namespace + "." + name + ".yaml"
}

// Len returns the number of values (gaps included).
func (h *History) Len() int { return len(h.Values) }

// Times returns the time of each value: Start + i*Step.
func (h *History) Times() []time.Time {
	out := make([]time.Time, len(h.Values))
	for i := range out {
		out[i] = h.At(i)
	}
	return out
}

// At returns the time of value i: Start + i*Step.
func (h *History) At(i int) time.Time {
	return h.Start.Add(time.Duration(i) * h.Step)
}

// End returns the exclusive end of the recorded span, Start + Len()*Step:
// the last value covers [End()-Step, End()). End().Sub(Start) is the span.
func (h *History) End() time.Time { return h.At(len(h.Values)) }

// Floats returns a copy of the values with math.NaN() for gaps, for the
// numeric code that should see no YAML.
func (h *History) Floats() []float64 {
	return append([]float64(nil), h.Values...)
}

// Gaps returns how many values are gaps (NaN).
func (h *History) Gaps() int {
	n := 0
	for _, v := range h.Values {
		if math.IsNaN(v) {
			n++
		}
	}
	return n
}

// Ref returns the diagnostic reference of the history resource itself; the
// zero Ref while it has no name (so messages do not show "ScalingHistory/").
func (h *History) Ref() diag.Ref {
	if h.Name == "" {
		return diag.Ref{}
	}
	return diag.Ref{APIVersion: APIVersion, Kind: Kind, Namespace: h.Namespace, Name: h.Name}
}

// Validate checks every field and returns a diag.List of errors (nil when
// valid). Encode and Decode both call it, so no invalid history is written
// or read.
func (h *History) Validate() error {
	v := &validator{ref: h.Ref()}
	h.validate(v)
	return v.err()
}

func (h *History) validate(v *validator) {
	v.name("metadata.name", h.Name, true)
	v.name("metadata.namespace", h.Namespace, false)
	v.validateTarget(h.Target)
	v.text("spec.query", h.Query, true)
	if h.Start.IsZero() {
		v.add("spec.start", "", "is required", "an RFC 3339 time in UTC, e.g. 2026-05-04T00:00:00Z")
	}
	v.validateStep(h.Step)
	v.validateValues(h)
}

// validator collects diagnostics up to a cap, so that a file with thousands
// of bad values still gives a readable error.
type validator struct {
	ref     diag.Ref
	list    diag.List
	dropped int
}

// stepAllowed says what spec.step accepts.
const stepAllowed = "a positive whole number of seconds up to 24h, as a Go duration, e.g. 5m or 30s"

// maxErrors caps how many diagnostics one Decode or Validate reports.
const maxErrors = 10

func (v *validator) add(field, value, msg, allowed string) {
	if len(v.list) >= maxErrors {
		v.dropped++
		return
	}
	v.list.Errorf(v.ref, field, value, allowed, "%s", msg)
}

func (v *validator) err() error {
	if len(v.list) == 0 {
		return nil
	}
	out := v.list
	if v.dropped > 0 {
		out = append(out[:len(out):len(out)], diag.Diagnostic{
			Severity: diag.Error, Resource: v.ref,
			Message: fmt.Sprintf("%d more errors not shown", v.dropped),
		})
	}
	return out
}

func (v *validator) text(field, s string, required bool) {
	switch {
	case required && s == "":
		v.add(field, "", "is required", "a non-empty string")
	case !utf8.ValidString(s):
		v.add(field, "", "is not valid UTF-8", "UTF-8 text")
	}
}

func (v *validator) name(field, s string, required bool) {
	v.text(field, s, required)
	if s == "" {
		return
	}
	if !isDNSSubdomain(s) {
		v.add(field, s, "is not a valid Kubernetes name",
			"lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters")
	}
}

func (v *validator) validateTarget(t Target) {
	v.text("spec.target.apiVersion", t.APIVersion, false)
	switch t.Kind {
	case KindDeployment, KindStatefulSet:
	case "":
		v.add("spec.target.kind", "", "is required", KindDeployment+" or "+KindStatefulSet)
	default:
		v.add("spec.target.kind", t.Kind, "is not a supported workload kind", KindDeployment+" or "+KindStatefulSet)
	}
	v.name("spec.target.name", t.Name, true)
	v.name("spec.target.namespace", t.Namespace, true)
}

func (v *validator) validateStep(step time.Duration) {
	const allowed = stepAllowed
	switch {
	case step == 0:
		v.add("spec.step", "", "is missing or zero", allowed)
	case step < 0:
		v.add("spec.step", FormatDuration(step), "must be positive", allowed)
	case step%time.Second != 0:
		v.add("spec.step", step.String(), "is not a whole number of seconds", allowed)
	case step > MaxStep:
		v.add("spec.step", FormatDuration(step), "is longer than 24h", allowed)
	}
}

func (v *validator) validateValues(h *History) {
	switch n := len(h.Values); {
	case n == 0:
		v.add("spec.values", "", "is empty", "at least one value")
		return
	case n > MaxValues:
		v.add("spec.values", "", fmt.Sprintf("has %d values", n), fmt.Sprintf("at most %d values (limit: values per history)", MaxValues))
		return
	}
	for i, x := range h.Values {
		if math.IsNaN(x) {
			continue
		}
		if math.IsInf(x, 0) || x < 0 {
			v.badValue(h, i, formatFloat(x))
		}
	}
}

// badValue reports value i, naming its index and, when the step is valid,
// its time.
func (v *validator) badValue(h *History, i int, text string) {
	field := fmt.Sprintf("spec.values[%d]", i)
	if h.Step > 0 && !h.Start.IsZero() {
		field += " (" + h.At(i).UTC().Format(time.RFC3339) + ")"
	}
	v.add(field, text, "is not a replica count", "a finite number ≥ 0, or null for a gap")
}

// isDNSSubdomain reports whether s is a valid RFC 1123 subdomain, the rule
// Kubernetes applies to most object names.
func isDNSSubdomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if alnum {
			continue
		}
		if (c != '-' && c != '.') || i == 0 || i == len(s)-1 {
			return false
		}
	}
	return true
}
