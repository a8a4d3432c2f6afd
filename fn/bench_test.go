package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/gen"
)

// BenchmarkStandalone runs the function's standalone mode in process on a
// 50-resource stream (what a whole-process run does after start-up).
func BenchmarkStandalone(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in.yaml")
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(in, gen.Stream(gen.Options{Resources: 50, OptedIn: 0.1, Seed: 1}), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(policy, []byte("apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := runFn(policy, in); err != nil {
			b.Fatal(err)
		}
	}
}
