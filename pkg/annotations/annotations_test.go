package annotations

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var ref = diag.Ref{Kind: "Deployment", Namespace: "ml", Name: "w"}

func ann(kv ...string) map[string]string {
	m := map[string]string{Prefix + KeyEnabled: "true"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[Prefix+kv[i]] = kv[i+1]
	}
	return m
}

func policyWith(t *testing.T, spec config.Spec) *config.Policy {
	t.Helper()
	p := config.Default()
	p.Spec.Defaults, p.Spec.Profiles = spec.Defaults, spec.Profiles
	p.Spec.RabbitMQ = spec.RabbitMQ
	p.Spec.Rules = spec.Rules
	return p
}

func s(v string) *string { return &v }

func TestPrecedence(t *testing.T) {
	p := policyWith(t, config.Spec{
		Defaults: config.Settings{MinReplicas: s("2"), MaxReplicas: s("8"), CooldownPeriod: s("1m")},
		Profiles: map[string]config.Settings{"worker": {MaxReplicas: s("30"), PollingInterval: s("10")}},
	})
	spec, d := Parse(ref, ann(KeyProfile, "worker", KeyMaxReplicas, "40", KeyCPUUtilization, "50"), p)
	require.Empty(t, d)
	require.Equal(t, int32(2), spec.MinReplicas, "policy defaults")
	require.Equal(t, int32(40), spec.MaxReplicas, "annotation beats profile")
	require.Equal(t, int32(10), *spec.PollingInterval, "profile beats defaults")
	require.Equal(t, int32(60), *spec.CooldownPeriod)
	require.Equal(t, SourceAnnotation, spec.Sources[KeyMaxReplicas])
	require.Equal(t, "profile worker", spec.Sources[KeyPollingInterval])
	require.Equal(t, SourceDefaults, spec.Sources[KeyMinReplicas])
	require.Equal(t, SourceBuiltin, spec.Sources[KeyRabbitMQMessagesPerReplica])
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		ann  map[string]string
		want []string
	}{
		{"unknown key suggests nearest", ann(KeyCPUUtilization, "50", "max-replica", "3"), []string{"ml-autoscaling.io/max-replica", "did you mean ml-autoscaling.io/max-replicas?"}},
		{"unknown key far from all", ann(KeyCPUUtilization, "50", "zzzzzzzzzzzzzz", "3"), []string{"unknown annotation", "allowed"}},
		{"not a number", ann(KeyCPUUtilization, "lots"), []string{`"lots"`, "not a whole number", "1 to 1000"}},
		{"negative min", ann(KeyCPUUtilization, "50", KeyMinReplicas, "-1"), []string{"out of range"}},
		{"max zero", ann(KeyCPUUtilization, "50", KeyMaxReplicas, "0"), []string{"max-replicas", "from 1 to 10000"}},
		{"min above max", ann(KeyCPUUtilization, "50", KeyMinReplicas, "5", KeyMaxReplicas, "4"), []string{"greater than max-replicas"}},
		{"idle equals min", ann(KeyCPUUtilization, "50", KeyIdleReplicas, "1"), []string{"idle-replicas must be below min-replicas"}},
		{"fractional seconds", ann(KeyCPUUtilization, "50", KeyPollingInterval, "1500ms"), []string{"not a whole number of seconds"}},
		{"zero polling", ann(KeyCPUUtilization, "50", KeyPollingInterval, "0"), []string{"out of range"}},
		{"bad threshold", ann(KeyPrometheusQuery, "sum(up)", KeyPrometheusThreshold, "NaN"), []string{"not a number"}},
		{"zero threshold", ann(KeyPrometheusQuery, "sum(up)", KeyPrometheusThreshold, "0"), []string{"positive number"}},
		{"threshold without query", ann(KeyCPUUtilization, "50", KeyPrometheusThreshold, "3"), []string{"threshold without a query"}},
		{"rabbitmq without secret", ann(KeyRabbitMQQueue, "q"), []string{"needs a Secret"}},
		{"bad secret name", ann(KeyRabbitMQQueue, "q", KeyRabbitMQSecret, "Bad_Name"), []string{"not a valid Secret name"}},
		{"plaintext credential", ann(KeyRabbitMQQueue, "q", KeyRabbitMQSecret, "amqp://u:p@host/"), []string{"plaintext credential", "REDACTED"}},
		{"bad enabled", map[string]string{Prefix + KeyEnabled: "yes", Prefix + KeyCPUUtilization: "5"}, []string{`"true" or "false"`}},
		{"unknown profile suggests", ann(KeyCPUUtilization, "50", KeyProfile, "celery-workr"), []string{"did you mean celery-worker?"}},
		{"bad gpu value", ann(KeyCPUUtilization, "50", KeyGPU, "on"), []string{"auto, off"}},
		{"gpu utilization above 100", ann(KeyCPUUtilization, "50", KeyGPUUtilization, "120"), []string{"from 1 to 100"}},
		{"unknown inference server", ann(KeyCPUUtilization, "50", KeyInferenceServer, "sglang"), []string{"vllm, tgi, triton, none"}},
		{"empty queue in list", ann(KeyRabbitMQQueue, "celery,,celery.priority", KeyRabbitMQSecret, "rmq"), []string{"queue 2 of the list is empty", "separated by commas"}},
		{"trailing comma", ann(KeyRabbitMQQueue, "celery,", KeyRabbitMQSecret, "rmq"), []string{"queue 2 of the list is empty"}},
		{"queue named twice", ann(KeyRabbitMQQueue, "a, b ,a", KeyRabbitMQSecret, "rmq"), []string{`queue "a" is named twice`}},
		{"control character", ann(KeyRabbitMQQueue, "a\tb", KeyRabbitMQSecret, "rmq"), []string{"control character"}},
		{"queue name too long", ann(KeyRabbitMQQueue, strings.Repeat("q", 256), KeyRabbitMQSecret, "rmq"), []string{"256 bytes long"}},
		{"too many queues", ann(KeyRabbitMQQueue, strings.Repeat("q,", MaxQueues)+"q", KeyRabbitMQSecret, "rmq"), []string{"51 queues named"}},
		{"hpa name too long", ann(KeyCPUUtilization, "50", KeyHPAName, strings.Repeat("h", 64)), []string{"ml-autoscaling.io/hpa-name", "not a valid HPA name", "1 to 63 lower-case letters"}},
		{"hpa name with a dot", ann(KeyCPUUtilization, "50", KeyHPAName, "my.hpa"), []string{`"my.hpa"`, "not a valid HPA name"}},
		{"hpa name upper case", ann(KeyCPUUtilization, "50", KeyHPAName, "MyHPA"), []string{"not a valid HPA name"}},
		{"hpa name empty", ann(KeyCPUUtilization, "50", KeyHPAName, ""), []string{"not a valid HPA name"}},
	}
	p := policyWith(t, config.Spec{Profiles: map[string]config.Settings{"celery-worker": {}}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, d := Parse(ref, c.ann, p)
			require.True(t, d.HasErrors(), "expected an error")
			require.Nil(t, spec)
			msg := d.Error()
			require.Contains(t, msg, "Deployment/ml/w")
			for _, w := range c.want {
				require.Contains(t, msg, w)
			}
			require.NotContains(t, msg, ":p@", "credentials never repeated")
		})
	}
}

