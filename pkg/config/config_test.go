package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func parse(t *testing.T, s string) (*Policy, string) {
	t.Helper()
	n, err := yaml.Parse(s)
	require.NoError(t, err)
	p, d := Parse(n)
	return p, d.Error()
}

func TestDefaults(t *testing.T) {
	for _, p := range []*Policy{Default(), mustParse(t, "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: x}\n")} {
		require.Equal(t, HPADelete, p.Spec.HPAConflict)
		require.Equal(t, 16, p.KEDAMinor())
		require.Equal(t, 5*time.Minute, p.Spec.GPU.ColdStart.Duration)
		require.Equal(t, 70, p.Spec.GPU.UtilizationTarget)
		require.Equal(t, "pod", p.Spec.GPU.PodLabel)
		require.Equal(t, 8, p.Spec.Predictive.MaxWindows)
		require.Equal(t, 0.9, p.Spec.Predictive.Quantile)
		require.Equal(t, DefaultPrometheusAddress, p.PrometheusAddress())
	}
	p, _ := Parse(nil)
	require.NotNil(t, p)
}

func mustParse(t *testing.T, s string) *Policy {
	p, msg := parse(t, s)
	require.NotNil(t, p, msg)
	return p
}

func TestFullPolicy(t *testing.T) {
	p := mustParse(t, `apiVersion: ml-autoscaling.io/v1alpha1
kind: MLAutoscalingPolicy
metadata: {name: default}
spec:
  prometheus: {serverAddress: "http://prometheus-operated.monitoring.svc.cluster.local:9090", authSecret: prom-token}
  rabbitmq: {secret: rabbitmq-conn}
  defaults: {minReplicas: 1, maxReplicas: 10}
  profiles:
    celery-worker: {minReplicas: 2, maxReplicas: 20, rabbitmqMessagesPerReplica: 20}
  hpaConflict: adopt
  keepReplicas: true
  gpu: {coldStart: 5m, utilizationTarget: 70, clusterBudget: 16, podLabel: pod, namespaceLabel: namespace}
  predictive: {slot: 30m, quantile: 0.9, halfLife: 168h, leadTime: 5m, headroom: 0.1, maxWindows: 8, timezone: Europe/Berlin}
  kedaVersion: "2.18"
`)
	require.Equal(t, "prom-token", p.Spec.Prometheus.AuthSecret)
	require.Equal(t, "20", *p.Spec.Profiles["celery-worker"].MaxReplicas)
	require.Equal(t, 18, p.KEDAMinor())
	require.True(t, p.Spec.KeepReplicas)
	require.Equal(t, 168*time.Hour, p.Spec.Predictive.HalfLife.Duration)
	entries := p.Spec.Profiles["celery-worker"].Entries()
	require.Equal(t, []SettingEntry{{"min-replicas", "minReplicas", "2"}, {"max-replicas", "maxReplicas", "20"}, {"rabbitmq-messages-per-replica", "rabbitmqMessagesPerReplica", "20"}}, entries)
}

func TestConfigMapForm(t *testing.T) {
	p := mustParse(t, `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data:
  prometheus.serverAddress: http://thanos.monitoring.svc:9090
  profiles.llm-inference.maxReplicas: "4"
  keepReplicas: "true"
  gpu.coldStart: 10m
  predictive.quantile: "0.95"
`)
	require.Equal(t, "http://thanos.monitoring.svc:9090", p.Spec.Prometheus.ServerAddress)
	require.Equal(t, "4", *p.Spec.Profiles["llm-inference"].MaxReplicas)
	require.True(t, p.Spec.KeepReplicas)
	require.Equal(t, 10*time.Minute, p.Spec.GPU.ColdStart.Duration)
	require.Equal(t, 0.95, p.Spec.Predictive.Quantile)
}

