package transform

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/explain"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/triggers"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// builder assembles the KEDA objects of one workload.
type builder struct {
	w      *workload.Workload
	spec   *annotations.Spec
	policy *config.Policy
	plan   *explain.Plan
	so     *keda.ScaledObject
	set    *triggers.Set
	// releaseNamespace is the namespace of resources that omit one.
	releaseNamespace string
	// history is the workload's recorded demand (nil when none).
	history *history.History
	// previousFloor holds the predictive triggers of the earlier output, if any.
	previousFloor *keptFloor
	// previousWarnings holds the warnings recorded on the earlier output's ScaledObject.
	previousWarnings []string
}

func (b *builder) why(k string) string {
	src := b.spec.Sources[k]
	if src == annotations.SourceAnnotation {
		return "annotation " + annotations.Prefix + k
	}
	if src == "" {
		return "KEDA's default"
	}
	return src
}

// build makes the ScaledObject and TriggerAuthentications (ScaledObject first).
func (b *builder) build() ([]*yaml.RNode, diag.List) {
	if !podname.HasPods(b.w.Ref.Kind, b.w.Ref.Name) {
		var d diag.List
		d.Errorf(b.w.Ref, "metadata.name", b.w.Ref.Name, "a Deployment name of at most 251 characters",
			"Kubernetes names this Deployment's ReplicaSets <name>-<hash>, which would exceed 253 characters: it never has pods to scale")
		return nil, d
	}
	set, d := triggers.Build(triggers.Input{Workload: b.w, Spec: b.spec, Policy: b.policy, ReleaseNamespace: b.releaseNamespace})
	if d.HasErrors() {
		return nil, d
	}
	b.set = set
	s := b.spec
	so := &keda.ScaledObject{
		APIVersion: keda.APIVersion,
		Kind:       keda.KindScaledObject,
		Metadata:   keda.ObjectMeta{Name: keda.ScaledObjectName(b.w.Ref.Name), Namespace: b.w.Ref.Namespace},
		Spec: keda.ScaledObjectSpec{
			ScaleTargetRef:   keda.ScaleTarget{APIVersion: "apps/v1", Kind: b.w.Ref.Kind, Name: b.w.Ref.Name},
			PollingInterval:  s.PollingInterval,
			CooldownPeriod:   s.CooldownPeriod,
			IdleReplicaCount: s.IdleReplicas,
			MinReplicaCount:  keda.Int32(s.MinReplicas),
			MaxReplicaCount:  keda.Int32(s.MaxReplicas),
			Triggers:         set.Triggers,
		},
	}
	b.so = so
	b.plan.Class = "CPU workload"
	if s.Profile != "" {
		b.plan.Add("profile", s.Profile, b.why(annotations.KeyProfile))
	}
	b.plan.Add("minReplicaCount", itoa(s.MinReplicas), b.why(annotations.KeyMinReplicas))
	b.plan.Add("maxReplicaCount", itoa(s.MaxReplicas), b.why(annotations.KeyMaxReplicas))
	if s.IdleReplicas != nil {
		b.plan.Add("idleReplicaCount", itoa(*s.IdleReplicas), b.why(annotations.KeyIdleReplicas))
	}
	if s.PollingInterval != nil {
		b.plan.Add("pollingInterval", itoa(*s.PollingInterval)+"s", b.why(annotations.KeyPollingInterval))
	} else {
		b.plan.Add("pollingInterval", "30s", "KEDA's default")
	}
	if s.CooldownPeriod != nil {
		b.plan.Add("cooldownPeriod", itoa(*s.CooldownPeriod)+"s", b.why(annotations.KeyCooldownPeriod))
	} else {
		b.plan.Add("cooldownPeriod", "300s", "KEDA's default")
	}
	b.nameHPA()
	d = append(d, b.applyGPU()...)
	if d.HasErrors() {
		return nil, d
	}
	d = append(d, b.applyPredictive(b.history)...)
	if d.HasErrors() {
		return nil, d
	}
	so.Spec.Triggers = b.so.Spec.Triggers
	for i, t := range so.Spec.Triggers {
		b.plan.Triggers = append(b.plan.Triggers, explain.Trigger{Name: t.Name, Type: t.Type, Detail: set.Notes[i]})
	}
	for _, n := range set.NoteOnly {
		b.plan.Triggers = append(b.plan.Triggers, explain.Trigger{Name: "gpu-utilization", Type: "not added", Detail: n})
	}
	objs := make([]*yaml.RNode, 0, 1+len(set.Auths))
	b.decorate(&so.Metadata)
	n, err := keda.ToRNode(so)
	if err != nil {
		d.Errorf(b.w.Ref, "", "", "", "cannot render ScaledObject: %v", err)
		return nil, d
	}
	objs = append(objs, n)
	for i := range set.Auths {
		a := &set.Auths[i]
		b.decorate(&a.Metadata)
		for _, v := range keda.CheckAuth(a) {
			d.Errorf(b.w.Ref, "TriggerAuthentication "+v.Field, "", "", "%s", v.Message)
		}
		an, err := keda.ToRNode(a)
		if err != nil {
			d.Errorf(b.w.Ref, "", "", "", "cannot render TriggerAuthentication: %v", err)
			return nil, d
		}
		objs = append(objs, an)
	}
	return objs, d
}

