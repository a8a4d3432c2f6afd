// Package annotations implements the workload annotation contract: the
// ml-autoscaling.io/* keys, their precedence (annotation > profile > policy
// defaults > built-in defaults) and their validation. A workload's
// annotations are parsed once into a typed Spec; every problem is reported
// with the resource, the key, the bad value and what is allowed.
package annotations

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

// Prefix is the annotation prefix of the contract.
const Prefix = "ml-autoscaling.io/"

// Annotation keys (without the prefix).
const (
	KeyEnabled                       = "enabled"
	KeyProfile                       = "profile"
	KeyMinReplicas                   = "min-replicas"
	KeyMaxReplicas                   = "max-replicas"
	KeyIdleReplicas                  = "idle-replicas"
	KeyPollingInterval               = "polling-interval"
	KeyCooldownPeriod                = "cooldown-period"
	KeyRabbitMQQueue                 = "rabbitmq-queue"
	KeyRabbitMQMessagesPerReplica    = "rabbitmq-messages-per-replica"
	KeyRabbitMQSecret                = "rabbitmq-secret"
	KeyPrometheusQuery               = "prometheus-query"
	KeyPrometheusThreshold           = "prometheus-threshold"
	KeyPrometheusActivationThreshold = "prometheus-activation-threshold"
	KeyCPUUtilization                = "cpu-utilization"
	KeyMemoryUtilization             = "memory-utilization"
	KeyGPU                           = "gpu"
	KeyGPUUtilization                = "gpu-utilization"
	KeyInferenceServer               = "inference-server"
	KeyQueuePerReplica               = "queue-per-replica"
	KeyGPUBudget                     = "gpu-budget"
	KeyPredictive                    = "predictive"
	KeyPredictiveQuery               = "predictive-query"
	KeyHPAConflict                   = "hpa-conflict"
	// KeyHPAName names KEDA's HPA; set on the workload only (a policy
	// default would give every workload the same name).
	KeyHPAName = "hpa-name"
)

// Keys lists every valid key of the contract, in documentation order.
var Keys = []string{
	KeyEnabled, KeyProfile, KeyMinReplicas, KeyMaxReplicas, KeyIdleReplicas,
	KeyPollingInterval, KeyCooldownPeriod, KeyRabbitMQQueue, KeyRabbitMQMessagesPerReplica,
	KeyRabbitMQSecret, KeyPrometheusQuery, KeyPrometheusThreshold, KeyPrometheusActivationThreshold,
	KeyCPUUtilization, KeyMemoryUtilization, KeyGPU, KeyGPUUtilization, KeyInferenceServer,
	KeyQueuePerReplica, KeyGPUBudget, KeyPredictive, KeyPredictiveQuery, KeyHPAConflict, KeyHPAName,
}

// MaxReplicasLimit is the largest replica bound accepted.
const MaxReplicasLimit = 10000

// Built-in defaults of the contract.
const (
	DefaultMinReplicas        = 1
	DefaultMaxReplicas        = 10
	DefaultMessagesPerReplica = 20
	DefaultQueuePerReplica    = 4
)

// Inference servers with a known queue-depth metric, and "none": no
// inference-server trigger, and no warning that none was detected.
const (
	ServerVLLM   = "vllm"
	ServerTGI    = "tgi"
	ServerTriton = "triton"
	ServerNone   = "none"
)

// InferenceServerValues are the values the inference-server key accepts.
var InferenceServerValues = []string{ServerVLLM, ServerTGI, ServerTriton, ServerNone}

// MaxQueues is the most queues one rabbitmq-queue list may name.
const MaxQueues = 50

// maxQueueNameBytes is RabbitMQ's limit on a queue name.
const maxQueueNameBytes = 255

// Spec is the typed, validated autoscaling request of one workload.
type Spec struct {
	Profile         string
	MinReplicas     int32
	MaxReplicas     int32
	IdleReplicas    *int32
	PollingInterval *int32
	CooldownPeriod  *int32
	RabbitMQ        *RabbitMQ
	Prometheus      *Prometheus
	// CPUUtilization and MemoryUtilization are target percentages (nil: no trigger).
	CPUUtilization    *int32
	MemoryUtilization *int32
	// GPU is "auto" or "off".
	GPU             string
	GPUUtilization  int32
	InferenceServer string
	QueuePerReplica string
	GPUBudget       *int32
	Predictive      bool
	// PredictiveQuery is the demand query `record` uses ("" for its default).
	PredictiveQuery string
	HPAConflict     string
	// HPAName is the chosen name of KEDA's HPA ("" when not chosen).
	HPAName string
	// Sources records where each key's effective value came from (see Source*).
	Sources map[string]string
	// Set records which keys were given explicitly (annotation, profile or policy defaults).
	Set map[string]bool
}

