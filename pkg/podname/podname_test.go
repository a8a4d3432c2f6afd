package podname

import (
	"fmt"
	"math"
	mathrand "math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation"
)

// The generators below follow Kubernetes' own naming code, not this package:
//
//   - k8s.io/kubernetes pkg/controller/controller_utils.go ComputeHash: the
//     pod-template hash is rand.SafeEncodeString(fmt.Sprint(fnv32a.Sum32()))
//     (k8s.io/apimachinery pkg/util/rand SafeEncodeString maps every decimal
//     digit onto the alphabet "bcdfghjklmnpqrstvwxz2456789");
//   - k8s.io/kubernetes pkg/controller/deployment/sync.go
//     (*DeploymentController).getNewReplicaSet: the ReplicaSet is named
//     d.Name + "-" + podTemplateSpecHash, and the API server refuses it unless
//     it is a DNS-1123 subdomain (at most 253 characters);
//   - k8s.io/kubernetes pkg/controller/controller_utils.go getPodsPrefix: a
//     ReplicaSet's pods get GenerateName <rs>-, or <rs> when that is no valid
//     name prefix (ValidatePodName(prefix, true), NameIsDNSSubdomain);
//   - k8s.io/apiserver pkg/storage/names/generate.go
//     simpleNameGenerator.GenerateName: the prefix is cut to
//     MaxGeneratedNameLength (63 - 5 = 58) and utilrand.String(5) appended;
//   - k8s.io/kubernetes pkg/controller/statefulset/stateful_set_utils.go
//     getPodName: fmt.Sprintf("%s-%d", set.Name, ordinal); StatefulSet names
//     are DNS-1123 labels (pkg/apis/apps/validation ValidateStatefulSetName).

// k8sHash is the pod-template hash of a template whose FNV-32a sum is v.
func k8sHash(v uint32) string { return rand.SafeEncodeString(fmt.Sprint(v)) }

// deploymentPods returns n pod names per hash for Deployment name.
func deploymentPods(name string, hashes []string, n int) []string {
	var out []string
	for _, h := range hashes {
		rs := name + "-" + h
		if len(validation.IsDNS1123Subdomain(rs)) > 0 {
			continue // the ReplicaSet cannot exist
		}
		prefix := rs + "-"
		if len(apivalidation.NameIsDNSSubdomain(prefix, true)) > 0 {
			prefix = rs
		}
		if len(prefix) > 58 {
			prefix = prefix[:58]
		}
		for range n {
			out = append(out, prefix+rand.String(5))
		}
	}
	return out
}

// statefulSetPods returns the pods of ordinals start … last.
func statefulSetPods(name string, start, last int64) []string {
	var out []string
	for o := start; o <= last; o++ {
		out = append(out, fmt.Sprintf("%s-%d", name, o))
	}
	return out
}

// hashValues are sums at every boundary of the hash's length, and random ones.
func hashValues(r *mathrand.Rand) []uint32 {
	vs := []uint32{0, math.MaxUint32, 1000000000, 4000000000}
	for p := uint32(1); p < 1000000000; p *= 10 {
		vs = append(vs, p, p*10-1)
	}
	for range 8 {
		vs = append(vs, r.Uint32())
	}
	return vs
}

func hashesOf(vs []uint32) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = k8sHash(v)
	}
	return out
}

// decodeHash returns the decimal digits a hash encodes, or false.
func decodeHash(h string) (string, bool) {
	digitOf := map[byte]byte{}
	for d := byte('0'); d <= '9'; d++ {
		digitOf[rand.SafeEncodeString(string(d))[0]] = d
	}
	out := make([]byte, len(h))
	for i := 0; i < len(h); i++ {
		d, ok := digitOf[h[i]]
		if !ok {
			return "", false
		}
		out[i] = d
	}
	return string(out), true
}

// startsValidHash reports whether some hash of length n (a uint32 in
// decimal, encoded) starts with seen.
func startsValidHash(seen string, n int) bool {
	digits, ok := decodeHash(seen)
	if !ok || n < 1 || n > 10 || len(seen) > n {
		return false
	}
	if n > 1 && len(seen) > 0 && digits[0] == '0' {
		return false
	}
	smallest := digits + strings.Repeat("0", n-len(seen))
	if n > 1 && len(seen) == 0 {
		smallest = "1" + strings.Repeat("0", n-1)
	}
	v, err := strconv.ParseUint(smallest, 10, 64)
	return err == nil && v <= math.MaxUint32
}

