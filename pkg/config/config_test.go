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
		"wrong type":            {"  keepReplicas: maybe\n", `spec.keepReplicas: "maybe": not true or false (allowed: true or false (a boolean))`},
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
		"bad metric name":       {"  gpu: {utilizationMetric: \"DCGM_FI_DEV_GPU_UTIL{gpu=\\\"0\\\"}\"}\n", "spec.gpu.utilizationMetric"},
		"unknown metric scale":  {"  gpu: {utilizationMetric: my_gpu_busy}\n", "needs utilizationScale"},
		"negative scale":        {"  gpu: {utilizationScale: -1}\n", "spec.gpu.utilizationScale"},
		"bad label preset":      {"  gpu: {dcgmLabels: exported}\n", "unknown DCGM label preset (allowed: pod, pod_name, exported_pod)"},
		"preset and labels":     {"  gpu: {dcgmLabels: exported_pod, podLabel: pod}\n", "either dcgmLabels or podLabel/namespaceLabel"},
		"label injection":       {"  gpu: {podLabel: \"pod=~\\\".*\\\",x\"}\n", "spec.gpu.podLabel"},
		"bad static fallback":   {"  gpu: {staticFallback: min}\n", `spec.gpu.staticFallback: "min": unknown fallback (allowed: none, max)`},
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

func TestDCGMSettings(t *testing.T) {
	head := "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n"
	cases := []struct {
		name, body        string
		podLabel, nsLabel string
		mig               bool
		metric            string
		scale             float64
		fallback          string
	}{
		{"defaults", "", "pod", "namespace", false, DCGMGPUUtil, 100, StaticFallbackNone},
		{"MIG default", "", "pod", "namespace", true, DCGMGrEngineActive, 1, StaticFallbackNone},
		{"ServiceMonitor preset", "  gpu: {dcgmLabels: exported_pod}\n", "exported_pod", "exported_namespace", false, DCGMGPUUtil, 100, StaticFallbackNone},
		{"old exporter preset", "  gpu: {dcgmLabels: pod_name}\n", "pod_name", "pod_namespace", false, DCGMGPUUtil, 100, StaticFallbackNone},
		{"explicit labels", "  gpu: {podLabel: exported_pod, namespaceLabel: exported_namespace}\n", "exported_pod", "exported_namespace", false, DCGMGPUUtil, 100, StaticFallbackNone},
		{"preset equal to labels", "  gpu: {dcgmLabels: pod_name, podLabel: pod_name}\n", "pod_name", "pod_namespace", false, DCGMGPUUtil, 100, StaticFallbackNone},
		{"profiling metric", "  gpu: {utilizationMetric: DCGM_FI_PROF_SM_ACTIVE}\n", "pod", "namespace", false, "DCGM_FI_PROF_SM_ACTIVE", 1, StaticFallbackNone},
		{"policy metric wins for MIG", "  gpu: {utilizationMetric: DCGM_FI_PROF_SM_ACTIVE}\n", "pod", "namespace", true, "DCGM_FI_PROF_SM_ACTIVE", 1, StaticFallbackNone},
		{"own metric with scale", "  gpu: {utilizationMetric: \"gpu:busy_percent\", utilizationScale: 100}\n", "pod", "namespace", false, "gpu:busy_percent", 100, StaticFallbackNone},
		{"fallback max", "  gpu: {staticFallback: max}\n", "pod", "namespace", false, DCGMGPUUtil, 100, StaticFallbackMax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustParse(t, head+c.body+"  kedaVersion: \"2.16\"\n")
			g := p.Spec.GPU
			require.Equal(t, c.podLabel, g.PodLabel)
			require.Equal(t, c.nsLabel, g.NamespaceLabel)
			metric, scale, why := g.Utilization(c.mig)
			require.Equal(t, c.metric, metric)
			require.Equal(t, c.scale, scale)
			require.NotEmpty(t, why)
			require.Equal(t, c.fallback, g.StaticFallback)
		})
	}
	p := mustParse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  gpu.dcgmLabels: exported_pod\n  gpu.utilizationMetric: DCGM_FI_PROF_GR_ENGINE_ACTIVE\n  gpu.staticFallback: max\n")
	require.Equal(t, "exported_pod", p.Spec.GPU.PodLabel)
	require.Equal(t, StaticFallbackMax, p.Spec.GPU.StaticFallback)
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
}

