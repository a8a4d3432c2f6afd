package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/stretchr/testify/require"
)

// TestGoldenOutputsAreValidKEDA validates every object every golden case
// emits against KEDA v2.21.0's CRD schemas, strict decoding into its Go
// types and its offline validators — both the stored expected.yaml and a
// fresh run.
func TestGoldenOutputsAreValidKEDA(t *testing.T) {
	checked := 0
	for _, c := range goldenCases(t, true) {
		t.Run(c.name, func(t *testing.T) {
			expected, err := os.ReadFile(filepath.Join(c.dir, "expected.yaml"))
			require.NoError(t, err)
			require.NoError(t, kedatest.ValidateStream(expected))
			out, _, err := runFn(append([]string{c.config}, c.inputs...)...)
			require.NoError(t, err)
			require.NoError(t, kedatest.ValidateStream([]byte(out)))
		})
		checked++
	}
	require.Greater(t, checked, 15)
}
