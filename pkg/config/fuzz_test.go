package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/internal/leaktest"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// policySeeds returns every policy the repository holds: the golden cases'
// config.yaml, the examples and the bad-input catalogue's policy.yaml.
func policySeeds(t testing.TB) [][]byte {
	var files []string
	for _, g := range []string{
		"../../testdata/golden/*/config.yaml",
		"../../testdata/bad-input/*/policy.yaml",
		"../../examples/policy.yaml",
		"../../charts/ml-autoscaling/examples/policy.yaml",
	} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) == 0 {
			t.Fatalf("no seed file matches %s", g)
		}
		files = append(files, m...)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzParsePolicy parses random YAML as a policy and checks Parse's
// contract: no panic, the same answer twice, a policy exactly when there is
// no error, a returned policy within the validated ranges, every error
// naming its field and what is allowed, and no secret repeated in a message.
func FuzzParsePolicy(f *testing.F) {
	for _, s := range policySeeds(f) {
		f.Add(s)
	}
	f.Add([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n  prometheus.serverAddress: http://u:secret1@prom.monitoring:9090\n  profiles.a.b.maxReplicas: \"3\"\n"))
	f.Add([]byte("apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n  gpu: {coldStart: 5m, utilizationTarget: high}\n  predictive: {slot: 7m}\n"))
	f.Add([]byte("kind: MLAutoscalingPolicy\nspec: &s {defaults: *s}\n"))
	f.Add([]byte("apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n  predictive: {query: 'sum(up) auth_token=abcdef1'}\n  gpu: {podLabel: pod}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		node, err := yaml.Parse(string(data))
		if err != nil {
			return
		}
		p, d := config.Parse(node)
		p2, d2 := config.Parse(node)
		if !reflect.DeepEqual(p, p2) || !reflect.DeepEqual(d, d2) {
			t.Fatalf("Parse is not deterministic:\n%v\n%v", d, d2)
		}
		if (p == nil) != d.HasErrors() {
			t.Fatalf("policy %v returned with diagnostics %v", p, d)
		}
		for _, x := range d {
			if x.Severity == diag.Error && (x.Field == "" || x.Message == "" || x.Allowed == "") {
				if skipKnown() && x.Field == "" && strings.HasPrefix(x.Message, "unknown field") {
					t.Skip("known bug: an empty mapping key is reported without a field name")
				}
				t.Fatalf("error without field, message or allowed values: %#v", x)
			}
		}
		checkNoLeak(t, string(data), d)
		if p == nil {
			return
		}
		checkPolicy(t, p)
	})
}

// checkPolicy enforces the ranges Parse validates.
func checkPolicy(t *testing.T, p *config.Policy) {
	t.Helper()
	s := p.Spec
	switch s.HPAConflict {
	case config.HPADelete, config.HPAAdopt, config.HPAError:
	default:
		t.Fatalf("hpaConflict %q accepted", s.HPAConflict)
	}
	if m := p.KEDAMinor(); m < config.OldestKEDAMinor || m > config.NewestKEDAMinor {
		t.Fatalf("kedaVersion %q accepted (minor %d)", s.KEDAVersion, m)
	}
	if s.GPU.UtilizationTarget < 1 || s.GPU.UtilizationTarget > 100 || s.GPU.ClusterBudget < 0 || s.GPU.ScaleUpPods < 0 {
		t.Fatalf("gpu settings out of range: %+v", s.GPU)
	}
	pr := s.Predictive
	if pr.Slot.Duration <= 0 || pr.Quantile <= 0 || pr.Quantile > 1 || pr.MaxWindows < 1 || pr.MaxWindows > 48 || pr.Headroom < 0 || pr.Headroom > 10 {
		t.Fatalf("predictive settings out of range: %+v", pr)
	}
	if a := s.Prometheus.ServerAddress; a != "" && config.CheckServerAddress(a) != "" {
		t.Fatalf("server address %q accepted: %s", a, config.CheckServerAddress(a))
	}
	for name := range s.Profiles {
		if !config.IsDNSLabel(name) {
			t.Fatalf("profile name %q accepted", name)
		}
	}
	if p.PrometheusAddress() == "" {
		t.Fatal("empty Prometheus address")
	}
	checkNoCredential(t, p)
}

// checkNoCredential fails when an accepted policy holds a credential in
// any of its values.
func checkNoCredential(t *testing.T, p *config.Policy) {
	t.Helper()
	text, err := yaml.Marshal(p.Spec)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && diag.HasCredential(n.Value) {
			t.Fatalf("policy with a credential accepted: %q", n.Value)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
}

// checkNoLeak fails when a diagnostic repeats a secret of the input.
func checkNoLeak(t *testing.T, input string, d diag.List) {
	t.Helper()
	if secret, msg := leaktest.Repeated(input, d); secret != "" {
		t.Fatalf("diagnostic repeats the secret %q: %s", secret, msg)
	}
}

// skipKnown reports whether inputs that hit an already reported bug should
// be skipped rather than fail (ML_AUTOSCALING_FUZZ_SKIP_KNOWN=1), for long
// fuzzing runs; plain go test always fails on them.
func skipKnown() bool { return os.Getenv("ML_AUTOSCALING_FUZZ_SKIP_KNOWN") == "1" }
