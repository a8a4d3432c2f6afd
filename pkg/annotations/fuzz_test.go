package annotations_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/internal/leaktest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// fuzzRef is the workload every fuzzed annotation map belongs to.
var fuzzRef = diag.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ml", Name: "fuzz"}

// decodeAnnotations turns fuzzed text into an annotation map: one
// "key=value" per line (the value is everything after the first '='); a
// key without '/' gets the ml-autoscaling.io/ prefix, so that mutations stay
// close to the contract while foreign keys remain possible.
func decodeAnnotations(text string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		k, v, _ := strings.Cut(line, "=")
		if !strings.Contains(k, "/") {
			k = annotations.Prefix + k
		}
		m[k] = v
	}
	return m
}

// encodeAnnotations is the inverse of decodeAnnotations for seeds.
func encodeAnnotations(m map[string]string) string {
	var lines []string
	for _, k := range sortedKeys(m) {
		v := strings.ReplaceAll(m[k], "\n", " ")
		lines = append(lines, strings.TrimPrefix(k, annotations.Prefix)+"="+v)
	}
	return strings.Join(lines, "\n")
}

// sortedKeys returns the keys of m in order, so that seeds are stable.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fuzzPolicy is a policy with defaults, profiles and a RabbitMQ Secret, so
// that every precedence level takes part.
func fuzzPolicy() *config.Policy {
	str := func(v string) *string { return &v }
	p := config.Default()
	p.Spec.RabbitMQ.Secret = "rabbitmq-conn"
	p.Spec.Defaults = config.Settings{MaxReplicas: str("12"), CooldownPeriod: str("2m")}
	p.Spec.Profiles = map[string]config.Settings{
		"celery-worker": {MinReplicas: str("2"), MaxReplicas: str("20"), RabbitMQMessagesPerReplica: str("20")},
		"gpu":           {GPUUtilization: str("80"), QueuePerReplica: str("3"), HPAConflict: str("adopt")},
	}
	return p
}

// annotationSeeds reads the annotations of every workload in the golden
// inputs and the bad-input catalogue.
func annotationSeeds(t testing.TB) []string {
	var files []string
	for _, g := range []string{"../../testdata/golden/*/input*.yaml", "../../testdata/bad-input/*/stdin.yaml"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			t.Fatalf("no seed file matches %s", g)
		}
		files = append(files, m...)
	}
	var seeds []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(b), OmitReaderAnnotations: true}).Read()
		if err != nil {
			continue // malformed catalogue inputs have no usable annotations
		}
		for _, n := range nodes {
			if n.YNode().Kind != yaml.MappingNode || workload.MalformedMetadata(n) != "" {
				continue // kyaml's getters panic on malformed metadata
			}
			if a := n.GetAnnotations(); annotations.HasAny(a) {
				seeds = append(seeds, encodeAnnotations(a))
			}
		}
	}
	return seeds
}

