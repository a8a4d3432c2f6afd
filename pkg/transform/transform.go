// Package transform is the one pipeline every host calls: given the policy
// and the rendered resources, it returns the resources with every opted-in
// workload autoscaled by KEDA, plus diagnostics and per-workload
// explanations. It is pure: no files, network or clocks.
package transform

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/explain"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// GeneratedForAnnotation marks objects the tool generated and names the
// workload they belong to (Kind/name); such objects are replaced in place on
// the next run instead of being duplicated.
const GeneratedForAnnotation = "ml-autoscaling.io/generated-for"

// HelmFilenameAnnotation is set by Helm 4 on post-rendered documents; it is
// kept and copied from a workload onto its generated objects.
const HelmFilenameAnnotation = workload.HelmFilenameAnnotation

// HistoryKind is the kind of recorded-history input resources, which are consumed and dropped.
const HistoryKind = "ScalingHistory"

// Options configure a run.
type Options struct {
	// Policy is the parsed policy; nil means built-in defaults.
	Policy *config.Policy
	// PolicyRef names the policy resource in diagnostics.
	PolicyRef diag.Ref
	// ReleaseNamespace is the namespace of resources that omit one (Helm's
	// release namespace); empty when unknown.
	ReleaseNamespace string
	// KeepHistories passes ScalingHistory inputs through instead of dropping
	// them: in ResourceList mode (kpt, kustomize) they are local-config
	// files of the package, which kpt would delete if a function dropped them.
	KeepHistories bool
	// Strict, when not nil, is strict mode as given on the command line or
	// in the environment; it takes precedence over the policy's spec.strict.
	Strict *Switch
}

// Output is the result of a run.
type Output struct {
	// Items are the output resources; nil when Diagnostics has errors.
	Items []*yaml.RNode
	// Diagnostics are sorted: errors first.
	Diagnostics diag.List
	// Plans explain each scaled workload, in input order.
	Plans []*explain.Plan
	// Changed holds the input nodes that were modified in place.
	Changed map[*yaml.RNode]bool
	// Replaced maps a previously generated input object to the object that
	// replaces it at its position.
	Replaced map[*yaml.RNode]*yaml.RNode
}

type key struct{ kind, namespace, name string }

