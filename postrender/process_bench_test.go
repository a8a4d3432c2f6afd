package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/gen"
	"github.com/ml-autoscaling/ml-autoscaling/internal/testbin"
)

// benchProcess runs a binary on stdin once per iteration and reports the
// peak resident memory of the last run (maxrss-KB).
func benchProcess(b *testing.B, bin string, in []byte, args ...string) {
	b.Helper()
	var rss int64
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		cmd := exec.Command(bin, args...)
		cmd.Stdin = bytes.NewReader(in)
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss
		}
	}
	b.ReportMetric(float64(rss), "maxrss-KB")
}

// BenchmarkWholeProcess measures start to exit of the shipped post-renderer
// and KRM function against a kyaml identity binary on the same stream:
// 50 resources (a typical chart: start-up dominates) and 50,000 (peak memory).
func BenchmarkWholeProcess(b *testing.B) {
	identity := testbin.Build(b, "./internal/identity", "identity")
	pr := testbin.Build(b, "./postrender", "ml-autoscaling-postrender")
	fn := testbin.Build(b, "./fn", "ml-autoscaling")
	policy := filepath.Join(b.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: default}\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{50, 500, 5000, 50000} {
		in := gen.Stream(gen.Options{Resources: n, OptedIn: 0.1, Seed: 1})
		b.Run(fmt.Sprintf("identity/resources=%d", n), func(b *testing.B) { benchProcess(b, identity, in) })
		b.Run(fmt.Sprintf("postrender/resources=%d", n), func(b *testing.B) { benchProcess(b, pr, in) })
		b.Run(fmt.Sprintf("function/resources=%d", n), func(b *testing.B) { benchProcess(b, fn, in, policy, "-") })
	}
}
