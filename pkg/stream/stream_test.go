package stream

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/gen"
	"github.com/stretchr/testify/require"
)

// TestSplitJoinsBackExactly checks that documents and their separators
// reassemble the input byte for byte, whatever the separators look like.
func TestSplitJoinsBackExactly(t *testing.T) {
	pieces := []string{"---\n", "--- # comment\n", "---\r\n", "a: 1\n", "b: |\n  ---x\n", "# c\n", "\n", "c: 2", "----\n", "...\n"}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		for j := r.Intn(12); j > 0; j-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		in := b.String()
		var out strings.Builder
		for _, d := range Split([]byte(in)) {
			out.Write(d.Sep)
			out.Write(d.Body)
		}
		require.Equal(t, in, out.String())
	}
	in := gen.Stream(gen.Options{Resources: 30, OptedIn: 0.1, Seed: 2})
	require.Len(t, Split(in), 30)
}

func TestSeparatorDetection(t *testing.T) {
	for line, want := range map[string]bool{"---\n": true, "---": true, "--- # x\n": true, "---\r\n": true, "----\n": false, "--x\n": false, " ---\n": false} {
		require.Equal(t, want, isSeparator([]byte(line)), line)
	}
}

func TestInterestingAndBlank(t *testing.T) {
	require.True(t, Interesting([]byte("kind: HorizontalPodAutoscaler")))
	require.True(t, Interesting([]byte("  ml-autoscaling.io/enabled: \"true\"")))
	require.False(t, Interesting([]byte("kind: ConfigMap\n")))
	require.True(t, IsBlank([]byte("# only\n\n  # comments\n")))
	require.False(t, IsBlank([]byte("a: 1\n")))
}
