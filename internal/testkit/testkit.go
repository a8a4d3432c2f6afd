// Package testkit holds helpers that tests of several packages share:
// reading resources and policies from YAML text.
package testkit

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Items reads a multi-document YAML stream into resources.
func Items(t testing.TB, s string) []*yaml.RNode {
	t.Helper()
	n, err := (&kio.ByteReader{Reader: strings.NewReader(s), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("reading resources: %v", err)
	}
	return n
}

// Policy parses an MLAutoscalingPolicy whose spec is the given YAML text
// (indented by two spaces); "" gives the built-in defaults.
func Policy(t testing.TB, spec string) *config.Policy {
	t.Helper()
	if spec == "" {
		return config.Default()
	}
	n, err := yaml.Parse("apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n" + spec)
	if err != nil {
		t.Fatalf("policy is not YAML: %v", err)
	}
	p, d := config.Parse(n)
	if d.HasErrors() {
		t.Fatalf("policy: %s", d.Error())
	}
	return p
}