// Run transforms items according to the policy.
func Run(items []*yaml.RNode, opts Options) *Output {
	policy := opts.Policy
	if policy == nil {
		policy = config.Default()
	}
	out := &Output{Changed: map[*yaml.RNode]bool{}, Replaced: map[*yaml.RNode]*yaml.RNode{}}
	diags := annotations.ValidateSettings(opts.PolicyRef, policy)
	if ns := opts.ReleaseNamespace; ns != "" {
		if msg := workload.CheckNamespace(ns); msg != "" {
			diags.Errorf(diag.Ref{}, "release namespace (--namespace)", ns, workload.AllowedNamespace, "the API server rejects it: %s", msg)
		}
	}
	items, read := Prepare(items, out.Changed)
	diags = append(diags, read...)

	ns := func(n string) string {
		if n == "" {
			return opts.ReleaseNamespace
		}
		return n
	}
	var (
		workloads   []*workload.Workload
		specs       = map[*workload.Workload]*annotations.Spec{}
		byKey       = map[key]*workload.Workload{}
		hpas        []*hpa.HPA
		scaled      []*yaml.RNode // hand-written ScaledObjects
		generated   = map[key]*yaml.RNode{}
		userObjects = map[key]bool{}
		hist        = &histories{byTarget: map[key]*history.History{}, used: map[key]bool{}}
		peers       []*peer // every Deployment and StatefulSet
		peerOf      = map[*workload.Workload]*peer{}
		kedaHPAs    []kedaHPA // the HPAs KEDA will create or adopt
	)
	// the kind decides first: most resources are none of the tool's business,
	// and reading their metadata would only cost time
	itemKeys := make([]key, len(items))
	for i, n := range items {
		if n.YNode().Kind != yaml.MappingNode {
			continue // not a resource: passed through untouched
		}
		av, kind := n.GetApiVersion(), n.GetKind()
		if !readsKind(av, kind) {
			itemKeys[i] = key{kind: kind}
			continue
		}
		if bad := malformedMetadata(n); bad != "" {
			diags.Errorf(workload.RefOf(n), bad, "", "a mapping (metadata: {name: …, namespace: …, labels: {…}, annotations: {…}})", "%s is not a mapping", bad)
			continue
		}
		if kind == HistoryKind && av != config.APIVersion {
			diags.Errorf(workload.RefOf(n), "apiVersion", av, config.APIVersion, "unsupported apiVersion for ScalingHistory")
			continue
		}
		k := key{kind, ns(n.GetNamespace()), n.GetName()}
		itemKeys[i] = k
		if workload.IsHook(n) {
			continue
		}
		switch {
		case workload.IsScalable(av, kind):
			if !annotations.HasAny(n.GetAnnotations()) {
				peers = append(peers, &peer{ref: workload.RefOf(n), ns: k.namespace, pods: workload.PodsOf(n)})
				continue
			}
			w := workload.FromNode(n)
			if _, dup := byKey[k]; !dup {
				peers = append(peers, &peer{ref: w.Ref, ns: k.namespace, pods: w.Pods})
				peerOf[w] = peers[len(peers)-1]
			}
			if !annotations.IsEnabled(w.Annotations) {
				diags = append(diags, annotations.CheckKeys(w.Ref, w.Annotations)...)
				continue
			}
			if bad := append(workload.CheckIdentity(n, w.Ref), w.CheckResources()...); bad.HasErrors() {
				diags = append(diags, bad...)
				continue
			}
			if prev, dup := byKey[k]; dup {
				diags.Errorf(w.Ref, "metadata.name", w.Ref.Name, "one resource per kind, namespace and name", "duplicate of an earlier %s in the input", prev.Ref.Kind)
				continue
			}
			spec, d := annotations.Parse(w.Ref, w.Annotations, policy)
			diags = append(diags, d...)
			if spec == nil {
				continue
			}
			workloads = append(workloads, w)
			specs[w] = spec
			byKey[k] = w
		case hpa.IsHPA(av, kind):
			hpas = append(hpas, hpa.FromNode(n))
		case av == config.APIVersion && kind == HistoryKind:
			hist.add(n, ns, &diags)
		case av == keda.APIVersion && (kind == keda.KindScaledObject || kind == keda.KindTriggerAuthentication):
			if _, ok := n.GetAnnotations()[GeneratedForAnnotation]; ok {
				generated[k] = n
			} else {
				userObjects[k] = true
				if kind == keda.KindScaledObject {
					scaled = append(scaled, n)
				}
			}
		}
	}

	// indexes, so that matching stays linear in the number of resources
	hpaIndex := hpa.NewIndex(hpas, opts.ReleaseNamespace, func(kind, namespace, name string) bool {
		_, ok := byKey[key{kind, ns(namespace), name}]
		return ok
	})
	assumedBy := map[*hpa.HPA]diag.Ref{}
	scaledByTarget := map[key][]*yaml.RNode{}
	scaledByName := map[key]*yaml.RNode{}
	for _, s := range scaled {
		target, _ := s.Pipe(yaml.Lookup("spec", "scaleTargetRef"))
		tkind, tname := "Deployment", ""
		if target != nil {
			if f := target.Field("kind"); f != nil && yaml.GetValue(f.Value) != "" {
				tkind = yaml.GetValue(f.Value)
			}
			if f := target.Field("name"); f != nil {
				tname = yaml.GetValue(f.Value)
			}
		}
		tk := key{tkind, ns(s.GetNamespace()), tname}
		scaledByTarget[tk] = append(scaledByTarget[tk], s)
		scaledByName[key{keda.KindScaledObject, ns(s.GetNamespace()), s.GetName()}] = s
	}
	newObjects := map[*workload.Workload][]*yaml.RNode{}
	builders := map[*workload.Workload]*builder{}
	var gpuUse []gpuUsage
	newKeys := map[key]*yaml.RNode{}
	owners := map[key]diag.Ref{}
	drop := map[*yaml.RNode]bool{}
	for _, w := range workloads {
		spec := specs[w]
		wk := key{w.Ref.Kind, ns(w.Ref.Namespace), w.Ref.Name}
		var h *history.History
		if spec.Predictive {
			h = hist.byTarget[wk]
			hist.used[wk] = h != nil
		}
		earlier := generated[key{keda.KindScaledObject, ns(w.Ref.Namespace), keda.ScaledObjectName(w.Ref.Name)}]
		b := &builder{w: w, spec: spec, policy: policy, plan: &explain.Plan{Workload: w.Ref}, releaseNamespace: opts.ReleaseNamespace, history: h,
			previousFloor: previousFloor(earlier), previousWarnings: previousWarnings(earlier)}
		objs, d := b.build()
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		so := b.so
		// conflicting hand-written ScaledObjects: one targeting this workload,
		// or one holding the name the tool needs
		// wk is the workload's key (set above)
		for _, s := range scaledByTarget[wk] {
			diags.Errorf(workload.RefOf(s), "spec.scaleTargetRef", w.Ref.Kind+"/"+w.Ref.Name,
				"remove the hand-written ScaledObject, or remove "+annotations.Prefix+annotations.KeyEnabled+" from the workload",
				"hand-written ScaledObject targets %s, which also opts in to ml-autoscaling; KEDA allows one ScaledObject per workload", w.Ref)
		}
		if s, ok := scaledByName[key{keda.KindScaledObject, ns(w.Ref.Namespace), so.Metadata.Name}]; ok && !slices.Contains(scaledByTarget[wk], s) {
			diags.Errorf(workload.RefOf(s), "metadata.name", s.GetName(), "a ScaledObject name not used by a scaled workload",
				"a hand-written ScaledObject has the name the tool needs for %s", w.Ref)
		}
		for _, o := range objs {
			k := key{o.GetKind(), ns(o.GetNamespace()), o.GetName()}
			if userObjects[k] && o.GetKind() == keda.KindTriggerAuthentication {
				diags.Errorf(w.Ref, "metadata.name", o.GetName(), "rename the existing TriggerAuthentication",
					"a hand-written TriggerAuthentication %s already exists with the name the tool generates", o.GetName())
			}
			if prev, clash := owners[k]; clash {
				diags.Errorf(w.Ref, "metadata.name", w.Ref.Name, "distinct names for workloads in one namespace that both opt in",
					"%s %s would be generated for both %s and %s; KEDA needs one name per ScaledObject", k.kind, o.GetName(), prev, w.Ref)
				continue
			}
			owners[k] = w.Ref
			newKeys[k] = o
		}
		// HPA conflicts
		claims := hpaIndex.Targeting(w.Ref.Kind, w.Ref.Namespace, w.Ref.Name)
		mine, d := hpasOf(w, claims, assumedBy)
		if len(claims) == 0 {
			// an HPA removed by an earlier run under an assumed namespace
			b.keepWarnings(fieldNamespace, hpaAssumptionLead, &d)
		}
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if len(mine) > 0 {
			hpaDiags := b.resolveHPAs(mine, drop)
			diags = append(diags, hpaDiags...)
			if hpaDiags.HasErrors() {
				continue
			}
			if spec.HPAConflict == config.HPAAdopt {
				// the ScaledObject changed: render again
				objs[0], _ = keda.ToRNode(so)
				newKeys[key{keda.KindScaledObject, ns(w.Ref.Namespace), so.Metadata.Name}] = objs[0]
			}
		}
		for _, v := range keda.Check(so, policy.KEDAMinor()) {
			diags.Errorf(w.Ref, "ScaledObject "+v.Field, "", fmt.Sprintf("output accepted by KEDA 2.%d to 2.%d", policy.KEDAMinor(), config.NewestKEDAMinor), "%s", v.Message)
		}
		// spec.replicas
		if !policy.Spec.KeepReplicas {
			if r, _ := w.Node.Pipe(yaml.Lookup("spec", "replicas")); r != nil {
				b.plan.Add("spec.replicas", "removed (was "+yaml.GetValue(r)+")", "so that helm upgrade and kubectl apply stop resetting the scale KEDA set (policy keepReplicas: false)")
				if err := w.Node.PipeE(yaml.Lookup("spec"), yaml.Clear("replicas")); err == nil {
					out.Changed[w.Node] = true
				}
			}
		} else {
			b.plan.Add("spec.replicas", "kept", "policy keepReplicas: true")
		}
		newObjects[w] = objs
		builders[w] = b
		out.Plans = append(out.Plans, b.plan)
		kedaHPAs = append(kedaHPAs, kedaHPA{workload: w.Ref, ns: ns(w.Ref.Namespace), name: so.HPAName(), chosen: spec.HPAName != ""})
		if p := peerOf[w]; p != nil {
			p.scaled, p.maxReplicas, p.gpu = true, int64(*so.Spec.MaxReplicaCount), b.set.GPU
		}
		if b.set.GPU != nil {
			gpuUse = append(gpuUse, gpuUsage{ref: w.Ref, gpus: int64(*so.Spec.MaxReplicaCount) * b.set.GPU.Info.PerPod})
		}
	}
	shared := sharedWarnings{}
	if s := policy.Spec.Prometheus.ServerAddress; !config.IsNamespaceQualified(policy.PrometheusAddress()) {
		if users := prometheusUsers(workloads, builders); len(users) > 0 {
			diags.Warnf(opts.PolicyRef, "spec.prometheus.serverAddress",
				"%q is not namespace-qualified: KEDA's operator resolves it in its own namespace, so triggers fail to connect; use http://<service>.<namespace>.svc.cluster.local:<port>", s)
			shared.add(diags[len(diags)-1], users)
		}
	}
	if d := checkClusterGPUBudget(policy, opts.PolicyRef, gpuUse); len(d) > 0 {
		diags = append(diags, d...)
		shared.add(d[0], gpuRefs(gpuUse))
	}
	checkHPANames(kedaHPAs, hpas, ns, &diags)
	checkPodNames(peers, &diags)
	checkSelectors(peers, hpas, ns, &diags)
	hist.unused(&diags)
	if on, source := strictMode(policy.Spec.Strict, opts.Strict); on {
		promoteWarnings(diags, source)
	}
	diags.Sort()
	out.Diagnostics = diags
	if diags.HasErrors() {
		return out
	}
	if err := recordWarnings(workloads, builders, newObjects, newKeys, ns, diags, shared); err != nil {
		out.Diagnostics.Errorf(diag.Ref{}, "", "", "", "cannot render ScaledObject: %v", err)
		out.Diagnostics.Sort()
		return out
	}

	// assemble: generated objects replace their earlier versions in place,
	// or follow their workload; stale generated objects and resolved HPAs go.
	placed := map[*yaml.RNode]bool{}
	result := make([]*yaml.RNode, 0, len(items)+2*len(workloads))
	for i, n := range items {
		k := itemKeys[i]
		if g, ok := generated[k]; ok && g == n {
			if repl, ok := newKeys[k]; ok && !placed[repl] {
				keepHostAnnotations(n, repl)
				result = append(result, repl)
				placed[repl] = true
				out.Replaced[n] = repl
			}
			continue
		}
		if drop[n] {
			continue
		}
		if k.kind == HistoryKind && !opts.KeepHistories && n.GetApiVersion() == config.APIVersion {
			continue
		}
		result = append(result, n)
		if w, ok := byKey[k]; ok && w.Node == n {
			for _, o := range newObjects[w] {
				ok := key{o.GetKind(), ns(o.GetNamespace()), o.GetName()}
				if _, earlier := generated[ok]; earlier {
					continue
				}
				if !placed[o] {
					result = append(result, o)
					placed[o] = true
				}
			}
		}
	}
	// objects whose earlier version existed but whose workload comes later are placed already;
	// any new object not yet placed (its old copy was for another workload) goes last.
	for _, w := range workloads {
		for _, o := range newObjects[w] {
			if !placed[o] {
				result = append(result, o)
				placed[o] = true
			}
		}
	}
	out.Items = result
	return out
}

func malformedMetadata(n *yaml.RNode) string { return workload.MalformedMetadata(n) }

// keepHostAnnotations carries the file placement a KRM host (kpt, kustomize)
// gave an earlier generated object over to the object that replaces it, so
// that a regenerated object stays in the file it was written to.
func keepHostAnnotations(from, to *yaml.RNode) {
	src := from.GetAnnotations()
	dst := to.GetAnnotations()
	changed := false
	for k, v := range src {
		if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") {
			dst[k] = v
			changed = true
		}
	}
	if changed {
		_ = to.SetAnnotations(dst)
	}
}

// prometheusUsers returns the scaled workloads whose ScaledObject has a
// Prometheus trigger, in input order.
func prometheusUsers(workloads []*workload.Workload, builders map[*workload.Workload]*builder) []diag.Ref {
	var out []diag.Ref
	for _, w := range workloads {
		b := builders[w]
		if b == nil {
			continue
		}
		for _, t := range b.so.Spec.Triggers {
			if t.Type == "prometheus" {
				out = append(out, w.Ref)
				break
			}
		}
	}
	return out
}

func itoa(v int32) string { return strconv.Itoa(int(v)) }

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
