package scope

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
)

// subject is what a rule sees of a workload.
type subject struct {
	kind, name string
	// namespace is the workload's own or the release namespace; "" when unknown.
	namespace         string
	labels, podLabels map[string]string
	images            []string
}

// rule is a policy rule, compiled.
type rule struct {
	cfg     config.Rule
	path    string // spec.rules[<name>]
	match   selector
	exclude *selector
}

type selector struct {
	kinds                     []string
	names, namespaces, images []glob
	labels, podLabels         *config.LabelSelector
}

func compileSelector(s config.Selector) selector {
	return selector{kinds: s.Kinds, names: globs(s.Names), namespaces: globs(s.Namespaces), images: globs(s.Images), labels: s.Labels, podLabels: s.PodLabels}
}

func compileRules(p *config.Policy) []*rule {
	out := make([]*rule, len(p.Spec.Rules))
	for i, r := range p.Spec.Rules {
		c := &rule{cfg: r, path: r.Path(i), match: compileSelector(r.Match)}
		if r.Exclude != nil {
			x := compileSelector(*r.Exclude)
			c.exclude = &x
		}
		out[i] = c
	}
	return out
}

// verdict is a selector's answer for one workload.
type verdict int

const (
	noMatch verdict = iota
	matches
	// unknownNamespace: everything else matches, and the selector names
	// namespaces while the workload's namespace is unknown.
	unknownNamespace
)

func (s *selector) test(w subject) verdict {
	switch {
	case len(s.kinds) > 0 && !slices.Contains(s.kinds, w.kind),
		len(s.names) > 0 && !anyGlob(s.names, w.name),
		len(s.images) > 0 && !slices.ContainsFunc(w.images, func(img string) bool { return anyGlob(s.images, img) }),
		s.labels != nil && !selects(s.labels, w.labels),
		s.podLabels != nil && !selects(s.podLabels, w.podLabels):
		return noMatch
	}
	if len(s.namespaces) > 0 {
		if w.namespace == "" {
			return unknownNamespace
		}
		if !anyGlob(s.namespaces, w.namespace) {
			return noMatch
		}
	}
	return matches
}

// outcome is what one rule decided for one workload.
type outcome int

const (
	// notSelected: the rule's match does not hold.
	notSelected outcome = iota
	selected
	// excluded: the match holds and so does the exclude.
	excluded
	// undecided: the answer depends on the unknown namespace.
	undecided
)

func (r *rule) apply(w subject) outcome {
	switch r.match.test(w) {
	case noMatch:
		return notSelected
	case unknownNamespace:
		return undecided
	}
	if r.exclude == nil {
		return selected
	}
	switch r.exclude.test(w) {
	case matches:
		return excluded
	case unknownNamespace:
		return undecided
	}
	return selected
}

// describe summarises the rule's match for explanations.
func (r *rule) describe() string {
	m := r.cfg.Match
	var parts []string
	add := func(name string, vals []string) {
		if len(vals) > 0 {
			parts = append(parts, name+" "+strings.Join(vals, ","))
		}
	}
	add("kinds", m.Kinds)
	add("names", m.Names)
	add("namespaces", m.Namespaces)
	if m.Labels != nil {
		parts = append(parts, "labels "+selectorText(m.Labels))
	}
	if m.PodLabels != nil {
		parts = append(parts, "podLabels "+selectorText(m.PodLabels))
	}
	add("images", m.Images)
	return strings.Join(parts, "; ")
}

func selectorText(s *config.LabelSelector) string {
	var parts []string
	keys := make([]string, 0, len(s.MatchLabels))
	for k := range s.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+s.MatchLabels[k])
	}
	for _, e := range s.MatchExpressions {
		if len(e.Values) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", e.Key, e.Operator, strings.Join(e.Values, ",")))
		} else {
			parts = append(parts, e.Key+" "+e.Operator)
		}
	}
	return strings.Join(parts, ",")
}

// markers returns strings of which every document the rule can select
// contains at least one, for the post-renderer's cheap scan: the fixed
// parts of its name or image globs, or the values (else the key) of a label
// it requires, whichever set has the longest shortest string; the kinds
// when it requires none of those. A workload whose metadata cannot be read
// has no name and no labels, so these hold for it too.
func (r *rule) markers() []string {
	m := r.cfg.Match
	var best []string
	for _, set := range [][]string{literals(m.Names), literals(m.Images), requiredLabel(m.Labels), requiredLabel(m.PodLabels)} {
		if len(set) > 0 && (best == nil || shortest(set) > shortest(best)) {
			best = set
		}
	}
	if best != nil {
		return best
	}
	if len(m.Kinds) > 0 {
		return m.Kinds
	}
	return config.RuleKinds
}

func shortest(set []string) int {
	n := len(set[0])
	for _, s := range set[1:] {
		n = min(n, len(s))
	}
	return n
}

// literals returns the fixed part of every glob, or nil when one has none.
func literals(gs []string) []string {
	if len(gs) == 0 {
		return nil
	}
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		l := glob(g).literal()
		if l == "" {
			return nil
		}
		out = append(out, l)
	}
	return out
}

// requiredLabel returns strings of which any labels the selector holds for
// contain one: the value a matchLabels entry requires (its key when the
// value is empty), or the values of an In expression, or the key of an
// Exists expression; the most selective of those, by the same measure.
func requiredLabel(s *config.LabelSelector) []string {
	if s == nil {
		return nil
	}
	var best []string
	consider := func(set []string) {
		if len(set) > 0 && shortest(set) > 0 && (best == nil || shortest(set) > shortest(best)) {
			best = set
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.MatchLabels)) {
		if v := s.MatchLabels[k]; v != "" {
			consider([]string{v})
		} else {
			consider([]string{k})
		}
	}
	for _, e := range s.MatchExpressions {
		switch e.Operator {
		case config.OpIn:
			consider(e.Values)
		case config.OpExists:
			consider([]string{e.Key})
		}
	}
	return best
}