// TestPolicyCredentials puts a credential into every string setting of the
// policy, in both forms: each is refused with its path and what carries
// it, and the secret never appears in the message.
func TestPolicyCredentials(t *testing.T) {
	const secret = "s3cr3tValue"
	cases := []struct{ name, krm, configMap, field, what string }{
		{"server address user information", "prometheus: {serverAddress: 'http://admin:" + secret + "@prom.monitoring:9090'}",
			"prometheus.serverAddress: 'http://admin:" + secret + "@prom.monitoring:9090'", "spec.prometheus.serverAddress", "user information"},
		{"server address auth_token", "prometheus: {serverAddress: 'http://prom.monitoring:9090/?auth_token=" + secret + "'}",
			"prometheus.serverAddress: 'http://prom.monitoring:9090/?auth_token=" + secret + "'", "spec.prometheus.serverAddress", "query parameter auth_token"},
		{"server address client_secret", "prometheus: {serverAddress: 'http://prom.monitoring:9090/api?x=1&client_secret=" + secret + "'}",
			"prometheus.serverAddress: 'http://prom.monitoring:9090/api?x=1&client_secret=" + secret + "'", "spec.prometheus.serverAddress", "query parameter client_secret"},
		{"auth secret", "prometheus: {authSecret: 'token=" + secret + "'}", "prometheus.authSecret: 'token=" + secret + "'", "spec.prometheus.authSecret", "query parameter token"},
		{"rabbitmq secret", "rabbitmq: {secret: 'amqp://u:" + secret + "@rabbit/'}", "rabbitmq.secret: 'amqp://u:" + secret + "@rabbit/'", "spec.rabbitmq.secret", "user information"},
		{"predictive query", "predictive: {query: 'sum(up{instance=\"http://h/?X-Amz-Signature=" + secret + "\"})'}",
			"predictive.query: 'sum(up{instance=\"http://h/?X-Amz-Signature=" + secret + "\"})'", "spec.predictive.query", "query parameter X-Amz-Signature"},
		{"gpu pod label", "gpu: {podLabel: 'pod,x=\"http://u:" + secret + "@h\"'}", "gpu.podLabel: 'pod,x=\"http://u:" + secret + "@h\"'", "spec.gpu.podLabel", "user information"},
		{"defaults query", "defaults: {prometheusQuery: 'sum(up) http://h/?apiKey=" + secret + "'}",
			"defaults.prometheusQuery: 'sum(up) http://h/?apiKey=" + secret + "'", "spec.defaults.prometheusQuery", "query parameter apiKey"},
		{"profile queue", "profiles: {w: {rabbitmqQueue: 'amqp://u:" + secret + "@h/'}}", "profiles.w.rabbitmqQueue: 'amqp://u:" + secret + "@h/'", "spec.profiles.w.rabbitmqQueue", "user information"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for form, doc := range map[string]string{
				"MLAutoscalingPolicy": "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n  " + c.krm + "\n",
				"ConfigMap":           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n  " + c.configMap + "\n",
			} {
				p, msg := parse(t, doc)
				require.Nil(t, p, form)
				require.Contains(t, msg, form+"/p: "+c.field+": ", form)
				require.Contains(t, msg, "plaintext credential", form)
				require.Contains(t, msg, c.what, form)
				require.Contains(t, msg, "REDACTED", form)
				require.NotContains(t, msg, secret, form)
			}
		})
	}
}

func TestServerAddress(t *testing.T) {
	for addr, want := range map[string]string{
		"http://prometheus.monitoring:9090":           "",
		"https://thanos.monitoring.svc/prefix":        "",
		"http://prom.monitoring:9090/?dedup=true":     "",
		"http://u:p@prom.monitoring:9090":             "plaintext credentials (user information",
		"http://prom.monitoring:9090/?access_token=t": "plaintext credentials (query parameter access_token)",
		"http://@prom.monitoring:9090":                "contains user information",
		"prometheus":                                  "not an absolute URL",
		"ftp://prom.monitoring":                       "scheme must be http or https",
		"http://u:p{x@prom.monitoring:9090":           "plaintext credentials",
	} {
		got := CheckServerAddress(addr)
		if want == "" {
			require.Empty(t, got, addr)
		} else {
			require.Contains(t, got, want, addr)
		}
	}
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
