package transform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// WarningsAnnotation holds, on a generated ScaledObject, the warnings about
// it: one per line, sorted, credentials redacted. It is written anew on
// every run, so it always shows the last render's warnings and disappears
// when they are fixed; kubectl, Argo CD and GitOps diffs show it where
// Helm hides a post-renderer's stderr.
const WarningsAnnotation = "ml-autoscaling.io/warnings"

// maxWarningsText bounds the annotation (Kubernetes allows 256 KiB for all
// annotations of an object together).
const maxWarningsText = 16 << 10

// Switch is a setting given on the command line or in the environment,
// which takes precedence over the policy.
type Switch struct {
	On bool
	// Source names where it was given, for messages: "--strict",
	// "ML_AUTOSCALING_STRICT=true".
	Source string
}

// strictMode decides strict mode: the command line or environment when
// given, else the policy's spec.strict. It returns the setting's source.
func strictMode(spec bool, given *Switch) (bool, string) {
	if given != nil {
		return given.On, given.Source
	}
	if spec {
		return true, "policy spec.strict: true"
	}
	return false, ""
}

// promoteWarnings turns every warning of l into an error that says strict
// mode made it one, and where strict mode was turned on.
func promoteWarnings(l diag.List, source string) {
	for i := range l {
		if l[i].Severity != diag.Warning {
			continue
		}
		l[i].Severity = diag.Error
		l[i].Message = "strict mode: " + l[i].Message
		l[i].Allowed = "no warnings in strict mode, which " + source + " turns on; fix the cause, or turn strict mode off"
	}
}

// sharedWarnings are warnings about the policy that also concern the
// ScaledObjects of particular workloads (a Prometheus address KEDA cannot
// resolve, a GPU budget the workloads exceed together).
type sharedWarnings map[diag.Ref][]string

// add records that d concerns the ScaledObjects of refs.
func (s sharedWarnings) add(d diag.Diagnostic, refs []diag.Ref) {
	for _, r := range refs {
		s[r] = append(s[r], d.Error())
	}
}

// gpuRefs returns the workloads of a GPU budget check.
func gpuRefs(use []gpuUsage) []diag.Ref {
	out := make([]diag.Ref, 0, len(use))
	for _, u := range use {
		out = append(out, u.ref)
	}
	return out
}

// recordWarnings writes the warnings about each scaled workload, and the
// shared warnings that concern it, onto its generated ScaledObject, which
// is rendered again (the ScaledObject is the first of the workload's
// objects).
func recordWarnings(workloads []*workload.Workload, builders map[*workload.Workload]*builder, objects map[*workload.Workload][]*yaml.RNode,
	byKey map[key]*yaml.RNode, ns func(string) string, diags diag.List, shared sharedWarnings) error {
	lines := map[diag.Ref][]string{}
	for _, d := range diags {
		if d.Severity == diag.Warning {
			lines[d.Resource] = append(lines[d.Resource], d.Error())
		}
	}
	for _, w := range workloads {
		b := builders[w]
		l := append(lines[w.Ref], shared[w.Ref]...)
		if b == nil || len(l) == 0 {
			continue
		}
		so := b.so
		if so.Metadata.Annotations == nil {
			so.Metadata.Annotations = map[string]string{}
		}
		so.Metadata.Annotations[WarningsAnnotation] = warningsText(l)
		n, err := keda.ToRNode(so)
		if err != nil {
			return err
		}
		objects[w][0] = n
		byKey[key{keda.KindScaledObject, ns(so.Metadata.Namespace), so.Metadata.Name}] = n
	}
	return nil
}

// warningsText renders warning lines as the annotation's value: redacted,
// sorted, each once, within maxWarningsText.
func warningsText(lines []string) string {
	l := make([]string, 0, len(lines))
	for _, s := range lines {
		l = append(l, strings.ReplaceAll(diag.Redact(s), "\n", " "))
	}
	slices.Sort(l)
	l = slices.Compact(l)
	var b strings.Builder
	for i, s := range l {
		more := fmt.Sprintf("… and %d more warning(s): run ml-autoscaling plan to see them all", len(l)-i)
		if b.Len()+len(s)+1 > maxWarningsText-len(more) {
			b.WriteString(more)
			return b.String()
		}
		b.WriteString(s)
		if i < len(l)-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// previousWarnings reads the warnings recorded on an earlier generated
// ScaledObject (nil when none).
func previousWarnings(so *yaml.RNode) []string {
	if so == nil {
		return nil
	}
	v := so.GetAnnotations()[WarningsAnnotation]
	if v == "" {
		return nil
	}
	return strings.Split(v, "\n")
}

// keepWarnings reports again the earlier output's warnings about the
// workload's field whose message starts with lead, and says whether there
// were any. It keeps the record of a decision about an input the earlier
// run consumed (a recorded history, a removed HPA), so that the output fed
// back in, without that input, comes out unchanged.
func (b *builder) keepWarnings(field, lead string, d *diag.List) bool {
	prefix := b.w.Ref.String() + ": " + field + ": "
	kept := false
	for _, l := range b.previousWarnings {
		msg, ok := strings.CutPrefix(l, prefix)
		if !ok || !strings.HasPrefix(msg, lead) {
			continue
		}
		d.Add(diag.Diagnostic{Severity: diag.Warning, Resource: b.w.Ref, Field: field, Message: msg})
		kept = true
	}
	return kept
}
