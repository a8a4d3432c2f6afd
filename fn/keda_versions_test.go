package main

import (
	"os"
	"testing"

	kedav1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	"github.com/ml-autoscaling/ml-autoscaling/internal/kedatest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// TestGoldenScaledObjectsMeetTheirKEDAVersions decodes every golden
// ScaledObject into KEDA v2.21.0's type and runs KEDA's offline admission
// checks, and, where the case's policy allows KEDA 2.16, the stricter 2.16
// fallback rules: GPU fallbacks must hold on every version the policy names.
func TestGoldenScaledObjectsMeetTheirKEDAVersions(t *testing.T) {
	on216, with216Fallback := 0, 0
	for _, c := range goldenCases(t, true) {
		b, err := os.ReadFile(c.config)
		require.NoError(t, err)
		n, err := yaml.Parse(string(b))
		require.NoError(t, err)
		policy, d := config.Parse(n)
		require.False(t, d.HasErrors(), "case %s: %s", c.name, d.Error())
		for _, o := range expectedOutput(t, c) {
			if o.GetKind() != "ScaledObject" {
				continue
			}
			s, err := o.String()
			require.NoError(t, err)
			var so kedav1.ScaledObject
			require.NoError(t, sigsyaml.UnmarshalStrict([]byte(s), &so), "case %s", c.name)
			require.NoError(t, kedatest.KEDAAccepts(&so), "case %s", c.name)
			if policy.KEDAMinor() <= 16 {
				on216++
				require.NoError(t, kedatest.ValidateV216Fallback(&so), "case %s", c.name)
				if so.Spec.Fallback != nil {
					with216Fallback++
				}
			}
		}
	}
	require.Positive(t, on216)
	require.Positive(t, with216Fallback, "no golden case has a fallback on KEDA 2.16")
}