// RabbitMQ is a QueueLength trigger request.
type RabbitMQ struct {
	// Queues are the queue names, in the order given (rabbitmq-queue is a
	// comma-separated list); the desired count follows their summed backlog.
	Queues             []string
	MessagesPerReplica string
	Secret             string
}

// Prometheus is a query trigger request.
type Prometheus struct {
	Query               string
	Threshold           string
	ActivationThreshold string
}

// Where a setting came from.
const (
	SourceAnnotation = "annotation"
	SourceDefaults   = "policy defaults"
	SourceBuiltin    = "built-in default"
)

// IsEnabled reports whether the annotations opt the workload in. Any other
// value than "true" or "false" for the enabled key is reported by Parse.
func IsEnabled(ann map[string]string) bool {
	return strings.TrimSpace(ann[Prefix+KeyEnabled]) == "true"
}

// HasAny reports whether any ml-autoscaling.io/ annotation is present.
func HasAny(ann map[string]string) bool {
	for k := range ann {
		if strings.HasPrefix(k, Prefix) {
			return true
		}
	}
	return false
}

// CredentialAllowed says what an annotation holds instead of a credential.
const CredentialAllowed = "no credentials in manifests: keep them in a Secret named by " + Prefix + KeyRabbitMQSecret +
	" (the AMQP URL) or by the policy's spec.prometheus.authSecret (a bearer token); the generated TriggerAuthentication references it"

type value struct {
	v, source, field string
}

// CheckKeys reports unknown ml-autoscaling.io/ keys (with the nearest valid
// key), a bad enabled value and plaintext credentials in any value. It is
// run on every workload that carries the prefix, opted in or not.
func CheckKeys(ref diag.Ref, ann map[string]string) diag.List {
	var out diag.List
	for _, k := range sortedKeys(ann) {
		if !strings.HasPrefix(k, Prefix) {
			continue
		}
		key := strings.TrimPrefix(k, Prefix)
		if !isKey(key) {
			msg := "unknown annotation"
			if near := diag.Nearest(key, Keys); near != "" {
				msg += "; did you mean " + Prefix + near + "?"
			}
			out.Errorf(ref, k, "", "the keys listed in the annotation reference", "%s", msg)
			continue
		}
		out.CredentialError(ref, k, ann[k], CredentialAllowed)
	}
	if v, ok := ann[Prefix+KeyEnabled]; ok {
		if v := strings.TrimSpace(v); v != "true" && v != "false" {
			out.Errorf(ref, Prefix+KeyEnabled, v, `"true" or "false"`, "not a boolean")
		}
	}
	return out
}

func isKey(k string) bool {
	for _, key := range Keys {
		if key == k {
			return true
		}
	}
	return false
}