func TestRabbitMQQueueList(t *testing.T) {
	cases := []struct {
		value string
		want  []string
	}{
		{"celery", []string{"celery"}},
		{"events.process_event, events.save_event ,default", []string{"events.process_event", "events.save_event", "default"}},
		{"a.b*c(d)|e[f]^$", []string{"a.b*c(d)|e[f]^$"}},
	}
	for _, c := range cases {
		spec, d := Parse(ref, ann(KeyRabbitMQQueue, c.value, KeyRabbitMQSecret, "rmq"), config.Default())
		require.Empty(t, d, c.value)
		require.Equal(t, c.want, spec.RabbitMQ.Queues, c.value)
	}
	d := ValidateSettings(diag.Ref{Kind: "MLAutoscalingPolicy", Name: "p"}, policyWith(t, config.Spec{Defaults: config.Settings{RabbitMQQueue: s("a,,b")}}))
	require.Contains(t, d.Error(), "spec.defaults.rabbitmqQueue")
	spec, d := Parse(ref, ann(KeyCPUUtilization, "50", KeyInferenceServer, ServerNone), config.Default())
	require.Empty(t, d)
	require.Equal(t, ServerNone, spec.InferenceServer)
}

func TestHPAName(t *testing.T) {
	spec, d := Parse(ref, ann(KeyCPUUtilization, "50", KeyHPAName, "worker-hpa"), config.Default())
	require.Empty(t, d)
	require.Equal(t, "worker-hpa", spec.HPAName)
	spec, d = Parse(ref, ann(KeyCPUUtilization, "50", KeyHPAName, strings.Repeat("h", 63)), config.Default())
	require.Empty(t, d)
	require.Len(t, spec.HPAName, 63)
	spec, _ = Parse(ref, ann(KeyCPUUtilization, "50"), config.Default())
	require.Empty(t, spec.HPAName)
	n, err := yaml.Parse("apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n  defaults: {hpaName: x}\n")
	require.NoError(t, err)
	_, pd := config.Parse(n)
	require.True(t, pd.HasErrors(), "one HPA name for every workload would clash: annotation only")
}

