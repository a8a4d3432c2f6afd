// Package config defines the MLAutoscalingPolicy kind: the policy-wide
// settings of the transform (Prometheus address, RabbitMQ defaults, default
// bounds, named profiles, HPA conflict handling, GPU and predictive knobs).
// It parses the policy from a KRM resource or a kpt-style ConfigMap, rejects
// unknown fields with the nearest valid name, fills in built-in defaults and
// validates everything that is not a per-workload setting. It does no I/O.
package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/kubeyaml"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/yamltext"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// APIVersion is the API version of the project's own kinds.
const APIVersion = "ml-autoscaling.io/v1alpha1"

// Kind is the policy kind.
const Kind = "MLAutoscalingPolicy"

// HPA conflict policies.
const (
	HPADelete = "delete"
	HPAAdopt  = "adopt"
	HPAError  = "error"
)

// DCGM label presets (spec.gpu.dcgmLabels).
const (
	DCGMLabelsPod         = "pod"
	DCGMLabelsPodName     = "pod_name"
	DCGMLabelsExportedPod = "exported_pod"
)

// DCGMLabelPresets maps a preset to its pod and namespace label names.
var DCGMLabelPresets = map[string][2]string{
	DCGMLabelsPod:         {"pod", "namespace"},
	DCGMLabelsPodName:     {"pod_name", "pod_namespace"},
	DCGMLabelsExportedPod: {"exported_pod", "exported_namespace"},
}

// GPU fallbacks on KEDA 2.16 (spec.gpu.staticFallback).
const (
	StaticFallbackNone = "none"
	StaticFallbackMax  = "max"
)

// DCGM utilisation gauges.
const (
	DCGMGPUUtil        = "DCGM_FI_DEV_GPU_UTIL"
	DCGMGrEngineActive = "DCGM_FI_PROF_GR_ENGINE_ACTIVE"
)

// DefaultPrometheusAddress is used when the policy names no Prometheus server:
// the kube-prometheus-stack operator's service, fully qualified so that KEDA's
// operator (which runs in its own namespace) can resolve it.
const DefaultPrometheusAddress = "http://prometheus-operated.monitoring.svc.cluster.local:9090"

// Oldest and newest KEDA minor versions whose admission rules the output is checked against.
const (
	OldestKEDAMinor = 16
	NewestKEDAMinor = 21
)

// Policy is the MLAutoscalingPolicy resource.
type Policy struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Metadata   Metadata `yaml:"metadata"`
	Spec       Spec     `yaml:"spec"`
}