// Parse resolves the effective settings of an opted-in workload from its
// annotations, the selected profile, the policy defaults and the built-in
// defaults, and validates them. The returned Spec is nil when there are errors.
func Parse(ref diag.Ref, ann map[string]string, policy *config.Policy) (*Spec, diag.List) {
	out := CheckKeys(ref, ann)
	vals := map[string]value{
		KeyMinReplicas:                {v: strconv.Itoa(DefaultMinReplicas), source: SourceBuiltin},
		KeyMaxReplicas:                {v: strconv.Itoa(DefaultMaxReplicas), source: SourceBuiltin},
		KeyRabbitMQMessagesPerReplica: {v: strconv.Itoa(DefaultMessagesPerReplica), source: SourceBuiltin},
		KeyGPU:                        {v: "auto", source: SourceBuiltin},
		KeyGPUUtilization:             {v: strconv.Itoa(policy.Spec.GPU.UtilizationTarget), source: "policy spec.gpu.utilizationTarget"},
		KeyQueuePerReplica:            {v: strconv.Itoa(DefaultQueuePerReplica), source: SourceBuiltin},
		KeyPredictive:                 {v: "false", source: SourceBuiltin},
		KeyHPAConflict:                {v: policy.Spec.HPAConflict, source: "policy spec.hpaConflict"},
	}
	if s := policy.Spec.RabbitMQ.Secret; s != "" {
		vals[KeyRabbitMQSecret] = value{v: s, source: "policy spec.rabbitmq.secret"}
	}
	set := map[string]bool{}
	for _, e := range policy.Spec.Defaults.Entries() {
		vals[e.Key] = value{v: e.Value, source: SourceDefaults, field: "policy spec.defaults." + e.Field}
		set[e.Key] = true
	}
	profile := strings.TrimSpace(ann[Prefix+KeyProfile])
	if profile != "" {
		settings, ok := policy.Spec.Profiles[profile]
		if !ok {
			names := make([]string, 0, len(policy.Spec.Profiles))
			for n := range policy.Spec.Profiles {
				names = append(names, n)
			}
			sort.Strings(names)
			msg := "no such profile in the policy"
			if near := diag.Nearest(profile, names); near != "" {
				msg += "; did you mean " + near + "?"
			}
			allowed := strings.Join(names, ", ")
			if allowed == "" {
				allowed = "none: the policy defines no profiles"
			}
			out.Errorf(ref, Prefix+KeyProfile, profile, allowed, "%s", msg)
		}
		for _, e := range settings.Entries() {
			vals[e.Key] = value{v: e.Value, source: "profile " + profile, field: "policy spec.profiles." + profile + "." + e.Field}
			set[e.Key] = true
		}
	}
	for _, k := range sortedKeys(ann) {
		key, ok := strings.CutPrefix(k, Prefix)
		if !ok || !isKey(key) || key == KeyEnabled || key == KeyProfile {
			continue
		}
		vals[key] = value{v: strings.TrimSpace(ann[k]), source: SourceAnnotation, field: k}
		set[key] = true
	}
	p := &parser{ref: ref, vals: vals, out: &out}
	s := &Spec{Profile: profile, Sources: map[string]string{}, Set: set}
	for k, v := range vals {
		s.Sources[k] = v.source
	}
	s.MinReplicas = p.int32(KeyMinReplicas, 0, MaxReplicasLimit)
	s.MaxReplicas = p.int32(KeyMaxReplicas, 1, MaxReplicasLimit)
	s.IdleReplicas = p.optInt32(KeyIdleReplicas, 0, MaxReplicasLimit)
	s.PollingInterval = p.optSeconds(KeyPollingInterval, 1)
	s.CooldownPeriod = p.optSeconds(KeyCooldownPeriod, 0)
	if q := p.str(KeyRabbitMQQueue); q != "" {
		s.RabbitMQ = &RabbitMQ{
			Queues:             p.queues(KeyRabbitMQQueue),
			MessagesPerReplica: p.positive(KeyRabbitMQMessagesPerReplica),
			Secret:             p.secret(KeyRabbitMQSecret),
		}
		if s.RabbitMQ.Secret == "" && !p.has(KeyRabbitMQSecret) {
			out.Errorf(ref, Prefix+KeyRabbitMQQueue, q, "set "+Prefix+KeyRabbitMQSecret+" or the policy's spec.rabbitmq.secret",
				"a RabbitMQ trigger needs a Secret whose key `host` holds the AMQP URL")
		}
	}
	if q := p.str(KeyPrometheusQuery); q != "" {
		s.Prometheus = &Prometheus{Query: q}
		if !p.has(KeyPrometheusThreshold) {
			out.Errorf(ref, Prefix+KeyPrometheusThreshold, "", "a positive number, e.g. \"10\"", "a Prometheus trigger needs a threshold (target value per replica)")
		} else {
			s.Prometheus.Threshold = p.positive(KeyPrometheusThreshold)
		}
		if p.has(KeyPrometheusActivationThreshold) {
			s.Prometheus.ActivationThreshold = p.nonNegative(KeyPrometheusActivationThreshold)
		}
	} else {
		for _, k := range []string{KeyPrometheusThreshold, KeyPrometheusActivationThreshold} {
			if v, ok := vals[k]; ok && v.source == SourceAnnotation {
				out.Errorf(ref, Prefix+k, v.v, "only together with "+Prefix+KeyPrometheusQuery, "threshold without a query")
			}
		}
	}
	s.CPUUtilization = p.optInt32(KeyCPUUtilization, 1, 1000)
	s.MemoryUtilization = p.optInt32(KeyMemoryUtilization, 1, 1000)
	s.GPU = p.enum(KeyGPU, "auto", "off")
	s.GPUUtilization = p.int32(KeyGPUUtilization, 1, 100)
	if p.has(KeyInferenceServer) {
		s.InferenceServer = p.enum(KeyInferenceServer, InferenceServerValues...)
	}
	s.QueuePerReplica = p.positive(KeyQueuePerReplica)
	s.GPUBudget = p.optInt32(KeyGPUBudget, 1, MaxReplicasLimit)
	s.Predictive = p.enum(KeyPredictive, "true", "false") == "true"
	s.PredictiveQuery = p.str(KeyPredictiveQuery)
	s.HPAConflict = p.enum(KeyHPAConflict, config.HPADelete, config.HPAAdopt, config.HPAError)
	if p.has(KeyHPAName) {
		s.HPAName = p.label(KeyHPAName)
	}

	if !out.HasErrors() {
		if s.MinReplicas > s.MaxReplicas {
			out.Errorf(ref, p.field(KeyMinReplicas), strconv.Itoa(int(s.MinReplicas)),
				fmt.Sprintf("at most max-replicas (%d)", s.MaxReplicas), "min-replicas is greater than max-replicas")
		}
		if s.IdleReplicas != nil && *s.IdleReplicas >= s.MinReplicas {
			out.Errorf(ref, p.field(KeyIdleReplicas), strconv.Itoa(int(*s.IdleReplicas)),
				fmt.Sprintf("less than min-replicas (%d); KEDA rejects idle ≥ min", s.MinReplicas), "idle-replicas must be below min-replicas")
		}
	}
	if out.HasErrors() {
		return nil, out
	}
	return s, out
}

