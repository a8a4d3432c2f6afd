package scope

import (
	"slices"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

// origin is where a setting given below the workload's own annotations came from.
type origin struct {
	// source is shown in explanations; field is named in messages.
	source, field string
}

// resolve merges the settings of an opted-in workload: the selecting rules
// (which must agree with each other), then its pod-template annotations,
// then its own annotations, each above the last, and parses them with the
// profile, policy defaults and built-in defaults below. Messages name the
// field a bad value came from; Spec.Sources say where each setting came from.
func (s *Scope) resolve(v *view, errs diag.List) (*annotations.Spec, map[string]string, diag.List) {
	merged := map[string]string{}
	from := map[string]origin{}
	s.mergeRules(v, merged, from, &errs)
	for _, layer := range []struct {
		ann    map[string]string
		origin func(k string) origin
	}{
		{v.podAnn, func(k string) origin { return origin{SourcePodAnnotation + " " + k, PodAnnotationsPath + "." + k} }},
		{v.ann, nil},
	} {
		for k, val := range layer.ann {
			key, ok := strings.CutPrefix(k, annotations.Prefix)
			if !ok || key == annotations.KeyEnabled || !slices.Contains(annotations.Keys, key) {
				continue
			}
			merged[k] = val
			delete(from, key)
			if layer.origin != nil {
				from[key] = layer.origin(k)
			}
		}
	}
	spec, d := annotations.Parse(v.ref, merged, s.policy)
	for i := range d {
		if key, ok := strings.CutPrefix(d[i].Field, annotations.Prefix); ok {
			if o, ok := from[key]; ok {
				d[i].Field = o.field
			}
		}
	}
	out := dedupe(append(errs, d...))
	if spec == nil || out.HasErrors() {
		return nil, nil, out
	}
	if spec.Profile != "" {
		spec.Sources[annotations.KeyProfile] = SourceAnnotation
	}
	fields := make(map[string]string, len(from))
	for key, o := range from {
		spec.Sources[key] = o.source
		fields[key] = o.field
	}
	return spec, fields, out
}

// mergeRules adds the settings of every rule that selects the workload, in
// policy order. Two rules that set one setting to different values are an
// error naming both.
func (s *Scope) mergeRules(v *view, merged map[string]string, from map[string]origin, errs *diag.List) {
	type given struct{ value, rule string }
	byKey := map[string]given{}
	for i, o := range v.outcomes {
		if o != selected {
			continue
		}
		r := s.rules[i]
		for _, e := range ruleEntries(r.cfg) {
			field := "policy " + r.path + ".settings." + e.Field
			if prev, ok := byKey[e.Key]; ok {
				if prev.value != e.Value {
					errs.Errorf(v.ref, field, e.Value,
						"one value per setting among the rules that select a workload: narrow a rule's match (or add an exclude), or set the value in one rule",
						"policy rules %s and %s both select this workload and set %s differently (%s sets %q)", prev.rule, r.cfg.Name, e.Field, prev.rule, prev.value)
				}
				continue
			}
			byKey[e.Key] = given{e.Value, r.cfg.Name}
			merged[annotations.Prefix+e.Key] = e.Value
			from[e.Key] = origin{SourceRulePrefix + r.cfg.Name, field}
		}
	}
}

// ruleEntries lists a rule's settings, its profile first.
func ruleEntries(r config.Rule) []config.SettingEntry {
	var out []config.SettingEntry
	if p := r.Settings.Profile; p != nil {
		out = append(out, config.SettingEntry{Key: annotations.KeyProfile, Field: "profile", Value: *p})
	}
	return append(out, r.Settings.Settings.Entries()...)
}

// dedupe drops repeated diagnostics (a key checked on its own and again
// among the merged settings), keeping the first of each.
func dedupe(l diag.List) diag.List {
	seen := make(map[diag.Diagnostic]bool, len(l))
	var out diag.List
	for _, d := range l {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