// producible reports whether Kubernetes can give a pod of w the name pod.
func producible(w Workload, pod string) bool {
	if w.Kind == "StatefulSet" {
		ord, ok := strings.CutPrefix(pod, w.Name+"-")
		o, err := strconv.ParseInt(ord, 10, 64)
		return ok && err == nil && strconv.FormatInt(o, 10) == ord && o >= 0 && o <= w.MaxOrdinal
	}
	if len(pod) <= 5 || strings.Trim(pod[len(pod)-5:], Alphabet) != "" {
		return false
	}
	base := pod[:len(pod)-5]
	for n := 1; n <= 10; n++ {
		rs := w.Name + "-" + strings.Repeat("4", n)
		if len(validation.IsDNS1123Subdomain(rs)) > 0 {
			continue
		}
		full := rs + "-"
		if len(apivalidation.NameIsDNSSubdomain(full, true)) > 0 {
			full = rs
		}
		cut := full[:min(len(full), 58)]
		if len(cut) != len(base) || !strings.HasPrefix(base, cut[:min(len(cut), len(w.Name)+1)]) {
			continue
		}
		if len(cut) <= len(w.Name)+1 {
			return true // the hash is cut off entirely
		}
		seen := base[len(w.Name)+1 : min(len(base), len(w.Name)+1+n)]
		if len(cut) > len(w.Name)+1+n && base[len(w.Name)+1+n] != '-' {
			continue
		}
		if startsValidHash(seen, n) {
			return true
		}
	}
	return false
}

func matcher(t *testing.T, w Workload) *regexp.Regexp {
	t.Helper()
	re, err := regexp.Compile("^(?:" + Pattern(w) + ")$") // PromQL anchors =~ like this
	require.NoError(t, err)
	return re
}

// nameOf returns a random valid name of length n for kind, drawn mostly
// from the characters that hashes and random suffixes use.
func nameOf(r *mathrand.Rand, kind string, n int) string {
	const chars = "bcdf456789-xyz0a13"
	for {
		b := make([]byte, n)
		for i := range b {
			b[i] = chars[r.Intn(len(chars))]
			if kind == "Deployment" && r.Intn(40) == 0 {
				b[i] = '.'
			}
		}
		b[0], b[n-1] = 'v', 'm'
		if valid(kind, string(b)) {
			return string(b)
		}
	}
}

func valid(kind, name string) bool {
	if kind == "StatefulSet" {
		return len(validation.IsDNS1123Label(name)) == 0
	}
	return len(validation.IsDNS1123Subdomain(name)) == 0
}

// siblings returns names of other workloads likely to be confused with name:
// longer names that continue it with hash characters, shorter ones that it
// continues, names that share its first 58 characters, and unrelated ones.
func siblings(r *mathrand.Rand, name string) []string {
	out := []string{name + "-small", name + "x"}
	for _, v := range []uint32{7, 65, 1234, 3000000000, r.Uint32()} {
		h := k8sHash(v)
		out = append(out, name+"-"+h, name+"-"+h+"-"+k8sHash(r.Uint32()), name+"-"+h[:1], name+"-"+h+rand.String(3))
	}
	// hash characters that may or may not be a hash; ten of them start with
	// an encoded 1 to 3 (the pattern allows ten-digit hashes above
	// 4294967295, which no sum has)
	for n := 1; n <= 10; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = "456789bcdf"[r.Intn(10)]
		}
		if n == 10 {
			b[0] = "567"[r.Intn(3)]
		}
		out = append(out, name+"-"+string(b), name+"-4"+string(b[1:]))
	}
	for k := 1; k < len(name); k++ {
		if name[k] == '-' || r.Intn(8) == 0 {
			out = append(out, name[:k])
		}
	}
	if len(name) >= 58 {
		out = append(out, name[:58]+"z", name[:58]+"-x1", name[:57]+"b")
	}
	for len(out[len(out)-1]) < 60 {
		out = append(out, out[len(out)-1]+"-"+k8sHash(r.Uint32()))
	}
	return out
}

// TestPatternsAgainstKubernetesNames generates pod names per Kubernetes'
// rules for workloads of every name length, and checks that a workload's
// pattern matches all of its pods, and a pod of another workload only when
// Collision reports the pair (with a name both can really have).
func TestPatternsAgainstKubernetesNames(t *testing.T) {
	r := mathrand.New(mathrand.NewSource(1))
	hashes := hashesOf(hashValues(r))
	lengths := []int{}
	for n := 1; n <= 63; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 64, 70, 100, 200, 241, 242, 243, 253)
	collisions, checked := 0, 0
	for _, kind := range []string{"Deployment", "StatefulSet"} {
		for _, n := range lengths {
			if kind == "StatefulSet" && n > 63 {
				continue
			}
			a := Workload{Kind: kind, Name: nameOf(r, kind, n), MaxOrdinal: 12}
			re := matcher(t, a)
			own := ownPods(a, hashes)
			for _, p := range own {
				require.True(t, re.MatchString(p), "%s %s (%d characters): pattern %s misses its pod %s", kind, a.Name, n, Pattern(a), p)
			}
			for _, sib := range siblings(r, a.Name) {
				for _, bk := range []string{"Deployment", "StatefulSet"} {
					if !valid(bk, sib) || (bk == kind && sib == a.Name) {
						continue
					}
					b := Workload{Kind: bk, Name: sib, MaxOrdinal: 99999}
					witness, reported := Collision(a, b)
					if reported {
						collisions++
						require.True(t, re.MatchString(witness), "%s vs %s: witness %s does not match %s", a.Name, b.Name, witness, Pattern(a))
						require.True(t, producible(b, witness), "%s %s cannot have a pod %s (reported against %s)", bk, b.Name, witness, a.Name)
						require.True(t, producible(a, witness), "%s %s cannot have a pod %s (reported against %s)", kind, a.Name, witness, b.Name)
					}
					for _, p := range ownPods(b, hashes) {
						checked++
						if re.MatchString(p) && !reported {
							t.Fatalf("%s %s: pattern %s matches pod %s of %s %s, and the collision is not reported", kind, a.Name, Pattern(a), p, bk, b.Name)
						}
					}
				}
			}
		}
	}
	t.Logf("%d sibling pods checked, %d colliding pairs reported", checked, collisions)
	require.Greater(t, collisions, 50, "the generated siblings must include colliding names")
}