// ValidateSettings checks the policy's defaults and every profile with the
// same rules as annotations, so a bad policy fails even before any workload
// uses it. (Credentials in them are refused by config.Parse, as in every
// other policy value.)
func ValidateSettings(policyRef diag.Ref, policy *config.Policy) diag.List {
	var out diag.List
	check := func(path string, s config.Settings) {
		for _, e := range s.Entries() {
			p := &parser{ref: policyRef, vals: map[string]value{e.Key: {v: e.Value, field: path + "." + e.Field}}, out: &out}
			p.validateOne(e.Key)
		}
	}
	check("spec.defaults", policy.Spec.Defaults)
	names := make([]string, 0, len(policy.Spec.Profiles))
	for n := range policy.Spec.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		check("spec.profiles."+n, policy.Spec.Profiles[n])
	}
	for i, r := range policy.Spec.Rules {
		check(r.Path(i)+".settings", r.Settings.Settings)
	}
	return out
}

type parser struct {
	ref  diag.Ref
	vals map[string]value
	out  *diag.List
}

func (p *parser) validateOne(key string) {
	switch key {
	case KeyMinReplicas, KeyIdleReplicas:
		p.int32(key, 0, MaxReplicasLimit)
	case KeyMaxReplicas:
		p.int32(key, 1, MaxReplicasLimit)
	case KeyPollingInterval:
		p.optSeconds(key, 1)
	case KeyCooldownPeriod:
		p.optSeconds(key, 0)
	case KeyRabbitMQMessagesPerReplica, KeyQueuePerReplica, KeyPrometheusThreshold:
		p.positive(key)
	case KeyPrometheusActivationThreshold:
		p.nonNegative(key)
	case KeyRabbitMQSecret:
		p.secret(key)
	case KeyCPUUtilization, KeyMemoryUtilization:
		p.int32(key, 1, 1000)
	case KeyGPUUtilization:
		p.int32(key, 1, 100)
	case KeyGPUBudget:
		p.int32(key, 1, MaxReplicasLimit)
	case KeyGPU:
		p.enum(key, "auto", "off")
	case KeyInferenceServer:
		p.enum(key, InferenceServerValues...)
	case KeyRabbitMQQueue:
		p.queues(key)
	case KeyPredictive:
		p.enum(key, "true", "false")
	case KeyHPAConflict:
		p.enum(key, config.HPADelete, config.HPAAdopt, config.HPAError)
	}
}

func (p *parser) has(key string) bool { _, ok := p.vals[key]; return ok }

func (p *parser) str(key string) string { return p.vals[key].v }

func (p *parser) field(key string) string {
	if f := p.vals[key].field; f != "" {
		return f
	}
	return Prefix + key
}

func (p *parser) fail(key, allowed, format string, args ...any) {
	p.failShowing(key, p.vals[key].v, allowed, format, args...)
}

