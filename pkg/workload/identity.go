package workload

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/yamltext"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// allowedName says what the API server accepts as a Deployment's or
// StatefulSet's name.
const allowedName = "a string of at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (DNS-1123 subdomain), e.g. celery-worker"

// AllowedNamespace says what the API server accepts as a namespace.
const AllowedNamespace = "a string of at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit (DNS-1123 label), e.g. ml"

// CheckIdentity reports what keeps an opted-in workload's metadata.name and
// metadata.namespace from naming the objects generated for it: a missing or
// empty name, a name or namespace that is not a string (a sequence, a
// mapping, a number), or one the API server would reject. The namespace may
// be omitted (the release namespace applies). What is copied onto the
// generated objects is checked too: labels the API server would reject,
// and a credential in Helm 4's file-name annotation.
func CheckIdentity(n *yaml.RNode, ref diag.Ref) diag.List {
	var out diag.List
	md := n.Field("metadata")
	var name, namespace *yaml.Node
	if md != nil && md.Value != nil && md.Value.YNode().Kind == yaml.MappingNode {
		name, namespace = field(md.Value, "name"), field(md.Value, "namespace")
	}
	if name == nil || isNull(name) || (name.Kind == yaml.ScalarNode && name.Value == "") {
		out.Errorf(ref, "metadata.name", "", allowedName, "an opted-in workload needs a name: its ScaledObject and TriggerAuthentications are named after it")
	} else {
		checkString(&out, ref, "metadata.name", name, allowedName, content.IsDNS1123Subdomain)
	}
	if namespace != nil && !isNull(namespace) {
		checkString(&out, ref, "metadata.namespace", namespace, AllowedNamespace, content.IsDNS1123Label)
	}
	checkLabels(&out, ref, n)
	if f, ok := n.GetAnnotations()[HelmFilenameAnnotation]; ok {
		out.CredentialError(ref, "metadata.annotations."+HelmFilenameAnnotation, f, "a file name without credentials (Helm 4 sets it to the template's path)")
	}
	return out
}

// HelmFilenameAnnotation is set by Helm 4 on post-rendered documents; it is
// copied from a workload onto its generated objects.
const HelmFilenameAnnotation = "postrenderer.helm.sh/postrender-filename"

// allowedLabel says what the API server accepts as a label.
const allowedLabel = "a label key (an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' and '.') and a value of at most 63 of those, starting and ending with a letter or digit"

// checkLabels reports the workload's labels the API server rejects: they
// are copied onto the generated objects, which must not carry what the
// workload could not (a credential, say, in a value with '=' or '@').
func checkLabels(out *diag.List, ref diag.Ref, n *yaml.RNode) {
	labels := n.GetLabels()
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case len(content.IsLabelKey(k)) > 0:
			out.Errorf(ref, "metadata.labels", k, allowedLabel, "the API server rejects this label key")
		case len(content.IsLabelValue(labels[k])) > 0:
			out.Errorf(ref, "metadata.labels."+k, labels[k], allowedLabel, "the API server rejects this label value")
		}
	}
}

// CheckNamespace returns what keeps ns from being a namespace (a DNS-1123
// label), or "" when it is one.
func CheckNamespace(ns string) string {
	if len(content.IsDNS1123Label(ns)) == 0 {
		return ""
	}
	return whyInvalid(ns, true)
}

func field(m *yaml.RNode, name string) *yaml.Node {
	f := m.Field(name)
	if f == nil || f.Value == nil {
		return nil
	}
	return f.Value.YNode()
}

func isNull(y *yaml.Node) bool {
	return y.Kind == yaml.ScalarNode && y.ShortTag() == "!!null"
}

// checkString reports a node that is not a string scalar, or whose value
// the validator rejects.
func checkString(out *diag.List, ref diag.Ref, path string, y *yaml.Node, allowed string, valid func(string) []string) {
	if y.Kind != yaml.ScalarNode || y.ShortTag() != "!!str" {
		out.Errorf(ref, path, yamltext.Snippet(y), allowed, "is %s, not a string", describe(y))
		return
	}
	if len(valid(y.Value)) > 0 {
		out.Errorf(ref, path, y.Value, allowed, "the API server rejects it: %s", whyInvalid(y.Value, path == "metadata.namespace"))
	}
}

// whyInvalid says which rule of DNS-1123 names s breaks (label: no dots,
// at most 63 characters; else a subdomain of at most 253).
func whyInvalid(s string, label bool) string {
	if s == "" {
		return "it is empty"
	}
	limit := 253
	if label {
		limit = 63
	}
	if len(s) > limit {
		return fmt.Sprintf("it is %d characters long, more than %d", len(s), limit)
	}
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			return "it has upper-case letters"
		case r == '.' && label:
			return "it has a '.'"
		case !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.'):
			return fmt.Sprintf("it has the character %q", r)
		}
	}
	for _, part := range strings.Split(s, ".") {
		switch {
		case part == "":
			return "it has an empty part before, between or after dots"
		case part[0] == '-' || part[len(part)-1] == '-':
			return "it (or a part between dots) starts or ends with '-'"
		}
	}
	return "it is not a DNS-1123 name"
}

// describe names the YAML kind of a node that is not a string.
func describe(y *yaml.Node) string {
	if y.Kind != yaml.ScalarNode {
		return yamltext.Kind(y)
	}
	switch y.ShortTag() {
	case "!!int":
		return "a number (quote it to make a string)"
	case "!!float":
		return "a number (quote it to make a string)"
	case "!!bool":
		return "a boolean (quote it to make a string)"
	case "!!str":
		return "a string"
	case "!!null":
		return "null (empty)"
	}
	return "a " + strings.TrimPrefix(y.ShortTag(), "!!") + " value"
}