// Metadata is the subset of object metadata a policy carries.
type Metadata struct {
	Name        string            `yaml:"name,omitempty"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// Spec holds the policy settings.
type Spec struct {
	// Prometheus is the server every Prometheus-based trigger queries.
	Prometheus Prometheus `yaml:"prometheus,omitempty"`
	// RabbitMQ holds defaults for RabbitMQ queue triggers.
	RabbitMQ RabbitMQ `yaml:"rabbitmq,omitempty"`
	// Defaults apply to every opted-in workload (below profiles and annotations).
	Defaults Settings `yaml:"defaults,omitempty"`
	// Profiles are named settings bundles selected with the profile annotation.
	Profiles map[string]Settings `yaml:"profiles,omitempty"`
	// Rules select workloads without touching the chart and give them settings (below annotations, above profiles).
	Rules []Rule `yaml:"rules,omitempty"`
	// HPAConflict says what happens to an HPA that targets a scaled workload: delete, adopt or error.
	HPAConflict string `yaml:"hpaConflict,omitempty"`
	// KeepReplicas keeps spec.replicas on scaled workloads (by default it is removed).
	KeepReplicas bool `yaml:"keepReplicas,omitempty"`
	// GPU holds the GPU-aware behaviour settings.
	GPU GPU `yaml:"gpu,omitempty"`
	// Predictive holds the predictive schedule settings.
	Predictive Predictive `yaml:"predictive,omitempty"`
	// KEDAVersion is the oldest KEDA minor version (e.g. "2.16") the output must satisfy.
	KEDAVersion string `yaml:"kedaVersion,omitempty"`
	// Strict turns every warning into an error that fails the render (a --strict flag or ML_AUTOSCALING_STRICT overrides it).
	Strict bool `yaml:"strict,omitempty"`
}

// Prometheus configures the Prometheus server used by triggers.
type Prometheus struct {
	// ServerAddress is the URL KEDA's operator uses; it must be resolvable from KEDA's namespace.
	ServerAddress string `yaml:"serverAddress,omitempty"`
	// AuthSecret names a Secret whose key `bearerToken` holds a bearer token.
	AuthSecret string `yaml:"authSecret,omitempty"`
}

// RabbitMQ holds RabbitMQ defaults.
type RabbitMQ struct {
	// Secret names the Secret whose key `host` holds the AMQP URL.
	Secret string `yaml:"secret,omitempty"`
}

// GPU holds GPU-aware behaviour settings.
type GPU struct {
	// ColdStart is how long a model server takes to become ready.
	ColdStart Duration `yaml:"coldStart,omitempty"`
	// UtilizationTarget is the default DCGM utilisation target in percent.
	UtilizationTarget int `yaml:"utilizationTarget,omitempty"`
	// ClusterBudget is the number of GPUs all scaled workloads together may hold (0 = no check).
	ClusterBudget int `yaml:"clusterBudget,omitempty"`
	// UtilizationMetric is the DCGM gauge the utilisation trigger reads; empty
	// means DCGM_FI_DEV_GPU_UTIL for whole GPUs and DCGM_FI_PROF_GR_ENGINE_ACTIVE
	// for MIG slices (DCGM exports no DCGM_FI_DEV_GPU_UTIL for MIG instances).
	UtilizationMetric string `yaml:"utilizationMetric,omitempty"`
	// UtilizationScale is the metric's value at 100 % (100 for DCGM_FI_DEV_GPU_UTIL,
	// 1 for the DCGM_FI_PROF_* ratios, which are the defaults for those names).
	UtilizationScale float64 `yaml:"utilizationScale,omitempty"`
	// DCGMLabels is a preset for PodLabel and NamespaceLabel: pod (pod, namespace),
	// pod_name (pod_name, pod_namespace: the exporter's old mode) or exported_pod
	// (exported_pod, exported_namespace: scraped through a ServiceMonitor with
	// honorLabels: false, the dcgm-exporter chart's default).
	DCGMLabels string `yaml:"dcgmLabels,omitempty"`
	// PodLabel and NamespaceLabel are the DCGM exporter's label names for pod and namespace.
	PodLabel       string `yaml:"podLabel,omitempty"`
	NamespaceLabel string `yaml:"namespaceLabel,omitempty"`
	// StaticFallback is what a GPU workload does when its metrics fail on
	// kedaVersion 2.16, whose fallback can only set a fixed replica count:
	// none (no fallback: the HPA keeps the current count) or max (maxReplicaCount).
	StaticFallback string `yaml:"staticFallback,omitempty"`
	// ScaleUpPods is how many pods a GPU workload may add per ScaleUpPeriod.
	ScaleUpPods int `yaml:"scaleUpPods,omitempty"`
	// ScaleUpPeriod is the period of the scale-up limit.
	ScaleUpPeriod Duration `yaml:"scaleUpPeriod,omitempty"`
	// ScaleDownStabilization overrides the scale-down stabilisation window (default twice ColdStart).
	ScaleDownStabilization Duration `yaml:"scaleDownStabilization,omitempty"`
}

// Predictive holds the predictive schedule settings.
type Predictive struct {
	Slot       Duration `yaml:"slot,omitempty"`
	Quantile   float64  `yaml:"quantile,omitempty"`
	HalfLife   Duration `yaml:"halfLife,omitempty"`
	LeadTime   Duration `yaml:"leadTime,omitempty"`
	Headroom   float64  `yaml:"headroom,omitempty"`
	MaxWindows int      `yaml:"maxWindows,omitempty"`
	Timezone   string   `yaml:"timezone,omitempty"`
	// Query is the demand query `record` uses, with {namespace} and {name}
	// placeholders; empty means the desired replicas of KEDA's HPA.
	Query string `yaml:"query,omitempty"`
}

// Settings are per-workload settings given in the policy (defaults or a
// profile). Each field corresponds to the workload annotation of the same
// name in kebab case (minReplicas ↔ ml-autoscaling.io/min-replicas) and is
// validated by the same parser, so values are kept as strings here.
type Settings struct {
	MinReplicas                   *string `yaml:"minReplicas,omitempty"`
	MaxReplicas                   *string `yaml:"maxReplicas,omitempty"`
	IdleReplicas                  *string `yaml:"idleReplicas,omitempty"`
	PollingInterval               *string `yaml:"pollingInterval,omitempty"`
	CooldownPeriod                *string `yaml:"cooldownPeriod,omitempty"`
	RabbitMQQueue                 *string `yaml:"rabbitmqQueue,omitempty"`
	RabbitMQMessagesPerReplica    *string `yaml:"rabbitmqMessagesPerReplica,omitempty"`
	RabbitMQSecret                *string `yaml:"rabbitmqSecret,omitempty"`
	PrometheusQuery               *string `yaml:"prometheusQuery,omitempty"`
	PrometheusThreshold           *string `yaml:"prometheusThreshold,omitempty"`
	PrometheusActivationThreshold *string `yaml:"prometheusActivationThreshold,omitempty"`
	CPUUtilization                *string `yaml:"cpuUtilization,omitempty"`
	MemoryUtilization             *string `yaml:"memoryUtilization,omitempty"`
	GPU                           *string `yaml:"gpu,omitempty"`
	GPUUtilization                *string `yaml:"gpuUtilization,omitempty"`
	InferenceServer               *string `yaml:"inferenceServer,omitempty"`
	QueuePerReplica               *string `yaml:"queuePerReplica,omitempty"`
	GPUBudget                     *string `yaml:"gpuBudget,omitempty"`
	Predictive                    *string `yaml:"predictive,omitempty"`
	HPAConflict                   *string `yaml:"hpaConflict,omitempty"`
}

// Entries returns the settings that are set, as (annotation suffix, field
// name, value) triples in field order.
func (s Settings) Entries() []SettingEntry {
	var out []SettingEntry
	v := reflect.ValueOf(s)
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		p := v.Field(i).Interface().(*string)
		if p == nil {
			continue
		}
		field, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		out = append(out, SettingEntry{Key: KebabCase(field), Field: field, Value: *p})
	}
	return out
}

// SettingEntry is one set value of Settings.
type SettingEntry struct {
	// Key is the annotation suffix (e.g. min-replicas); Field the policy field (minReplicas).
	Key, Field, Value string
}

// KebabCase turns a camelCase field name into the annotation suffix:
// rabbitmqMessagesPerReplica → rabbitmq-messages-per-replica.
func KebabCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Duration is a time.Duration that reads Go durations ("5m", "1h30m") or a
// whole number of seconds, and writes Go durations.
type Duration struct{ time.Duration }

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return d.Duration.String(), nil }

// ParseDuration reads a Go duration or a whole number of seconds.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%q is negative; a duration must be 0 or more", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration; use seconds (300) or a Go duration (30s, 5m, 1h)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative; a duration must be 0 or more", s)
	}
	return d, nil
}

// Default returns the built-in policy used when none is given.
func Default() *Policy {
	p := &Policy{APIVersion: APIVersion, Kind: Kind, Metadata: Metadata{Name: "built-in"}}
	p.applyDefaults()
	return p
}

func (p *Policy) applyDefaults() {
	s := &p.Spec
	if s.HPAConflict == "" {
		s.HPAConflict = HPADelete
	}
	if s.KEDAVersion == "" {
		s.KEDAVersion = fmt.Sprintf("2.%d", OldestKEDAMinor)
	}
	if s.GPU.ColdStart.Duration == 0 {
		s.GPU.ColdStart.Duration = 5 * time.Minute
	}
	if s.GPU.UtilizationTarget == 0 {
		s.GPU.UtilizationTarget = 70
	}
	preset := DCGMLabelPresets[s.GPU.DCGMLabels]
	if s.GPU.DCGMLabels == "" {
		preset = DCGMLabelPresets[DCGMLabelsPod]
	}
	if s.GPU.PodLabel == "" {
		s.GPU.PodLabel = preset[0]
	}
	if s.GPU.NamespaceLabel == "" {
		s.GPU.NamespaceLabel = preset[1]
	}
	if s.GPU.StaticFallback == "" {
		s.GPU.StaticFallback = StaticFallbackNone
	}
	if s.GPU.ScaleUpPods == 0 {
		s.GPU.ScaleUpPods = 1
	}
	if s.GPU.ScaleUpPeriod.Duration == 0 {
		s.GPU.ScaleUpPeriod.Duration = 2 * time.Minute
	}
	pr := &s.Predictive
	if pr.Slot.Duration == 0 {
		pr.Slot.Duration = 30 * time.Minute
	}
	if pr.Quantile == 0 {
		pr.Quantile = 0.9
	}
	if pr.HalfLife.Duration == 0 {
		pr.HalfLife.Duration = 168 * time.Hour
	}
	if pr.MaxWindows == 0 {
		pr.MaxWindows = 8
	}
	if pr.Timezone == "" {
		pr.Timezone = "UTC"
	}
}

// Utilization returns the DCGM gauge a GPU workload's utilisation trigger
// reads and its value at 100 % (mig: the pod claims MIG slices), and where
// the choice came from.
func (g GPU) Utilization(mig bool) (metric string, scale float64, why string) {
	switch {
	case g.UtilizationMetric != "":
		metric, why = g.UtilizationMetric, "policy spec.gpu.utilizationMetric"
	case mig:
		metric, why = DCGMGrEngineActive, "MIG slice: DCGM exports no "+DCGMGPUUtil+" for MIG instances"
	default:
		metric, why = DCGMGPUUtil, "whole GPU"
	}
	scale = g.UtilizationScale
	if scale == 0 {
		scale = defaultScale(metric)
	}
	return metric, scale, why
}

// defaultScale is a DCGM gauge's value at 100 %: 100 for the percentage
// DCGM_FI_DEV_GPU_UTIL, 1 for the DCGM_FI_PROF_* ratios, 0 when unknown.
func defaultScale(metric string) float64 {
	switch {
	case metric == DCGMGPUUtil:
		return 100
	case strings.HasPrefix(metric, "DCGM_FI_PROF_"):
		return 1
	}
	return 0
}

// PrometheusAddress returns the configured server address or the built-in default.
func (p *Policy) PrometheusAddress() string {
	if p.Spec.Prometheus.ServerAddress != "" {
		return p.Spec.Prometheus.ServerAddress
	}
	return DefaultPrometheusAddress
}

// KEDAMinor returns the minor version of spec.kedaVersion (e.g. 16 for "2.16").
func (p *Policy) KEDAMinor() int {
	m, _ := parseKEDAVersion(p.Spec.KEDAVersion)
	return m
}

func parseKEDAVersion(s string) (int, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	major, minor, ok := strings.Cut(s, ".")
	if ok {
		minor, _, _ = strings.Cut(minor, ".")
	}
	m, err := strconv.Atoi(minor)
	if !ok || major != "2" || err != nil {
		return 0, fmt.Errorf("not a KEDA 2.x version")
	}
	if m < OldestKEDAMinor || m > NewestKEDAMinor {
		return 0, fmt.Errorf("outside the supported range")
	}
	return m, nil
}

// Parse reads a policy from a KRM resource: an MLAutoscalingPolicy or a
// ConfigMap whose data holds the same settings flattened with dots
// (prometheus.serverAddress). A nil or empty node yields the built-in
// defaults. All problems are returned as error diagnostics.
func Parse(node *yaml.RNode) (*Policy, diag.List) {
	if node == nil || node.IsNilOrEmpty() {
		return Default(), nil
	}
	var out diag.List
	if y := node.YNode(); y.Kind != yaml.MappingNode {
		out.Errorf(diag.Ref{}, "policy document", "", "an "+Kind+" or ConfigMap resource (a YAML mapping)", "the policy is not a YAML mapping")
		return nil, out
	}
	node, ok := readPolicyNode(node, &out)
	if !ok {
		return nil, out
	}
	kind := node.GetKind()
	if md := node.Field("metadata"); md != nil && md.Value != nil && md.Value.YNode().Kind != yaml.MappingNode {
		out.Errorf(diag.Ref{APIVersion: node.GetApiVersion(), Kind: kind}, "metadata", "", "a mapping with name (and namespace)", "metadata is not a mapping")
		return nil, out
	}
	for _, f := range []string{"labels", "annotations"} {
		if sub, _ := node.Pipe(yaml.Lookup("metadata", f)); sub != nil && sub.YNode().Kind != yaml.MappingNode {
			out.Errorf(diag.Ref{APIVersion: node.GetApiVersion(), Kind: kind}, "metadata."+f, "", "a mapping", "metadata.%s is not a mapping", f)
			return nil, out
		}
	}
	ref := diag.Ref{APIVersion: node.GetApiVersion(), Kind: kind, Namespace: node.GetNamespace(), Name: node.GetName()}
	var spec *yaml.Node
	p := &Policy{APIVersion: node.GetApiVersion(), Kind: kind}
	switch {
	case kind == "ConfigMap":
		if !checkConfigMapFields(node.YNode(), ref, &out) {
			return nil, out
		}
		dataNode := node.Field("data")
		data, ok := configMapData(dataNode, ref, &out)
		if !ok {
			return nil, out
		}
		var err error
		spec, err = unflatten(data)
		if err != nil {
			out.Errorf(ref, "data", "", "keys such as prometheus.serverAddress or profiles.<name>.minReplicas", "%v", err)
			return nil, out
		}
	case kind == Kind:
		if av := node.GetApiVersion(); av != APIVersion {
			out.Errorf(ref, "apiVersion", av, APIVersion, "unsupported apiVersion for %s", Kind)
			return nil, out
		}
		checkKnownFields(node.YNode(), reflect.TypeOf(Policy{}), "", &out, ref)
		if f := node.Field("spec"); f != nil {
			spec = f.Value.YNode()
		}
	default:
		out.Errorf(ref, "kind", kind, Kind+" or ConfigMap", "unsupported function config kind")
		return nil, out
	}
	p.Metadata = Metadata{Name: node.GetName(), Namespace: node.GetNamespace()}
	if spec != nil {
		path := "spec"
		if kind == "ConfigMap" {
			path = "data"
			checkKnownFields(spec, reflect.TypeOf(Spec{}), path, &out, ref)
		}
		checkTypes(spec, reflect.TypeOf(Spec{}), path, &out, ref)
		if out.HasErrors() {
			return nil, out
		}
		if err := spec.Decode(&p.Spec); err != nil {
			out.Errorf(ref, "spec", "", "see the MLAutoscalingPolicy reference", "%s", cleanYAMLError(err))
			return nil, out
		}
	}
	p.applyDefaults()
	p.validate(ref, &out)
	if out.HasErrors() {
		return nil, out
	}
	return p, out
}

// readPolicyNode returns the policy as go-yaml v2 reads it (merge keys
// applied, aliases expanded), reporting what makes it ambiguous: a key
// given twice (spec: twice would otherwise select one of them silently).
func readPolicyNode(node *yaml.RNode, out *diag.List) (*yaml.RNode, bool) {
	read, problems := kubeyaml.ReadStructure(node.YNode())
	ref := diag.Ref{APIVersion: node.GetApiVersion(), Kind: node.GetKind(), Name: node.GetName()}
	for _, p := range problems {
		field := p.Path
		if field == "" {
			field = "policy document"
		}
		out.Errorf(ref, field, p.Value, p.Allowed, "%s", p.Message)
	}
	if len(problems) > 0 || read == nil {
		return nil, false
	}
	return yaml.NewRNode(read), true
}

// configMapFields are the fields of a ConfigMap policy; binaryData is one
// of ConfigMap's but holds no settings.
var configMapFields = []string{"apiVersion", "data", "immutable", "kind", "metadata"}

// checkConfigMapFields reports a ConfigMap policy's fields other than
// configMapFields: settings in binaryData or under a misspelt data would
// otherwise leave the built-in defaults in force without a word.
func checkConfigMapFields(m *yaml.Node, ref diag.Ref, out *diag.List) bool {
	ok := true
	for i := 0; i+1 < len(m.Content); i += 2 {
		key := m.Content[i].Value
		if slices.Contains(configMapFields, key) {
			continue
		}
		msg := "unknown field of a ConfigMap policy"
		if key == "binaryData" {
			msg = "binaryData is not read: a ConfigMap policy's settings are strings in data"
		} else if near := diag.Nearest(key, configMapFields); near != "" {
			msg += "; did you mean " + near + "?"
		}
		out.Errorf(ref, key, "", strings.Join(configMapFields, ", "), "%s", msg)
		ok = false
	}
	return ok
}

// configMapData reads a ConfigMap's data, reporting each key whose value
// is not a single (string) value.
func configMapData(f *yaml.MapNode, ref diag.Ref, out *diag.List) (map[string]string, bool) {
	data := map[string]string{}
	if f == nil || f.Value == nil || f.Value.YNode().ShortTag() == "!!null" {
		return data, true
	}
	m := f.Value.YNode()
	if m.Kind != yaml.MappingNode {
		out.Errorf(ref, "data", yamltext.Snippet(m), "a mapping of keys such as gpu.utilizationTarget to string values", "cannot read ConfigMap data: it is %s, not a mapping", yamltext.Kind(m))
		return nil, false
	}
	ok := true
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i].Value, m.Content[i+1]
		for v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		if v.Kind != yaml.ScalarNode {
			out.Errorf(ref, "data."+k, yamltext.Snippet(v), "string values (ConfigMap data is flat: write gpu.coldStart: 5m, not gpu: {coldStart: 5m})", "cannot read ConfigMap data: the value is %s", yamltext.Kind(v))
			ok = false
			continue
		}
		data[k] = v.Value
	}
	return data, ok
}

// unflatten turns ConfigMap data with dotted keys into a YAML mapping of plain
// scalars, so that the typed decoder converts numbers and booleans.
func unflatten(data map[string]string) (*yaml.Node, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		if isRuleKey(k) {
			continue // rules.<name> holds a whole rule: see unflattenRules
		}
		parts := strings.Split(k, ".")
		if len(parts) > 2 && parts[0] == "profiles" {
			// profile names may contain dots: profiles.<name>.<field>
			parts = []string{"profiles", strings.Join(parts[1:len(parts)-1], "."), parts[len(parts)-1]}
		}
		cur := root
		for i, part := range parts {
			if part == "" {
				return nil, fmt.Errorf("key %q has an empty segment", k)
			}
			var next *yaml.Node
			for j := 0; j+1 < len(cur.Content); j += 2 {
				if cur.Content[j].Value == part {
					next = cur.Content[j+1]
				}
			}
			last := i == len(parts)-1
			if next == nil {
				next = &yaml.Node{Kind: yaml.MappingNode}
				if last {
					next = &yaml.Node{Kind: yaml.ScalarNode, Value: data[k]}
				}
				cur.Content = append(cur.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: part}, next)
			} else if last || next.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("key %q conflicts with another key", k)
			}
			cur = next
		}
	}
	rules, err := unflattenRules(data, keys)
	if err != nil {
		return nil, err
	}
	if rules != nil {
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "rules"}, rules)
	}
	return root, nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func cleanYAMLError(err error) string {
	return strings.TrimPrefix(strings.ReplaceAll(err.Error(), "\n", "; "), "yaml: unmarshal errors:; ")
}

func (p *Policy) validate(ref diag.Ref, out *diag.List) {
	s := &p.Spec
	switch s.HPAConflict {
	case HPADelete, HPAAdopt, HPAError:
	default:
		out.Errorf(ref, "spec.hpaConflict", s.HPAConflict, "delete, adopt, error", "unknown HPA conflict policy")
	}
	if _, err := parseKEDAVersion(s.KEDAVersion); err != nil {
		out.Errorf(ref, "spec.kedaVersion", s.KEDAVersion, fmt.Sprintf("2.%d to 2.%d", OldestKEDAMinor, NewestKEDAMinor), "%v", err)
	}
	if a := s.Prometheus.ServerAddress; a != "" {
		if msg := CheckServerAddress(a); msg != "" {
			out.Errorf(ref, serverAddressPath, a, "an http(s) URL without credentials, e.g. "+DefaultPrometheusAddress, "%s", msg)
		}
	}
	checkCredentials(ref, s, out)
	if n := s.Prometheus.AuthSecret; n != "" && !IsDNSName(n) {
		shown, msg := BadSecretName(n)
		out.Errorf(ref, "spec.prometheus.authSecret", shown, "a Secret name (lower-case DNS subdomain)", "%s", msg)
	}
	if n := s.RabbitMQ.Secret; n != "" && !IsDNSName(n) {
		shown, msg := BadSecretName(n)
		out.Errorf(ref, "spec.rabbitmq.secret", shown, "a Secret name (lower-case DNS subdomain)", "%s", msg)
	}
	g := s.GPU
	if g.UtilizationTarget < 1 || g.UtilizationTarget > 100 {
		out.Errorf(ref, "spec.gpu.utilizationTarget", strconv.Itoa(g.UtilizationTarget), "1 to 100", "GPU utilisation target out of range")
	}
	if g.ClusterBudget < 0 {
		out.Errorf(ref, "spec.gpu.clusterBudget", strconv.Itoa(g.ClusterBudget), "0 (no check) or more", "negative GPU budget")
	}
	if g.ScaleUpPods < 0 {
		out.Errorf(ref, "spec.gpu.scaleUpPods", strconv.Itoa(g.ScaleUpPods), "1 or more", "negative scale-up limit")
	}
	validateDCGM(g, ref, out)
	pr := s.Predictive
	if pr.Slot.Duration < time.Minute || (24*time.Hour)%pr.Slot.Duration != 0 {
		out.Errorf(ref, "spec.predictive.slot", pr.Slot.String(), "a whole number of minutes that divides 24h (5m, 15m, 30m, 1h)", "invalid slot length")
	}
	if pr.Quantile <= 0 || pr.Quantile > 1 {
		out.Errorf(ref, "spec.predictive.quantile", fmt.Sprint(pr.Quantile), "a number in (0, 1]", "quantile out of range")
	}
	if pr.Headroom < 0 || pr.Headroom > 10 {
		out.Errorf(ref, "spec.predictive.headroom", fmt.Sprint(pr.Headroom), "a fraction from 0 to 10 (0.1 = 10 %)", "headroom out of range")
	}
	if pr.MaxWindows < 1 || pr.MaxWindows > 48 {
		out.Errorf(ref, "spec.predictive.maxWindows", strconv.Itoa(pr.MaxWindows), "1 to 48", "window budget out of range")
	}
	if _, err := time.LoadLocation(pr.Timezone); err != nil {
		out.Errorf(ref, "spec.predictive.timezone", pr.Timezone, "an IANA time zone such as UTC or Europe/Berlin", "unknown time zone")
	}
	for _, name := range sortedKeys(s.Profiles) {
		if !IsDNSLabel(name) {
			out.Errorf(ref, "spec.profiles."+name, name, "lower-case letters, digits and '-'", "invalid profile name")
		}
	}
	p.validateRules(ref, out)
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// validateDCGM checks the DCGM metric, its scale, the label names (which go
// into PromQL selectors) and the fallback choice.
func validateDCGM(g GPU, ref diag.Ref, out *diag.List) {
	if m := g.UtilizationMetric; m != "" && !metricName.MatchString(m) {
		out.Errorf(ref, "spec.gpu.utilizationMetric", m, "a Prometheus metric name such as "+DCGMGrEngineActive, "not a metric name")
	}
	switch {
	case g.UtilizationScale < 0 || g.UtilizationScale > 1e6:
		out.Errorf(ref, "spec.gpu.utilizationScale", fmt.Sprint(g.UtilizationScale), "the metric's value at 100 %: a number above 0, at most 1000000 (100 for DCGM_FI_DEV_GPU_UTIL, 1 for DCGM_FI_PROF_* ratios)", "out of range")
	case g.UtilizationScale == 0 && g.UtilizationMetric != "" && defaultScale(g.UtilizationMetric) == 0:
		out.Errorf(ref, "spec.gpu.utilizationScale", "", "the metric's value at 100 % (e.g. 100 for a percentage, 1 for a ratio)",
			"utilizationMetric %s needs utilizationScale: its unit is not known", g.UtilizationMetric)
	}
	if g.DCGMLabels != "" {
		preset, ok := DCGMLabelPresets[g.DCGMLabels]
		switch {
		case !ok:
			out.Errorf(ref, "spec.gpu.dcgmLabels", g.DCGMLabels, "pod, pod_name, exported_pod", "unknown DCGM label preset")
		case preset != [2]string{g.PodLabel, g.NamespaceLabel}:
			out.Errorf(ref, "spec.gpu.dcgmLabels", g.DCGMLabels, "either dcgmLabels or podLabel/namespaceLabel",
				"the preset sets podLabel %s and namespaceLabel %s, but the policy also sets %s and %s", preset[0], preset[1], g.PodLabel, g.NamespaceLabel)
		}
	}
	for _, l := range [][2]string{{"spec.gpu.podLabel", g.PodLabel}, {"spec.gpu.namespaceLabel", g.NamespaceLabel}} {
		if !labelName.MatchString(l[1]) {
			out.Errorf(ref, l[0], l[1], "a Prometheus label name (letters, digits, _; not starting with a digit)", "not a label name")
		}
	}
	if g.StaticFallback != StaticFallbackNone && g.StaticFallback != StaticFallbackMax {
		out.Errorf(ref, "spec.gpu.staticFallback", g.StaticFallback, "none, max", "unknown fallback")
	}
}

func sortedKeys(m map[string]Settings) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

// CheckServerAddress returns "" when a is a usable http(s) URL without
// credentials, and otherwise says what is wrong.
func CheckServerAddress(a string) string {
	if c := diag.FindCredentials(a); len(c) > 0 {
		return "contains plaintext credentials (" + c[0].What() + "); put a bearer token in a Secret and name it in spec.prometheus.authSecret"
	}
	u, err := url.Parse(a)
	if err != nil || u.Host == "" {
		return "not an absolute URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "scheme must be http or https"
	}
	if u.User != nil {
		return "contains user information (scheme://user@host); put a bearer token in a Secret and name it in spec.prometheus.authSecret"
	}
	return ""
}

// IsNamespaceQualified reports whether the host of address can be resolved
// from another namespace: an IP address, or a name with at least one dot
// (service.namespace[.svc[.cluster.local]]) other than localhost.
func IsNamespaceQualified(address string) bool {
	u, err := url.Parse(address)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return strings.Contains(host, ".") && host != "localhost"
}

// BadSecretName returns what a message may show of n, which is not a
// Secret name, and why. A value with ':' or '@' is withheld: it is likely
// the connection string (user:password@host) that belongs in the Secret,
// and no detector finds every spelling of one.
func BadSecretName(n string) (shown, msg string) {
	if strings.ContainsAny(n, ":@") {
		return "", "not a valid Secret name: it holds ':' or '@', like a connection string (user:password@host), so it is not shown; put the connection string in the Secret and name the Secret here"
	}
	return n, "not a valid Secret name"
}

// IsDNSName reports whether s is a valid lower-case RFC 1123 subdomain (a Secret name).
func IsDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !IsDNSLabel(label) {
			return false
		}
	}
	return true
}

// IsDNSLabel reports whether s is a valid RFC 1123 label.
func IsDNSLabel(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}
