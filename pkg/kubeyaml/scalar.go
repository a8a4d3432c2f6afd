package kubeyaml

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kubeScalar is what Kubernetes reads from a scalar whose text it reads
// differently: the decoded text of a !!binary scalar, or the JSON form of a
// number (go-yaml v2 reads 010 as 8, 0x10 as 16 and 1_000 as 1000, and
// encoding/json writes 8.0 as 8).
type kubeScalar struct {
	value, tag string
	// problem is why Kubernetes cannot decode the scalar at all ("" when it can).
	problem string
}

// yamlFloat is go-yaml v2's syntax of a decimal float.
var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// readScalar returns what Kubernetes reads from scalar n (a key when key is
// set) and whether that differs from n's text. Scalars tagged !!binary are
// base64-decoded; plain scalars that go-yaml v2 resolves to numbers, and
// scalars tagged !!int or !!float, become the number Kubernetes receives.
func readScalar(n *yaml.Node, key bool) (kubeScalar, bool) {
	if n.Kind != yaml.ScalarNode {
		return kubeScalar{}, false
	}
	tag := n.ShortTag()
	if tag == "!!binary" {
		return readBinary(n.Value)
	}
	quoted := n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	if explicit := n.Style&yaml.TaggedStyle != 0; explicit && tag != "!!int" && tag != "!!float" || !explicit && quoted {
		return kubeScalar{}, false
	}
	text, isInt, ok := "", false, false
	if n.Value != "" && strings.ContainsRune("+-.0123456789", rune(n.Value[0])) {
		text, isInt, ok = jsonNumber(n.Value)
	}
	switch {
	case !ok && n.Style&yaml.TaggedStyle != 0:
		return kubeScalar{problem: "a value tagged " + tag + " that is not a number"}, true
	case !ok:
		return kubeScalar{}, false
	case tag == "!!int" && !isInt && n.Style&yaml.TaggedStyle != 0:
		return kubeScalar{problem: "a value tagged !!int that is not a whole number"}, true
	case key:
		return kubeScalar{value: keyNumber(text, isInt), tag: "!!str"}, keyNumber(text, isInt) != n.Value
	case isInt:
		return kubeScalar{value: text, tag: "!!int"}, text != n.Value || n.Style != 0
	}
	return kubeScalar{value: text, tag: "!!float"}, text != n.Value || n.Style != 0
}

// ReadsDifferently reports whether Kubernetes reads scalar n otherwise than
// its text says (see Read), or cannot read it.
func ReadsDifferently(n *yaml.Node) bool {
	_, changed := readScalar(n, false)
	return changed
}

// readBinary decodes a !!binary scalar as go-yaml v2 does.
func readBinary(v string) (kubeScalar, bool) {
	data, err := base64.StdEncoding.DecodeString(v)
	switch {
	case err != nil:
		return kubeScalar{problem: "a !!binary value that is not base64"}, true
	case !utf8.Valid(data):
		return kubeScalar{problem: "a !!binary value whose bytes are not UTF-8 text"}, true
	}
	return kubeScalar{value: string(data), tag: "!!str"}, true
}

// jsonNumber returns the JSON text of the number go-yaml v2 reads from a
// plain scalar, whether it is an integer, and false when v2 reads no number.
func jsonNumber(v string) (string, bool, bool) {
	plain := strings.ReplaceAll(v, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return strconv.FormatInt(i, 10), true, true
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return strconv.FormatUint(u, 10), true, true
	}
	if !yamlFloat.MatchString(plain) {
		return "", false, false
	}
	f, err := strconv.ParseFloat(plain, 64)
	if err != nil {
		return "", false, false
	}
	b, err := json.Marshal(f)
	if err != nil {
		return "", false, false
	}
	_, intErr := strconv.ParseInt(string(b), 10, 64)
	return string(b), intErr == nil, true
}

// keyNumber is the map key Kubernetes makes of a number: sigs.k8s.io/yaml
// writes an integer in decimal and a float as go-yaml does.
func keyNumber(text string, isInt bool) string {
	if isInt {
		return text
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return text
	}
	return strconv.FormatFloat(f, 'g', -1, 32)
}