func TestPolicyErrors(t *testing.T) {
	head := "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n"
	cases := map[string]struct{ body, want string }{
		"unknown field":         {"  keepReplica: true\n", "spec.keepReplica: unknown field; did you mean keepReplicas?"},
		"unknown nested field":  {"  gpu: {coldstart: 5m}\n", "spec.gpu.coldstart: unknown field; did you mean coldStart?"},
		"unknown profile field": {"  profiles: {w: {maxReplica: 3}}\n", "spec.profiles.w.maxReplica: unknown field; did you mean maxReplicas?"},
		"wrong type":            {"  keepReplicas: maybe\n", "cannot unmarshal"},
		"bad duration":          {"  gpu: {coldStart: soon}\n", "not a duration"},
		"bad enum":              {"  hpaConflict: ignore\n", `spec.hpaConflict: "ignore": unknown HPA conflict policy (allowed: delete, adopt, error)`},
		"bad keda version":      {"  kedaVersion: \"2.99\"\n", "2.16 to 2.21"},
		"credentials":           {"  prometheus: {serverAddress: \"http://u:pw@prom.monitoring:9090\"}\n", "plaintext credentials"},
		"not a url":             {"  prometheus: {serverAddress: prometheus}\n", "not an absolute URL"},
		"bad quantile":          {"  predictive: {quantile: 1.5}\n", "quantile out of range"},
		"bad slot":              {"  predictive: {slot: 7m}\n", "divides 24h"},
		"bad timezone":          {"  predictive: {timezone: Mars/Olympus}\n", "unknown time zone"},
		"bad gpu target":        {"  gpu: {utilizationTarget: 150}\n", "1 to 100"},
		"bad profile name":      {"  profiles: {Bad_Name: {}}\n", "invalid profile name"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p, msg := parse(t, head+c.body)
			require.Nil(t, p)
			require.Contains(t, msg, c.want)
			require.Contains(t, msg, "MLAutoscalingPolicy/p")
			require.NotContains(t, msg, "pw@")
		})
	}
	_, msg := parse(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")
	require.Contains(t, msg, "MLAutoscalingPolicy or ConfigMap")
	_, msg = parse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\ndata: {gpu.coldstart: 5m}\n")
	require.Contains(t, msg, "data.gpu.coldstart: unknown field; did you mean coldStart?")
}

func TestAddressHelpers(t *testing.T) {
	for addr, want := range map[string]bool{
		"http://prometheus:9090":                                  false,
		"http://localhost:9090":                                   false,
		"http://prometheus.monitoring:9090":                       true,
		"http://prometheus-operated.monitoring.svc.cluster.local": true,
		"http://10.0.0.5:9090":                                    true,
	} {
		require.Equal(t, want, IsNamespaceQualified(addr), addr)
	}
	require.True(t, HasCredentials("amqp://guest:guest@rabbitmq:5672/"))
	require.True(t, HasCredentials("http://host/path?token=abc"))
	require.False(t, HasCredentials("http://prometheus.monitoring:9090"))
	require.False(t, HasCredentials("sum(rate(x[5m]))"))
	require.Equal(t, "amqp://REDACTED@h:5672/", RedactURL("amqp://u:p@h:5672/"))
}

func TestStrictField(t *testing.T) {
	kind := "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n  strict: "
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n  strict: "
	cases := []struct {
		name, policy string
		want         bool
		err          string
	}{
		{"off by default", "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\n", false, ""},
		{"policy kind", kind + "true\n", true, ""},
		{"ConfigMap form", cm + "\"true\"\n", true, ""},
		{"ConfigMap form, off", cm + "\"false\"\n", false, ""},
		{"not a boolean", kind + "maybe\n", false, "spec"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, errs := parse(t, c.policy)
			if c.err != "" {
				require.Nil(t, p)
				require.Contains(t, errs, c.err)
				require.Contains(t, errs, "maybe")
				return
			}
			require.Empty(t, errs)
			require.Equal(t, c.want, p.Spec.Strict)
		})
	}
}
