package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Rule selects workloads by what the rendered manifests say about them (kind,
// name, namespace, labels, images) and gives them settings, so that a chart
// that exposes no annotation can be autoscaled without changing it.
type Rule struct {
	// Name identifies the rule in explanations and messages: a DNS label, unique in the policy.
	Name string `yaml:"name"`
	// Match selects workloads: every field given must match; a list matches when any of its entries does.
	Match Selector `yaml:"match"`
	// Exclude removes workloads from what Match selected; same fields and semantics.
	Exclude *Selector `yaml:"exclude,omitempty"`
	// Settings apply to every selected workload, below its own annotations and above its profile.
	Settings RuleSettings `yaml:"settings,omitempty"`
}

// Selector picks workloads. Every field that is given must match.
type Selector struct {
	// Kinds are workload kinds: Deployment, StatefulSet.
	Kinds []string `yaml:"kinds,omitempty"`
	// Names are globs on metadata.name: * matches any run of characters, ? one character.
	Names []string `yaml:"names,omitempty"`
	// Namespaces are globs on the namespace; a resource without one is in the release namespace.
	Namespaces []string `yaml:"namespaces,omitempty"`
	// Labels select by the workload's metadata.labels.
	Labels *LabelSelector `yaml:"labels,omitempty"`
	// PodLabels select by the pod template's metadata.labels.
	PodLabels *LabelSelector `yaml:"podLabels,omitempty"`
	// Images are globs on the image of any (non-init) container; * also matches / and :.
	Images []string `yaml:"images,omitempty"`
}

// LabelSelector is a Kubernetes label selector: every matchLabels entry and
// every expression must hold.
type LabelSelector struct {
	// MatchLabels are labels that must be present with exactly these values.
	MatchLabels map[string]string `yaml:"matchLabels,omitempty"`
	// MatchExpressions are requirements with the operators In, NotIn, Exists and DoesNotExist.
	MatchExpressions []LabelRequirement `yaml:"matchExpressions,omitempty"`
}

// LabelRequirement is one entry of matchExpressions.
type LabelRequirement struct {
	// Key is the label key.
	Key string `yaml:"key"`
	// Operator is In, NotIn, Exists or DoesNotExist.
	Operator string `yaml:"operator"`
	// Values are required for In and NotIn, and must be absent for Exists and DoesNotExist.
	Values []string `yaml:"values,omitempty"`
}

// RuleSettings are the settings a rule gives: a profile and any per-workload setting.
type RuleSettings struct {
	// Profile names a profile of the policy, as the profile annotation does.
	Profile *string `yaml:"profile,omitempty"`
	// Settings are any per-workload setting, in camelCase as in spec.defaults.
	Settings `yaml:",inline"`
}

// Label selector operators.
const (
	OpIn           = "In"
	OpNotIn        = "NotIn"
	OpExists       = "Exists"
	OpDoesNotExist = "DoesNotExist"
)

// RuleKinds are the workload kinds a rule may select.
var RuleKinds = []string{"Deployment", "StatefulSet"}

// Path returns the field path of rule i in messages: spec.rules[<name>], or
// spec.rules[<i>] when the rule has no usable name.
func (r Rule) Path(i int) string {
	if IsDNSLabel(r.Name) {
		return "spec.rules[" + r.Name + "]"
	}
	return "spec.rules[" + strconv.Itoa(i) + "]"
}

// IsEmpty reports whether the selector gives no field at all.
func (s Selector) IsEmpty() bool {
	return len(s.Kinds) == 0 && len(s.Names) == 0 && len(s.Namespaces) == 0 &&
		s.Labels == nil && s.PodLabels == nil && len(s.Images) == 0
}

// validateRules checks every rule: name, selectors, globs, label selectors
// and the profile it names. Setting values are checked with the annotation
// rules by the annotations package.
func (p *Policy) validateRules(ref diag.Ref, out *diag.List) {
	seen := map[string]int{}
	for i, r := range p.Spec.Rules {
		path := r.Path(i)
		switch {
		case r.Name == "":
			out.Errorf(ref, path+".name", "", "a DNS label (lower-case letters, digits and '-') naming the rule", "missing rule name")
		case !IsDNSLabel(r.Name):
			out.Errorf(ref, path+".name", r.Name, "a DNS label (lower-case letters, digits and '-')", "invalid rule name")
		default:
			if j, dup := seen[r.Name]; dup {
				out.Errorf(ref, path+".name", r.Name, "one rule per name", "a second rule with this name (the first is rule %d)", j)
			}
			seen[r.Name] = i
		}
		if r.Match.IsEmpty() {
			out.Errorf(ref, path+".match", "", "at least one of kinds, names, namespaces, labels, podLabels, images",
				"empty match: a rule must say which workloads it selects")
		}
		checkSelector(ref, path+".match", r.Match, out)
		if r.Exclude != nil {
			if r.Exclude.IsEmpty() {
				out.Errorf(ref, path+".exclude", "", "at least one of kinds, names, namespaces, labels, podLabels, images, or no exclude",
					"empty exclude: it would exclude every workload the rule selects")
			}
			checkSelector(ref, path+".exclude", *r.Exclude, out)
		}
		if pr := r.Settings.Profile; pr != nil {
			if _, ok := p.Spec.Profiles[*pr]; !ok {
				out.Errorf(ref, path+".settings.profile", *pr, profileNames(p.Spec.Profiles), "no such profile in the policy")
			}
		}
	}
}

func profileNames(m map[string]Settings) string {
	if len(m) == 0 {
		return "none: the policy defines no profiles"
	}
	return strings.Join(sortedKeys(m), ", ")
}

func checkSelector(ref diag.Ref, path string, s Selector, out *diag.List) {
	for i, k := range s.Kinds {
		if !slices.Contains(RuleKinds, k) {
			out.Errorf(ref, fmt.Sprintf("%s.kinds[%d]", path, i), k, strings.Join(RuleKinds, ", "), "not a kind the tool scales")
		}
	}
	checkGlobs(ref, path+".names", s.Names, 253, isNameGlobChar, "lower-case letters, digits, '-', '.', and the wildcards * and ?", out)
	checkGlobs(ref, path+".namespaces", s.Namespaces, 63, isNameGlobChar, "lower-case letters, digits, '-', and the wildcards * and ?", out)
	checkGlobs(ref, path+".images", s.Images, 512, isImageGlobChar, "an image reference (letters, digits, . _ - / : @) with the wildcards * and ?", out)
	checkLabelSelector(ref, path+".labels", s.Labels, out)
	checkLabelSelector(ref, path+".podLabels", s.PodLabels, out)
}

func isNameGlobChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '*' || r == '?'
}

func isImageGlobChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/:@*?", r)
}

// checkGlobs rejects empty globs, globs longer than limit, and characters
// that cannot occur in what they match (which includes the bracket and
// brace syntax of other glob dialects, not supported here).
func checkGlobs(ref diag.Ref, path string, globs []string, limit int, ok func(rune) bool, allowed string, out *diag.List) {
	for i, g := range globs {
		field := fmt.Sprintf("%s[%d]", path, i)
		if g == "" {
			out.Errorf(ref, field, "", allowed, "empty glob")
			continue
		}
		if len(g) > limit {
			out.Errorf(ref, field, g, fmt.Sprintf("at most %d characters", limit), "glob too long")
			continue
		}
		for _, r := range g {
			if !ok(r) {
				out.Errorf(ref, field, g, allowed, "bad glob: %q cannot match (only * and ? are wildcards)", r)
				break
			}
		}
	}
}

func checkLabelSelector(ref diag.Ref, path string, s *LabelSelector, out *diag.List) {
	if s == nil {
		return
	}
	if len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
		out.Errorf(ref, path, "", "matchLabels and/or matchExpressions", "empty label selector: it would select every workload")
	}
	for _, k := range slices.Sorted(maps.Keys(s.MatchLabels)) {
		if msg := LabelKeyProblem(k); msg != "" {
			out.Errorf(ref, path+".matchLabels."+k, k, "a label key: [DNS subdomain/]name, name ≤ 63 of letters, digits, - _ . starting and ending alphanumeric", "%s", msg)
		}
		if msg := LabelValueProblem(s.MatchLabels[k]); msg != "" {
			out.Errorf(ref, path+".matchLabels."+k, s.MatchLabels[k], "a label value: ≤ 63 of letters, digits, - _ . starting and ending alphanumeric", "%s", msg)
		}
	}
	for i, e := range s.MatchExpressions {
		field := fmt.Sprintf("%s.matchExpressions[%d]", path, i)
		if msg := LabelKeyProblem(e.Key); msg != "" {
			out.Errorf(ref, field+".key", e.Key, "a label key: [DNS subdomain/]name", "%s", msg)
		}
		switch e.Operator {
		case OpIn, OpNotIn:
			if len(e.Values) == 0 {
				out.Errorf(ref, field+".values", "", "at least one value for "+e.Operator, "no values")
			}
		case OpExists, OpDoesNotExist:
			if len(e.Values) > 0 {
				out.Errorf(ref, field+".values", strings.Join(e.Values, ","), "no values for "+e.Operator, "values given")
			}
		default:
			out.Errorf(ref, field+".operator", e.Operator, "In, NotIn, Exists, DoesNotExist", "not a label selector operator")
		}
		for j, v := range e.Values {
			if msg := LabelValueProblem(v); msg != "" {
				out.Errorf(ref, fmt.Sprintf("%s.values[%d]", field, j), v, "a label value", "%s", msg)
			}
		}
	}
}