// FuzzParseAnnotations feeds random annotation maps to Parse and checks
// its contract: no panic, the same answer twice, a Spec exactly when there
// is no error, a Spec within the documented bounds, every error naming the
// field and what is allowed, and no credential repeated in a message.
func FuzzParseAnnotations(f *testing.F) {
	for _, s := range annotationSeeds(f) {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Add("enabled=true\nmin-replicas=3\nmax-replicas=2\ncpu-utilization=50", false)
	f.Add("enabled=true\nprofile=celery-worker\nrabbitmq-queue=q\nidle-replicas=0", true)
	f.Add("enabled=true\nrabbitmq-queue=amqp://user:secret@rabbit:5672/vhost", false)
	f.Add("enabled=yes\nmax-replica=3\nexample.com/other=x", false)
	f.Add("enabled=true\npolling-interval=1h30m\ncooldown-period=0\nprometheus-query=sum(up)\nprometheus-threshold=1e-3", true)
	f.Fuzz(func(t *testing.T, text string, withPolicy bool) {
		ann := decodeAnnotations(text)
		policy := config.Default()
		if withPolicy {
			policy = fuzzPolicy()
		}
		var (
			spec, spec2 *annotations.Spec
			d, d2       diag.List
		)
		within(t, 5*time.Second, func() {
			spec, d = annotations.Parse(fuzzRef, ann, policy)
			spec2, d2 = annotations.Parse(fuzzRef, ann, policy)
		})
		if !reflect.DeepEqual(spec, spec2) || !reflect.DeepEqual(d, d2) {
			t.Fatalf("Parse is not deterministic:\n%+v\n%+v", d, d2)
		}
		if (spec == nil) != d.HasErrors() {
			t.Fatalf("spec %v returned with diagnostics %v", spec, d)
		}
		for _, x := range d {
			checkDiagnostic(t, x)
		}
		checkNoLeak(t, ann, d)
		if spec != nil {
			checkSpec(t, spec)
		}
		_ = annotations.ValidateSettings(diag.Ref{}, policy)
	})
}

// checkDiagnostic enforces the message contract on one diagnostic: an
// error names the resource, the field, what is wrong and what is allowed.
func checkDiagnostic(t *testing.T, x diag.Diagnostic) {
	t.Helper()
	if x.Severity == diag.Error {
		if x.Resource != fuzzRef {
			t.Fatalf("error names resource %v, want %v: %s", x.Resource, fuzzRef, x.Error())
		}
		if x.Field == "" || x.Message == "" || x.Allowed == "" {
			t.Fatalf("error without field, message or allowed values: %#v", x)
		}
	}
}

// checkNoLeak fails when a diagnostic repeats a secret of an annotation value.
func checkNoLeak(t *testing.T, ann map[string]string, d diag.List) {
	t.Helper()
	for _, v := range ann {
		if secret, msg := leaktest.Repeated(v, d); secret != "" {
			t.Fatalf("diagnostic repeats the secret %q of %q: %s", secret, v, msg)
		}
	}
}

// checkSpec enforces the documented bounds of a valid Spec.
func checkSpec(t *testing.T, s *annotations.Spec) {
	t.Helper()
	in := func(name string, v *int32, lo, hi int32) {
		if v != nil && (*v < lo || *v > hi) {
			t.Fatalf("%s = %d, outside [%d, %d]", name, *v, lo, hi)
		}
	}
	if s.MinReplicas < 0 || s.MaxReplicas < 1 || s.MinReplicas > s.MaxReplicas || s.MaxReplicas > annotations.MaxReplicasLimit {
		t.Fatalf("bounds min=%d max=%d", s.MinReplicas, s.MaxReplicas)
	}
	if s.IdleReplicas != nil && (*s.IdleReplicas < 0 || *s.IdleReplicas >= s.MinReplicas) {
		t.Fatalf("idle=%d with min=%d", *s.IdleReplicas, s.MinReplicas)
	}
	in("pollingInterval", s.PollingInterval, 1, 86400)
	in("cooldownPeriod", s.CooldownPeriod, 0, 86400)
	in("cpuUtilization", s.CPUUtilization, 1, 1000)
	in("memoryUtilization", s.MemoryUtilization, 1, 1000)
	in("gpuBudget", s.GPUBudget, 1, annotations.MaxReplicasLimit)
	g := s.GPUUtilization
	in("gpuUtilization", &g, 1, 100)
	if s.GPU != "auto" && s.GPU != "off" {
		t.Fatalf("gpu = %q", s.GPU)
	}
	switch s.InferenceServer {
	case "", annotations.ServerVLLM, annotations.ServerTGI, annotations.ServerTriton, annotations.ServerNone:
	default:
		t.Fatalf("inference server %q", s.InferenceServer)
	}
	switch s.HPAConflict {
	case config.HPADelete, config.HPAAdopt, config.HPAError:
	default:
		t.Fatalf("hpa conflict %q", s.HPAConflict)
	}
	if r := s.RabbitMQ; r != nil {
		if len(r.Queues) == 0 || r.MessagesPerReplica == "" {
			t.Fatalf("RabbitMQ trigger without queue or target: %+v", r)
		}
		if diag.HasCredential(strings.Join(r.Queues, ",")) || diag.HasCredential(r.Secret) {
			t.Fatalf("credential accepted in a RabbitMQ setting: %+v", r)
		}
	}
	if p := s.Prometheus; p != nil && (p.Query == "" || p.Threshold == "") {
		t.Fatalf("Prometheus trigger without query or threshold: %+v", p)
	}
	if p := s.Prometheus; p != nil && diag.HasCredential(p.Query) {
		t.Fatalf("credential accepted in a Prometheus query: %q", p.Query)
	}
}

// within runs fn and fails the test, with every goroutine's stack, when fn
// does not return within limit: a hang becomes a failing input instead of a
// stalled fuzzing worker.
func within(t *testing.T, limit time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		buf := make([]byte, 1<<20)
		t.Fatalf("no answer within %v:\n%s", limit, buf[:runtime.Stack(buf, true)])
	}
}