func TestDurationsAndNumbersAreNormalised(t *testing.T) {
	spec, d := Parse(ref, ann(KeyPrometheusQuery, "sum(up)", KeyPrometheusThreshold, "010.50", KeyPollingInterval, "1m", KeyCooldownPeriod, "90"), config.Default())
	require.Empty(t, d)
	require.Equal(t, "10.5", spec.Prometheus.Threshold)
	require.Equal(t, int32(60), *spec.PollingInterval)
	require.Equal(t, int32(90), *spec.CooldownPeriod)
}

func TestValidateSettingsChecksPolicyValues(t *testing.T) {
	p := policyWith(t, config.Spec{
		Defaults: config.Settings{MaxReplicas: s("lots")},
		Profiles: map[string]config.Settings{"w": {HPAConflict: s("replace")}},
		Rules:    []config.Rule{{Name: "r", Settings: config.RuleSettings{Settings: config.Settings{GPU: s("on")}}}},
	})
	d := ValidateSettings(diag.Ref{Kind: "MLAutoscalingPolicy", Name: "p"}, p)
	msg := d.Error()
	require.Contains(t, msg, "MLAutoscalingPolicy/p: spec.defaults.maxReplicas")
	require.Contains(t, msg, "spec.profiles.w.hpaConflict")
	require.Contains(t, msg, `spec.rules[r].settings.gpu: "on": unknown value`)
	require.Equal(t, 3, strings.Count(msg, "error:"))
}

func TestCheckKeysOnDisabledWorkload(t *testing.T) {
	d := CheckKeys(ref, map[string]string{Prefix + "enabeld": "true"})
	require.Contains(t, d.Error(), "did you mean ml-autoscaling.io/enabled?")
}

// TestCredentialInEveryAnnotation puts credentials into every annotation:
// each is an error naming the annotation and what carries the credential,
// the secret is never repeated, and no Spec comes back (so nothing reaches
// a generated object). PromQL label matchers are not credentials.
func TestCredentialInEveryAnnotation(t *testing.T) {
	const secret = "s3cr3tValue"
	values := map[string]struct{ value, what string }{
		"auth_token":    {"sum(up) http://prom:9090/?auth_token=" + secret, "query parameter auth_token"},
		"client_secret": {`sum(up{instance="http://h/api?x=1&client_secret=` + secret + `"})`, "query parameter client_secret"},
		"user info":     {"amqp://celery:" + secret + "@rabbitmq.ml:5672/", "user information"},
		"bare token":    {"token=" + secret, "query parameter token"},
	}
	for _, key := range Keys {
		for name, v := range values {
			t.Run(key+"/"+name, func(t *testing.T) {
				a := ann(KeyCPUUtilization, "50", KeyPrometheusThreshold, "1", KeyPrometheusQuery, "sum(up)", key, v.value)
				spec, d := Parse(ref, a, config.Default())
				require.Nil(t, spec)
				msg := d.Error()
				require.Contains(t, msg, "Deployment/ml/w: "+Prefix+key+": ")
				require.Contains(t, msg, "plaintext credential: "+v.what)
				require.Contains(t, msg, "allowed: no credentials in manifests")
				require.NotContains(t, msg, secret)
			})
		}
	}
	for _, q := range []string{`sum(rate(http_requests_total{key="x"}[5m]))`, `sum(token_count{job="a", token="b"})`, `sum(x{instance="http://h:9090"} @ end())`} {
		spec, d := Parse(ref, ann(KeyPrometheusQuery, q, KeyPrometheusThreshold, "1"), config.Default())
		require.Empty(t, d, q)
		require.Equal(t, q, spec.Prometheus.Query)
	}
}