// nameHPA sets the name of KEDA's HPA when KEDA's default does not fit or
// the workload chooses one, and says why.
func (b *builder) nameHPA() {
	so := b.so
	if so.Metadata.Name != b.w.Ref.Name {
		b.plan.Add("ScaledObject name", so.Metadata.Name, fmt.Sprintf("the workload's name has %d characters, KEDA allows %d: shortened, with a hash of the full name", len(b.w.Ref.Name), keda.MaxNameLength))
	}
	name, set := keda.HPANameFor(b.w.Ref.Name, b.spec.HPAName)
	if !set {
		return
	}
	so.SetHPAName(name)
	why := "annotation " + annotations.Prefix + annotations.KeyHPAName
	if b.spec.HPAName == "" {
		def := keda.DefaultHPAName(so.Metadata.Name)
		why = fmt.Sprintf("KEDA's default %s would have %d characters, KEDA allows %d: shortened, with a hash of the full name (%s chooses another)",
			def, len(def), keda.MaxNameLength, annotations.Prefix+annotations.KeyHPAName)
	}
	b.plan.Add("HPA name", name, why)
}

// decorate copies the workload's labels and Helm 4's file annotation onto a
// generated object's metadata and marks it as generated (before rendering:
// setting them on the rendered node would cost a YAML round trip per value).
func (b *builder) decorate(m *keda.ObjectMeta) {
	if len(b.w.Labels) > 0 {
		m.Labels = b.w.Labels
	}
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[GeneratedForAnnotation] = b.w.Ref.Kind + "/" + b.w.Ref.Name
	if f, ok := b.w.Annotations[HelmFilenameAnnotation]; ok {
		m.Annotations[HelmFilenameAnnotation] = f
	}
}

// checkAdoptable refuses an HPA KEDA cannot adopt: one whose name is
// longer than KEDA allows, or another than the workload's hpa-name.
func (b *builder) checkAdoptable(h *hpa.HPA) diag.List {
	var d diag.List
	href := diag.Ref{APIVersion: h.Node.GetApiVersion(), Kind: hpa.Kind, Namespace: h.Namespace, Name: h.Name}
	if len(h.Name) > keda.MaxNameLength {
		d.Errorf(href, "metadata.name", h.Name, fmt.Sprintf("an HPA name of at most %d characters, or hpa-conflict: delete", keda.MaxNameLength),
			"KEDA adopts an HPA under its own name, and allows HPA names of at most %d characters (this one has %d)", keda.MaxNameLength, len(h.Name))
	}
	if b.spec.HPAName != "" && b.spec.HPAName != h.Name {
		d.Errorf(b.w.Ref, annotations.Prefix+annotations.KeyHPAName, b.spec.HPAName,
			fmt.Sprintf("%q, the name of the HPA KEDA adopts, or hpa-conflict: delete", h.Name),
			"KEDA takes over the existing HPA %s only under its own name, so the HPA cannot also be called %s", h.Name, b.spec.HPAName)
	}
	return d
}

// resolveHPAs applies the workload's HPA conflict policy to the HPAs that target it.
func (b *builder) resolveHPAs(mine []*hpa.HPA, drop map[*yaml.RNode]bool) diag.List {
	var d diag.List
	names := make([]string, 0, len(mine))
	for _, h := range mine {
		names = append(names, h.Name)
	}
	sort.Strings(names)
	list := strings.Join(names, ", ")
	switch b.spec.HPAConflict {
	case config.HPADelete:
		for _, h := range mine {
			drop[h.Node] = true
		}
		b.plan.Add("HPA "+list, "removed", "it targets the workload too; two HPAs on one workload make the HPA controller stop with AmbiguousSelector ("+b.why(annotations.KeyHPAConflict)+": delete)")
	case config.HPAAdopt:
		if len(mine) > 1 {
			d.Errorf(b.w.Ref, annotations.Prefix+annotations.KeyHPAConflict, "adopt", "exactly one HPA per workload to adopt, or hpa-conflict: delete",
				"several HPAs (%s) target the workload; KEDA can adopt only one", list)
			return d
		}
		if d = b.checkAdoptable(mine[0]); d.HasErrors() {
			return d
		}
		b.so.SetHPAName(mine[0].Name)
		b.setRow("HPA name", mine[0].Name, "the adopted HPA's: KEDA takes over an HPA only under its own name")
		if b.so.Metadata.Annotations == nil {
			b.so.Metadata.Annotations = map[string]string{}
		}
		b.so.Metadata.Annotations[keda.TransferHPAOwnership] = "true"
		b.plan.Add("HPA "+list, "adopted", "KEDA takes ownership of the existing HPA ("+b.why(annotations.KeyHPAConflict)+": adopt)")
	default:
		for _, h := range mine {
			d.Errorf(hpaRef(h), "spec.scaleTargetRef", b.w.Ref.Kind+"/"+b.w.Ref.Name,
				"remove the HPA, or set hpaConflict (policy) / "+annotations.Prefix+annotations.KeyHPAConflict+" to delete or adopt",
				"HPA targets %s, which KEDA will scale; two HPAs on one workload cause AmbiguousSelector", b.w.Ref)
		}
	}
	return d
}
