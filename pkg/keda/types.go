// Package keda holds the project's own small typed model of the KEDA
// objects it emits (ScaledObject, TriggerAuthentication) with KEDA's field
// names, their rendering to kyaml nodes, and the render-time admission rules
// of every KEDA version from the policy's oldest (2.16) to 2.21. It does not
// import KEDA: shipped binaries stay lean; tests prove conformance against
// KEDA's own types, validators and CRD schemas.
package keda

// APIVersion is KEDA's API version.
const APIVersion = "keda.sh/v1alpha1"

// Kinds emitted.
const (
	KindScaledObject          = "ScaledObject"
	KindTriggerAuthentication = "TriggerAuthentication"
)

// Well-known KEDA annotations.
const (
	// TransferHPAOwnership lets KEDA take over an existing HPA named in
	// spec.advanced.horizontalPodAutoscalerConfig.name.
	TransferHPAOwnership = "scaledobject.keda.sh/transfer-hpa-ownership"
)

// Metric types.
const (
	MetricAverageValue = "AverageValue"
	MetricUtilization  = "Utilization"
)

// ObjectMeta is the metadata the tool sets on generated objects.
type ObjectMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// ScaledObject is keda.sh/v1alpha1 ScaledObject (the fields the tool uses).
type ScaledObject struct {
	APIVersion string           `yaml:"apiVersion"`
	Kind       string           `yaml:"kind"`
	Metadata   ObjectMeta       `yaml:"metadata"`
	Spec       ScaledObjectSpec `yaml:"spec"`
}

// ScaledObjectSpec is the spec of a ScaledObject.
type ScaledObjectSpec struct {
	ScaleTargetRef   ScaleTarget    `yaml:"scaleTargetRef"`
	PollingInterval  *int32         `yaml:"pollingInterval,omitempty"`
	CooldownPeriod   *int32         `yaml:"cooldownPeriod,omitempty"`
	IdleReplicaCount *int32         `yaml:"idleReplicaCount,omitempty"`
	MinReplicaCount  *int32         `yaml:"minReplicaCount,omitempty"`
	MaxReplicaCount  *int32         `yaml:"maxReplicaCount,omitempty"`
	Fallback         *Fallback      `yaml:"fallback,omitempty"`
	Advanced         *Advanced      `yaml:"advanced,omitempty"`
	Triggers         []ScaleTrigger `yaml:"triggers"`
}

// ScaleTarget is the workload a ScaledObject scales.
type ScaleTarget struct {
	APIVersion string `yaml:"apiVersion,omitempty"`
	Kind       string `yaml:"kind,omitempty"`
	Name       string `yaml:"name"`
}

// Fallback is the replica count KEDA keeps when a scaler keeps failing.
type Fallback struct {
	FailureThreshold int32 `yaml:"failureThreshold"`
	Replicas         int32 `yaml:"replicas"`
	// Behavior exists from KEDA 2.17 (static, currentReplicas, currentReplicasIfHigher, currentReplicasIfLower).
	Behavior string `yaml:"behavior,omitempty"`
}

// Advanced holds the HPA configuration.
type Advanced struct {
	HorizontalPodAutoscalerConfig *HPAConfig `yaml:"horizontalPodAutoscalerConfig,omitempty"`
}

// HPAConfig names the HPA and sets its scaling behaviour.
type HPAConfig struct {
	Name     string       `yaml:"name,omitempty"`
	Behavior *HPABehavior `yaml:"behavior,omitempty"`
}

// HPABehavior is autoscaling/v2 HorizontalPodAutoscalerBehavior.
type HPABehavior struct {
	ScaleUp   *HPAScalingRules `yaml:"scaleUp,omitempty"`
	ScaleDown *HPAScalingRules `yaml:"scaleDown,omitempty"`
}

// HPAScalingRules is autoscaling/v2 HPAScalingRules.
type HPAScalingRules struct {
	StabilizationWindowSeconds *int32             `yaml:"stabilizationWindowSeconds,omitempty"`
	SelectPolicy               string             `yaml:"selectPolicy,omitempty"`
	Policies                   []HPAScalingPolicy `yaml:"policies,omitempty"`
}

// HPAScalingPolicy is autoscaling/v2 HPAScalingPolicy.
type HPAScalingPolicy struct {
	Type          string `yaml:"type"`
	Value         int32  `yaml:"value"`
	PeriodSeconds int32  `yaml:"periodSeconds"`
}

// ScaleTrigger is one entry of spec.triggers.
type ScaleTrigger struct {
	Type              string            `yaml:"type"`
	Name              string            `yaml:"name,omitempty"`
	UseCachedMetrics  bool              `yaml:"useCachedMetrics,omitempty"`
	MetricType        string            `yaml:"metricType,omitempty"`
	Metadata          map[string]string `yaml:"metadata"`
	AuthenticationRef *AuthRef          `yaml:"authenticationRef,omitempty"`
}

// AuthRef points a trigger at a TriggerAuthentication.
type AuthRef struct {
	Name string `yaml:"name"`
	Kind string `yaml:"kind,omitempty"`
}

// TriggerAuthentication is keda.sh/v1alpha1 TriggerAuthentication restricted
// to secretTargetRef: credentials always come from Secrets.
type TriggerAuthentication struct {
	APIVersion string                    `yaml:"apiVersion"`
	Kind       string                    `yaml:"kind"`
	Metadata   ObjectMeta                `yaml:"metadata"`
	Spec       TriggerAuthenticationSpec `yaml:"spec"`
}

// TriggerAuthenticationSpec is the spec of a TriggerAuthentication.
type TriggerAuthenticationSpec struct {
	SecretTargetRef []SecretTargetRef `yaml:"secretTargetRef"`
}

// SecretTargetRef maps a trigger parameter to a Secret key.
type SecretTargetRef struct {
	Parameter string `yaml:"parameter"`
	Name      string `yaml:"name"`
	Key       string `yaml:"key"`
}

// HPAName returns the name of the HPA KEDA creates or adopts for so.
func (so *ScaledObject) HPAName() string {
	if a := so.Spec.Advanced; a != nil && a.HorizontalPodAutoscalerConfig != nil && a.HorizontalPodAutoscalerConfig.Name != "" {
		return a.HorizontalPodAutoscalerConfig.Name
	}
	return DefaultHPAName(so.Metadata.Name)
}

// SetHPAName sets spec.advanced.horizontalPodAutoscalerConfig.name.
func (so *ScaledObject) SetHPAName(name string) {
	if so.Spec.Advanced == nil {
		so.Spec.Advanced = &Advanced{}
	}
	if so.Spec.Advanced.HorizontalPodAutoscalerConfig == nil {
		so.Spec.Advanced.HorizontalPodAutoscalerConfig = &HPAConfig{}
	}
	so.Spec.Advanced.HorizontalPodAutoscalerConfig.Name = name
}

// Int32 returns a pointer to v.
func Int32(v int32) *int32 { return &v }