func ownPods(w Workload, hashes []string) []string {
	if w.Kind == "StatefulSet" {
		pods := statefulSetPods(w.Name, 0, min(w.MaxOrdinal, 30))
		return append(pods, statefulSetPods(w.Name, max(w.MaxOrdinal-30, 31), w.MaxOrdinal)...)
	}
	return deploymentPods(w.Name, hashes, 2)
}

func TestCollisionCases(t *testing.T) {
	long := "prod-llama-3-1-8b-instruct-fp8-deployment-vllm-inference-server" // 63
	dep := func(n string) Workload { return Workload{Kind: "Deployment", Name: n} }
	sts := func(n string, maxOrdinal int64) Workload {
		return Workload{Kind: "StatefulSet", Name: n, MaxOrdinal: maxOrdinal}
	}
	for _, c := range []struct {
		name string
		a, b Workload
		want bool
	}{
		{"a short name and a longer one", dep("vllm"), dep("vllm-small"), false},
		{"the longer one and the short one", dep("vllm-small"), dep("vllm"), false},
		{"a name continued by hash characters", dep("vllm"), dep("vllm-7c9"), false},
		{"names sharing their first 58 characters", dep(long), dep(long[:58] + "-canary"), true},
		{"a 57-character name and a 59-character one", dep(long[:57]), dep(long[:57] + "-b"), true},
		{"a cut hash that spells the other name", dep(long[:50]), dep(long[:50] + "-" + k8sHash(123456)), true},
		{"a cut hash that cannot be a hash", dep(long[:50]), dep(long[:50] + "-" + "4bcdf4"), false},
		{"Deployment and StatefulSet of one name", dep("shard"), sts("shard", 9), false},
		{"StatefulSet whose ordinals look like a random suffix", dep("web"), sts("web-db", 99999), true},
		{"the same StatefulSet below 22222 replicas", dep("web"), sts("web-db", 22221), false},
		{"StatefulSets of one prefix", sts("shard", 100), sts("shard-1", 100), false},
	} {
		w, got := Collision(c.a, c.b)
		require.Equal(t, c.want, got, "%s: %s vs %s (witness %q)", c.name, c.a.Name, c.b.Name, w)
		if got {
			require.True(t, producible(c.b, w), "%s: %s", c.name, w)
		}
	}
}

func TestPatternText(t *testing.T) {
	const r = "[24-9b-df-hj-np-tv-xz]{5}"
	for _, c := range []struct {
		w    Workload
		want string
	}{
		{Workload{Kind: "Deployment", Name: "vllm"}, `vllm-(?:[4-9b-df]|[5-9b-df][4-9b-df]{1,9})-` + r},
		{Workload{Kind: "Deployment", Name: "llm.v2"}, `llm\.v2-(?:[4-9b-df]|[5-9b-df][4-9b-df]{1,9})-` + r},
		{Workload{Kind: "Deployment", Name: strings.Repeat("a", 57)}, strings.Repeat("a", 57) + "-" + r},
		{Workload{Kind: "Deployment", Name: strings.Repeat("a", 70)}, strings.Repeat("a", 58) + r},
		{Workload{Kind: "Deployment", Name: strings.Repeat("a", 252)}, `[^\x00-\x{10FFFF}]`},
		{Workload{Kind: "StatefulSet", Name: "shard", MaxOrdinal: 3}, `shard-[0-3]`},
		{Workload{Kind: "StatefulSet", Name: "shard", MaxOrdinal: 120}, `shard-(?:[0-9]|[1-9][0-9]|1[01][0-9]|120)`},
	} {
		require.Equal(t, c.want, Pattern(c.w), c.w.Name)
	}
}

func TestStatefulSetOrdinals(t *testing.T) {
	for _, limit := range []int64{0, 7, 9, 10, 19, 20, 99, 100, 305, 999, 1000, 22221, 4294967295} {
		w := Workload{Kind: "StatefulSet", Name: "s", MaxOrdinal: limit}
		re := matcher(t, w)
		for _, o := range []int64{0, 1, 9, 10, 11, 99, 100, 101, limit - 1, limit, limit + 1, limit * 10} {
			if o < 0 {
				continue
			}
			name := fmt.Sprintf("s-%d", o)
			require.Equal(t, o <= limit, re.MatchString(name), "limit %d, ordinal %d (%s)", limit, o, Pattern(w))
		}
		require.False(t, re.MatchString("s-01"), "leading zero")
	}
}
