// Package cli holds what the two binaries share: loading the policy file,
// printing diagnostics and explanations, and the version string.
package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/stream"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/transform"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=v1.2.3";
// otherwise the module version from the build info is used.
var Version = ""

// VersionString returns the program version.
func VersionString() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// ConfigEnv names the environment variable that points at the policy file.
const ConfigEnv = "ML_AUTOSCALING_CONFIG"

// LoadPolicy reads and parses a policy file (MLAutoscalingPolicy or
// ConfigMap). An empty path yields the built-in defaults.
func LoadPolicy(path string) (*config.Policy, diag.Ref, error) {
	if path == "" {
		return config.Default(), diag.Ref{}, nil
	}
	data, err := ReadPolicyFile(path)
	if err != nil {
		return nil, diag.Ref{}, err
	}
	return ParsePolicy(data, path)
}

// MaxPolicyBytes is the largest policy file read.
const MaxPolicyBytes = 1 << 20

// ReadPolicyFile reads a policy file of at most MaxPolicyBytes, so that a
// device or a huge file given by mistake is refused, not held in memory.
func ReadPolicyFile(path string) ([]byte, error) {
	data, ok, err := ReadFileLimited(path, MaxPolicyBytes)
	switch {
	case err != nil:
		return nil, fmt.Errorf("cannot read policy: %w", err)
	case !ok:
		return nil, fmt.Errorf("policy %s: larger than %d bytes (1 MiB), the most a policy file may hold (limit: policy size)", path, MaxPolicyBytes)
	}
	return data, nil
}

// ParsePolicy parses policy bytes; name is used in messages.
func ParsePolicy(data []byte, name string) (*config.Policy, diag.Ref, error) {
	node, err := PolicyDocument(data, name)
	if err != nil {
		return nil, diag.Ref{}, err
	}
	return PolicyFromNode(node)
}

// onePolicy says what a policy file must hold.
const onePolicy = "a policy file holds exactly one YAML document, an MLAutoscalingPolicy or a ConfigMap"

// PolicyDocument returns the single document of a policy file. No document,
// an empty one, or more than one (also empty ones around the policy, as a
// stray "---" makes) are errors that count the documents and say which are
// empty: a second policy would otherwise be ignored, or an empty first
// document would silently select the built-in defaults. A byte-order mark
// at the start of the file or of a document is dropped, as in manifests.
func PolicyDocument(data []byte, name string) (*yaml.RNode, error) {
	dec := yaml.NewDecoder(bytes.NewReader(stream.Clean(stream.Split(data))))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("policy %s: not valid YAML (document %d): %v", name, len(docs)+1, err)
		}
		docs = append(docs, &doc)
	}
	switch {
	case len(docs) == 0:
		return nil, fmt.Errorf("policy %s is empty (no YAML document): %s", name, onePolicy)
	case len(docs) == 1 && !isEmptyDocument(docs[0]):
		return yaml.NewRNode(docs[0]), nil
	case len(docs) == 1:
		return nil, fmt.Errorf("policy %s holds only an empty YAML document: %s", name, onePolicy)
	}
	parts := make([]string, len(docs))
	for i, d := range docs {
		parts[i] = fmt.Sprintf("%d: %s", i+1, describeDocument(d))
	}
	return nil, fmt.Errorf("policy %s holds %d YAML documents (%s): %s", name, len(docs), strings.Join(parts, ", "), onePolicy)
}

func isEmptyDocument(d *yaml.Node) bool {
	return len(d.Content) == 0 || (d.Content[0].Kind == yaml.ScalarNode && d.Content[0].ShortTag() == "!!null")
}

// describeDocument names a document of a policy file: empty, its kind and
// name, or what YAML it is.
func describeDocument(d *yaml.Node) string {
	if isEmptyDocument(d) {
		return "empty"
	}
	n := yaml.NewRNode(d)
	if n.YNode().Kind != yaml.MappingNode {
		return "not a mapping"
	}
	if workload.MalformedMetadata(n) != "" {
		return n.GetKind()
	}
	if k := n.GetKind(); k != "" {
		return k + "/" + n.GetName()
	}
	return "a mapping without kind"
}

// PolicyFromNode parses a policy node; errors come back as a diag.List.
func PolicyFromNode(node *yaml.RNode) (*config.Policy, diag.Ref, error) {
	var ref diag.Ref
	if node != nil && !node.IsNilOrEmpty() && node.YNode().Kind == yaml.MappingNode {
		ref = workload.RefOf(node)
	}
	p, d := config.Parse(node)
	if d.HasErrors() {
		return nil, ref, d.Errors()
	}
	return p, ref, nil
}

// PrintDiagnostics writes one line per diagnostic.
func PrintDiagnostics(w io.Writer, l diag.List) {
	for _, d := range l {
		fmt.Fprintf(w, "%s: %s\n", d.Severity, d.Error())
	}
}

// LoadHistories reads the ScalingHistory files of `ml-autoscaling record`
// given with --history: path is one such file, or a directory whose *.yaml
// and *.yml files are read, each as one resource; an empty path gives none.
func LoadHistories(path string) ([]*yaml.RNode, error) {
	if path == "" {
		return nil, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("history: %w (allowed: a ScalingHistory file or a directory of them)", err)
	}
	paths := []string{path}
	if fi.IsDir() {
		yamls, _ := filepath.Glob(filepath.Join(path, "*.yaml"))
		ymls, _ := filepath.Glob(filepath.Join(path, "*.yml"))
		paths = append(yamls, ymls...)
		sort.Strings(paths)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("history %s is neither a file nor a directory (allowed: a ScalingHistory file or a directory of them)", path)
	}
	var out []*yaml.RNode
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("history %s is not a regular file but a named pipe, a device or a directory (allowed: ScalingHistory files; a named pipe would block the render)", p)
		}
		b, ok, err := ReadFileLimited(p, history.MaxBytes)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("history %s: holds more than %d bytes (allowed: at most 32 MiB per history file (limit: history size))", p, history.MaxBytes)
		}
		docs, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
		if err != nil {
			return nil, fmt.Errorf("history %s: not valid YAML: %v", p, err)
		}
		if len(docs) > 1 {
			return nil, fmt.Errorf("history %s: holds more than one document (%d); `ml-autoscaling record` writes one ScalingHistory per file", p, len(docs))
		}
		n, err := yaml.Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("history %s: not valid YAML: %v", p, err)
		}
		if n.IsNilOrEmpty() || n.GetKind() != "ScalingHistory" {
			return nil, fmt.Errorf("history %s: not a ScalingHistory (kind %q); --history takes only files written by `ml-autoscaling record`", p, n.GetKind())
		}
		out = append(out, n)
	}
	return out, nil
}

// StrictEnv names the environment variable for --strict.
const StrictEnv = "ML_AUTOSCALING_STRICT"

// Strict resolves strict mode from the command line and the environment:
// the --strict flag when it was given, else ML_AUTOSCALING_STRICT when set,
// else nil, which leaves the decision to the policy's spec.strict.
func Strict(flagGiven, flagValue bool, getenv func(string) string) (*transform.Switch, error) {
	if flagGiven {
		return &transform.Switch{On: flagValue, Source: "--strict=" + strconv.FormatBool(flagValue)}, nil
	}
	switch v := getenv(StrictEnv); v {
	case "":
		return nil, nil
	case "true", "false":
		return &transform.Switch{On: v == "true", Source: StrictEnv + "=" + v}, nil
	default:
		var l diag.List
		l.Errorf(diag.Ref{}, "environment variable "+StrictEnv, v, "true or false", "not a boolean")
		return nil, l
	}
}
