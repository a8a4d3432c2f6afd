package realcharts

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// How Kubernetes names the pods of the workloads in these charts, written
// down from Kubernetes' own sources (and not from this project's code):
//
//   - k8s.io/apimachinery pkg/util/rand/rand.go: the alphabet alphanums =
//     "bcdfghjklmnpqrstvwxz2456789"; String(n) draws n characters from it;
//     SafeEncodeString(s) maps every character c of s to
//     alphanums[int(c) % len(alphanums)];
//   - k8s.io/kubernetes pkg/controller/controller_utils.go ComputeHash: the
//     pod-template hash is SafeEncodeString(fmt.Sprint(hasher.Sum32())), a
//     32-bit number in decimal, encoded;
//   - pkg/controller/deployment/sync.go getNewReplicaSet: the ReplicaSet is
//     named d.Name + "-" + podTemplateSpecHash;
//   - pkg/controller/controller_utils.go getPodsPrefix: the pods of a
//     ReplicaSet (and of a Job) get GenerateName "<owner>-";
//   - k8s.io/apiserver pkg/storage/names/generate.go GenerateName: a base
//     longer than MaxGeneratedNameLength = 63 - 5 = 58 characters is cut to
//     58, then String(5) is appended;
//   - pkg/controller/cronjob/utils.go getJobName: a CronJob's Job is named
//     "<cronjob>-<scheduled time in minutes since the epoch>";
//   - pkg/controller/statefulset/stateful_set_utils.go getPodName: a
//     StatefulSet's pods are "<set>-<ordinal>", ordinals counted from
//     spec.ordinals.start (0 when unset).
const (
	k8sAlphabet        = "bcdfghjklmnpqrstvwxz2456789"
	k8sMaxGeneratedLen = 63 - k8sRandomLen
	k8sRandomLen       = 5
)

// k8sSafeEncode is rand.SafeEncodeString.
func k8sSafeEncode(s string) string {
	out := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = k8sAlphabet[int(s[i])%len(k8sAlphabet)]
	}
	return string(out)
}

// k8sRandom is rand.String(n) drawn from r.
func k8sRandom(r *rand.Rand, n int) string {
	out := make([]byte, n)
	for i := range out {
		out[i] = k8sAlphabet[r.IntN(len(k8sAlphabet))]
	}
	return string(out)
}

// k8sGenerateName is names.SimpleNameGenerator.GenerateName.
func k8sGenerateName(r *rand.Rand, base string) string {
	if len(base) > k8sMaxGeneratedLen {
		base = base[:k8sMaxGeneratedLen]
	}
	return base + k8sRandom(r, k8sRandomLen)
}

// k8sTemplateHash is the pod-template hash of a template whose FNV-32a sum is v.
func k8sTemplateHash(v uint32) string { return k8sSafeEncode(strconv.FormatUint(uint64(v), 10)) }

// hashSums returns template sums of every decimal length (1 to 10 digits),
// the extremes of each length, and n random ones of random length.
func hashSums(r *rand.Rand, n int) []uint32 {
	sums := []uint32{0, 9, math.MaxUint32}
	for p := uint64(10); p <= math.MaxUint32; p *= 10 {
		sums = append(sums, uint32(p), uint32(p-1))
	}
	for range n {
		digits := 1 + r.IntN(10)
		lo := uint64(math.Pow10(digits - 1))
		hi := min(uint64(math.Pow10(digits))-1, math.MaxUint32)
		if digits == 1 {
			lo = 0
		}
		sums = append(sums, uint32(lo+r.Uint64N(hi-lo+1)))
	}
	return sums
}

// podsOf returns names Kubernetes can give the pods of a workload: for a
// Deployment, perHash pods for each of hashes template sums; for a Job, n
// pods; for a CronJob, the pods of Jobs of n scheduled times; for a
// StatefulSet, the ordinals start … start+n-1.
func podsOf(r *rand.Rand, kind, name string, n, ordinalStart int) []string {
	var out []string
	switch kind {
	case "Deployment":
		for _, sum := range hashSums(r, n) {
			rs := name + "-" + k8sTemplateHash(sum)
			out = append(out, k8sGenerateName(r, rs+"-"), k8sGenerateName(r, rs+"-"))
		}
	case "StatefulSet":
		for o := ordinalStart; o < ordinalStart+n; o++ {
			out = append(out, fmt.Sprintf("%s-%d", name, o))
		}
	case "Job":
		for range n {
			out = append(out, k8sGenerateName(r, name+"-"))
		}
	case "CronJob":
		for range n {
			minutes := 29_000_000 + r.IntN(1_000_000) // scheduled times from 2025 on
			out = append(out, k8sGenerateName(r, fmt.Sprintf("%s-%d-", name, minutes)))
		}
	}
	return out
}

// dns1123Label is a DNS-1123 label (k8s.io/apimachinery
// pkg/util/validation IsDNS1123Label), without the length limit.
var dns1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// TestKubernetesNamingRules pins the generators above to what Kubernetes'
// sources state, so that the trigger tests' pod names are ones Kubernetes
// creates.
func TestKubernetesNamingRules(t *testing.T) {
	// SafeEncodeString on the decimal digits: '0' is 48, 48 % 27 = 21 → '4'
	require.Equal(t, "456789bcdf", k8sSafeEncode("0123456789"))
	require.Equal(t, "4", k8sTemplateHash(0), "a zero sum is the one-digit hash")
	require.Equal(t, "86f8fbc6f9", k8sTemplateHash(math.MaxUint32), "the longest hash has 10 characters")

	r := rand.New(rand.NewPCG(7, 7))
	tests := []struct {
		kind, name string
		cut        bool // every pod name is cut to 58 + 5 characters
	}{
		{"Deployment", "vllm", false},
		{"Deployment", strings.Repeat("a", 46), false}, // "<46>-<10>-" is 58: nothing is cut
		{"Deployment", strings.Repeat("b", 52), false},
		{"Deployment", strings.Repeat("c", 58), true},
		{"Deployment", strings.Repeat("d", 63), true},
		{"Job", "sentry-db-init", false},
		{"CronJob", "sentry-sentry-cleanup", false},
		{"StatefulSet", "airflow-worker", false},
	}
	for _, tt := range tests {
		pods := podsOf(r, tt.kind, tt.name, 40, 0)
		require.NotEmpty(t, pods)
		for _, p := range pods {
			require.LessOrEqual(t, len(p), 63, "%s %s: pod %q is longer than a name may be", tt.kind, tt.name, p)
			require.Regexp(t, dns1123Label, p, "%s %s: pod %q", tt.kind, tt.name, p)
			require.True(t, strings.HasPrefix(p, tt.name[:min(len(tt.name), k8sMaxGeneratedLen)]), "%s %s: pod %q", tt.kind, tt.name, p)
			if tt.cut {
				require.Len(t, p, k8sMaxGeneratedLen+k8sRandomLen, "%s %s: pod %q", tt.kind, tt.name, p)
			}
		}
	}
	// the hashes of a 52-character Deployment reach past the cut: its pods
	// keep 0 to 5 characters of the hash and lose the dash before the suffix
	cutSeen := false
	for _, p := range podsOf(r, "Deployment", strings.Repeat("e", 52), 100, 0) {
		cutSeen = cutSeen || len(p) == 63 && !strings.Contains(p[53:58], "-")
	}
	require.True(t, cutSeen, "no pod of a 52-character Deployment had its hash cut")
}