// LabelKeyProblem says what is wrong with a label key, or "" when it is valid.
func LabelKeyProblem(k string) string {
	prefix, name, hasPrefix := strings.Cut(k, "/")
	if !hasPrefix {
		name, prefix = prefix, ""
	}
	if hasPrefix && (prefix == "" || !IsDNSName(prefix)) {
		return "the prefix before / is not a DNS subdomain"
	}
	if name == "" {
		return "empty label name"
	}
	return labelTextProblem(name, "label name")
}

// LabelValueProblem says what is wrong with a label value, or "" when it is valid.
func LabelValueProblem(v string) string {
	if v == "" {
		return ""
	}
	return labelTextProblem(v, "label value")
}

func labelTextProblem(s, what string) string {
	if len(s) > 63 {
		return what + " longer than 63 characters"
	}
	if !isLabelText(s) {
		return "not a valid " + what
	}
	return ""
}

// isLabelText reports whether s starts and ends with a letter or digit and
// holds only letters, digits, '-', '_' and '.'.
func isLabelText(s string) bool {
	alnum := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' }
	if !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.' {
			return false
		}
	}
	return true
}

// isRuleKey reports whether a ConfigMap data key belongs to the rules.
func isRuleKey(k string) bool { return k == "rules" || strings.HasPrefix(k, "rules.") }

// unflattenRules reads the rules of a ConfigMap policy. A rule is one key,
// rules.<name>, whose value is the rule without its name, as YAML (match,
// exclude, settings): label keys hold dots and lists hold globs, which no
// flattening with dots could spell. Rules come in the order of their names.
func unflattenRules(data map[string]string, sortedKeys []string) (*yaml.Node, error) {
	var seq *yaml.Node
	for _, k := range sortedKeys {
		if !isRuleKey(k) {
			continue
		}
		name, ok := strings.CutPrefix(k, "rules.")
		if !ok || name == "" || strings.Contains(name, ".") {
			return nil, fmt.Errorf("key %q: a rule is one key rules.<name> whose value is the rule as YAML (match, exclude, settings)", k)
		}
		var body yaml.Node
		if err := yaml.Unmarshal([]byte(data[k]), &body); err != nil {
			return nil, fmt.Errorf("key %q: the rule is not valid YAML: %s", k, cleanYAMLError(err))
		}
		m := &body
		if m.Kind == yaml.DocumentNode && len(m.Content) == 1 {
			m = m.Content[0]
		}
		if m.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("key %q: the rule must be a YAML mapping with match, exclude and settings", k)
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == "name" {
				return nil, fmt.Errorf("key %q: the rule's name is the part of the key after rules.; remove name from the value", k)
			}
		}
		rule := &yaml.Node{Kind: yaml.MappingNode, Content: append([]*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "name"}, {Kind: yaml.ScalarNode, Value: name},
		}, m.Content...)}
		if seq == nil {
			seq = &yaml.Node{Kind: yaml.SequenceNode}
		}
		seq.Content = append(seq.Content, rule)
	}
	return seq, nil
}
