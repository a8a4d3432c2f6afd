// Package cli holds what the two binaries share: loading the policy file,
// printing diagnostics and explanations, and the version string.
package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
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
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, diag.Ref{}, fmt.Errorf("cannot read policy: %w", err)
	}
	return ParsePolicy(data, path)
}

// ParsePolicy parses policy bytes; name is used in messages.
func ParsePolicy(data []byte, name string) (*config.Policy, diag.Ref, error) {
	node, err := yaml.Parse(string(data))
	if err != nil {
		return nil, diag.Ref{}, fmt.Errorf("policy %s: not valid YAML: %v", name, err)
	}
	return PolicyFromNode(node)
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

// LoadHistories reads every *.yaml file of dir as one resource (the
// ScalingHistory files of `ml-autoscaling record`); an empty dir gives none.
func LoadHistories(dir string) ([]*yaml.RNode, error) {
	if dir == "" {
		return nil, nil
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("history directory: %w", err)
	}
	sort.Strings(paths)
	var out []*yaml.RNode
	for _, p := range paths {
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
			return nil, fmt.Errorf("history %s: not a ScalingHistory (kind %q); the directory must hold only files written by `ml-autoscaling record`", p, n.GetKind())
		}
		out = append(out, n)
	}
	return out, nil
}