// failShowing is fail with shown as the value the message repeats.
func (p *parser) failShowing(key, shown, allowed, format string, args ...any) {
	v := p.vals[key]
	msg := fmt.Sprintf(format, args...)
	if v.source != "" && v.source != SourceAnnotation && v.source != SourceBuiltin {
		msg += " (from " + v.source + ")"
	}
	p.out.Errorf(p.ref, p.field(key), shown, allowed, "%s", msg)
}

func (p *parser) int32(key string, lo, hi int) int32 {
	v := p.vals[key].v
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(key, fmt.Sprintf("a whole number from %d to %d", lo, hi), "not a whole number")
		return 0
	}
	if n < lo || n > hi {
		p.fail(key, fmt.Sprintf("a whole number from %d to %d", lo, hi), "out of range")
		return 0
	}
	return int32(n)
}

func (p *parser) optInt32(key string, lo, hi int) *int32 {
	if !p.has(key) {
		return nil
	}
	n := p.int32(key, lo, hi)
	return &n
}

func (p *parser) optSeconds(key string, lo int) *int32 {
	if !p.has(key) {
		return nil
	}
	allowed := fmt.Sprintf("whole seconds (\"30\") or a Go duration (\"30s\", \"5m\"), at least %ds, at most 24h", lo)
	d, err := config.ParseDuration(p.vals[key].v)
	if err != nil {
		p.fail(key, allowed, "not a duration")
		return nil
	}
	if d%time.Second != 0 {
		p.fail(key, allowed, "not a whole number of seconds")
		return nil
	}
	secs := int(d / time.Second)
	if secs < lo || secs > 86400 {
		p.fail(key, allowed, "out of range")
		return nil
	}
	n := int32(secs)
	return &n
}

func (p *parser) number(key string, allowZero bool) string {
	v := p.vals[key].v
	allowed := "a positive number, e.g. \"10\" or \"0.5\""
	if allowZero {
		allowed = "a number ≥ 0, e.g. \"0\" or \"2.5\""
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		p.fail(key, allowed, "not a number")
		return ""
	}
	if f < 0 || (!allowZero && f == 0) || f > 1e12 {
		p.fail(key, allowed, "out of range")
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func (p *parser) positive(key string) string    { return p.number(key, false) }
func (p *parser) nonNegative(key string) string { return p.number(key, true) }

func (p *parser) secret(key string) string {
	v := p.vals[key].v
	if v == "" {
		if p.has(key) {
			p.fail(key, "the name of a Secret in the workload's namespace (lower-case DNS subdomain)", "empty Secret name")
		}
		return ""
	}
	if !config.IsDNSName(v) {
		shown, msg := config.BadSecretName(v)
		p.failShowing(key, shown, "the name of a Secret in the workload's namespace (lower-case DNS subdomain)", "%s", msg)
		return ""
	}
	return v
}

// queues reads a comma-separated list of queue names: each name is trimmed,
// non-empty, valid UTF-8 without control characters, at most 255 bytes
// (RabbitMQ's limit) and given once; at most MaxQueues names.
func (p *parser) queues(key string) []string {
	allowed := fmt.Sprintf("one queue name, or up to %d names separated by commas (e.g. \"celery,celery.priority\"); each name non-empty, at most %d bytes, without control characters, given once", MaxQueues, maxQueueNameBytes)
	parts := strings.Split(p.vals[key].v, ",")
	if len(parts) > MaxQueues {
		p.fail(key, allowed, "%d queues named", len(parts))
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for i, q := range parts {
		q = strings.TrimSpace(q)
		switch {
		case q == "":
			p.fail(key, allowed, "queue %d of the list is empty", i+1)
		case len(q) > maxQueueNameBytes:
			p.fail(key, allowed, "queue %d of the list is %d bytes long", i+1, len(q))
		case !utf8.ValidString(q) || strings.IndexFunc(q, unicode.IsControl) >= 0:
			p.fail(key, allowed, "queue %d of the list holds a control character or invalid UTF-8", i+1)
		case seen[q]:
			p.fail(key, allowed, "queue %q is named twice", q)
		default:
			seen[q] = true
			out = append(out, q)
			continue
		}
		return nil
	}
	return out
}

// label reads a DNS-1123 label (an object name of at most 63 characters).
func (p *parser) label(key string) string {
	v := p.vals[key].v
	if !config.IsDNSLabel(v) {
		p.fail(key, "a DNS-1123 label: 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit", "not a valid HPA name")
		return ""
	}
	return v
}

func (p *parser) enum(key string, allowed ...string) string {
	v := p.vals[key].v
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(key, strings.Join(allowed, ", "), "unknown value")
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
