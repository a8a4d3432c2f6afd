package scope

import (
	"fmt"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
)

// decided is the decision for one candidate: in scope (in), not scaled
// (reason), or neither when it has errors.
type decided struct {
	in     *Workload
	reason string
}

const enabledKey = annotations.Prefix + annotations.KeyEnabled

// decide resolves one candidate workload.
func (s *Scope) decide(v *view, diags *diag.List) *decided {
	if workload.IsHook(v.node) {
		return &decided{reason: "a Helm hook (" + workload.HookAnnotation + "): the tool never changes hooks"}
	}
	var errs diag.List
	for i, o := range v.outcomes {
		if o == undecided {
			errs.Errorf(v.ref, "metadata.namespace", "", "metadata.namespace on the workload, or the release namespace (--namespace; env HELM_NAMESPACE for the post-renderer)",
				"policy rule %s selects by namespace, and this workload's namespace is unknown", s.rules[i].cfg.Name)
		}
	}
	errs = append(errs, annotations.CheckKeys(v.ref, v.ann)...)
	for _, d := range annotations.CheckKeys(v.ref, v.podAnn) {
		d.Field = PodAnnotationsPath + "." + d.Field
		errs = append(errs, d)
	}
	selecting, excluding := s.ruleNames(v.outcomes, selected), s.ruleNames(v.outcomes, excluded)
	on, via, detail, field := s.optIn(v, selecting)
	if !on {
		*diags = append(*diags, errs...)
		if errs.HasErrors() {
			return nil
		}
		return &decided{reason: notScaledReason(v, via, selecting, excluding)}
	}
	// a workload that opts in must be one the API server accepts: its name
	// and namespace name the generated objects, its resources size them
	w := workload.FromNode(v.node)
	if bad := append(workload.CheckIdentity(v.node, v.ref), w.CheckResources()...); bad.HasErrors() {
		*diags = append(*diags, append(errs, bad...)...)
		return nil
	}
	spec, fields, d := s.resolve(v, errs)
	*diags = append(*diags, d...)
	if spec == nil || d.HasErrors() {
		return nil
	}
	if field != enabledKey {
		fields[annotations.KeyEnabled] = field
	}
	return &decided{in: &Workload{
		Workload: w, Spec: spec, OptIn: via, OptInDetail: detail,
		Rules: selecting, Namespace: v.subject.namespace, fields: fields,
	}}
}

func (s *Scope) ruleNames(outcomes []outcome, want outcome) []string {
	var out []string
	for i, o := range outcomes {
		if o == want {
			out = append(out, s.rules[i].cfg.Name)
		}
	}
	return out
}

// optIn decides whether the workload opts in: the enabled annotation on the
// workload, else on its pod template, else any rule that selects it. It
// returns what decided, how (for the explanation), and the field that did.
func (s *Scope) optIn(v *view, selecting []string) (on bool, via, detail, field string) {
	if val, ok := v.ann[enabledKey]; ok {
		return strings.TrimSpace(val) == "true", SourceAnnotation + " " + enabledKey, fmt.Sprintf("%s: %q", enabledKey, strings.TrimSpace(val)), enabledKey
	}
	if val, ok := v.podAnn[enabledKey]; ok {
		field = PodAnnotationsPath + "." + enabledKey
		return strings.TrimSpace(val) == "true", SourcePodAnnotation + " " + enabledKey, fmt.Sprintf("%s: %q", field, strings.TrimSpace(val)), field
	}
	if len(selecting) == 0 {
		return false, "", "", ""
	}
	var details []string
	for _, name := range selecting {
		for _, r := range s.rules {
			if r.cfg.Name == name {
				details = append(details, name+": "+r.describe())
			}
		}
	}
	via = SourceRulePrefix + selecting[0]
	if len(selecting) > 1 {
		via = "policy rules " + strings.Join(selecting, ", ")
	}
	for _, r := range s.rules {
		if r.cfg.Name == selecting[0] {
			field = "policy " + r.path + ".match"
		}
	}
	return true, via, strings.Join(details, " | "), field
}

// notScaledReason says why a candidate is not scaled.
func notScaledReason(v *view, via string, selecting, excluding []string) string {
	var reason string
	switch {
	case via != "":
		reason = via + " is not \"true\""
		if len(selecting) > 0 {
			reason += "; it overrides policy rule(s) " + strings.Join(selecting, ", ") + " that select the workload"
		}
	case len(excluding) > 0:
		reason = "excluded by the exclude of policy rule(s) " + strings.Join(excluding, ", ")
	default:
		reason = "carries " + annotations.Prefix + " keys, but neither " + enabledKey + ": \"true\" (on the workload or its pod template) nor a policy rule opts it in"
	}
	if len(excluding) > 0 && via != "" {
		reason += "; excluded by policy rule(s) " + strings.Join(excluding, ", ")
	}
	return reason
}
