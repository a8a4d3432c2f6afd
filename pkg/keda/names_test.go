package keda

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestHPANameFor(t *testing.T) {
	long := "prod-llama-3-1-8b-instruct-fp8-deployment-vllm-inference" // 55: keda-hpa-<it> is 64
	for _, c := range []struct {
		workload, chosen, want string
		set                    bool
	}{
		{"worker", "", "keda-hpa-worker", false},
		{long[:54], "", "keda-hpa-" + long[:54], false},
		{long, "", "keda-hpa-prod-llama-3-1-8b-instruct-fp8-deployment-vll-" + sha8("keda-hpa-"+long), true},
		{"worker", "my-hpa", "my-hpa", true},
		{long, "llama-hpa", "llama-hpa", true},
	} {
		got, set := HPANameFor(c.workload, c.chosen)
		require.Equal(t, c.want, got, c.workload)
		require.Equal(t, c.set, set, c.workload)
		require.LessOrEqual(t, len(got), MaxNameLength, c.workload)
	}
}

func TestShortenGivesDistinctLabels(t *testing.T) {
	seen := map[string]string{}
	for _, name := range []string{
		strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("a", 253),
		"keda-hpa-" + strings.Repeat("b", 54) + "-x", "keda-hpa-" + strings.Repeat("b", 54) + "-y",
		"my.app.example.com-" + strings.Repeat("c", 50), strings.Repeat("d", 53) + "----" + strings.Repeat("e", 10),
	} {
		got := Shorten(name, MaxNameLength)
		require.Empty(t, validation.IsDNS1123Label(got), "%s → %s", name, got)
		require.NotContains(t, seen, got, "%s and %s", name, seen[got])
		seen[got] = name
		require.Equal(t, got, Shorten(name, MaxNameLength), "deterministic")
	}
	require.Equal(t, "short", Shorten("short", MaxNameLength))
	require.Equal(t, strings.Repeat("a", 63), ScaledObjectName(strings.Repeat("a", 63)))
	require.Len(t, ScaledObjectName(strings.Repeat("a", 64)), 63)
}

func sha8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}
