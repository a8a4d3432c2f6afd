// Package transform is the one pipeline every host calls: given the policy
// and the rendered resources, it returns the resources with every opted-in
// workload autoscaled by KEDA, plus diagnostics and per-workload
// explanations. It is pure: no files, network or clocks.
package transform

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/explain"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
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

// Run transforms items according to the policy. It passes the input
// through its stages in order: prepare (policy, scope decision), classify
// (what each resource is), indexScaledObjects, scaleWorkload for every
// in-scope workload, crossChecks, settleDiagnostics and, when no error was
// found, assemble.
func Run(items []*yaml.RNode, opts Options) *Output {
	r := prepare(items, opts)
	r.classify()
	r.indexScaledObjects()
	for _, w := range r.workloads {
		r.scaleWorkload(w)
	}
	r.crossChecks()
	if !r.settleDiagnostics() {
		return r.out
	}
	if err := recordWarnings(r.workloads, r.builders, r.newObjects, r.newKeys, r.ns, r.diags, r.shared); err != nil {
		r.out.Diagnostics.Errorf(diag.Ref{}, "", "", "", "cannot render ScaledObject: %v", err)
		r.out.Diagnostics.Sort()
		return r.out
	}
	r.out.Items = r.assemble()
	return r.out
}

// pipeline is the state one Run carries from stage to stage.
type pipeline struct {
	opts     Options
	policy   *config.Policy
	out      *Output
	diags    diag.List
	dec      *scope.Decision
	items    []*yaml.RNode
	itemKeys []key // per item: its kind, and namespace and name when it is read

	// what classify reads from the input
	workloads   []*workload.Workload // in scope, in input order
	specs       map[*workload.Workload]*annotations.Spec
	optIns      map[*workload.Workload]*scope.Workload
	byKey       map[key]*workload.Workload
	inScope     map[*yaml.RNode]*workload.Workload
	scaledKeys  map[key]bool // keys of the in-scope workloads met so far
	hpas        []*hpa.HPA
	scaled      []*yaml.RNode // hand-written ScaledObjects
	generated   map[key]*yaml.RNode
	userObjects map[key]bool
	hist        *histories
	peers       []*peer // every Deployment and StatefulSet
	peerOf      map[*workload.Workload]*peer

	// indexes, so that matching stays linear in the number of resources
	hpaIndex       *hpa.Index
	assumedBy      map[*hpa.HPA]diag.Ref
	scaledByTarget map[key][]*yaml.RNode
	scaledByName   map[key]*yaml.RNode

	// what scaleWorkload produces
	newObjects map[*workload.Workload][]*yaml.RNode
	builders   map[*workload.Workload]*builder
	notScaled  []*explain.Plan
	gpuUse     []gpuUsage
	newKeys    map[key]*yaml.RNode
	owners     map[key]diag.Ref
	drop       map[*yaml.RNode]bool
	kedaHPAs   []kedaHPA // the HPAs KEDA will create or adopt
	shared     sharedWarnings
}

// prepare checks the policy's settings and the release namespace, reads the
// input (Prepare) and takes the scope decision: which workloads are scaled,
// and which are listed as not scaled.
func prepare(items []*yaml.RNode, opts Options) *pipeline {
	policy := opts.Policy
	if policy == nil {
		policy = config.Default()
	}
	r := &pipeline{opts: opts, policy: policy, out: &Output{Changed: map[*yaml.RNode]bool{}, Replaced: map[*yaml.RNode]*yaml.RNode{}}}
	r.diags = annotations.ValidateSettings(opts.PolicyRef, policy)
	if ns := opts.ReleaseNamespace; ns != "" {
		if msg := workload.CheckNamespace(ns); msg != "" {
			r.diags.Errorf(diag.Ref{}, "release namespace (--namespace)", ns, workload.AllowedNamespace, "the API server rejects it: %s", msg)
		}
	}
	sc := scope.New(policy, opts.ReleaseNamespace)
	items, read := Prepare(items, r.out.Changed, sc)
	r.items = items
	r.diags = append(r.diags, read...)
	r.dec = sc.Decide(items)
	r.diags = append(r.diags, r.dec.Diagnostics...)
	r.hist = &histories{byTarget: map[key]*history.History{}, used: map[key]bool{}, scope: sc}
	for _, n := range r.dec.NotScaled {
		r.notScaled = append(r.notScaled, &explain.Plan{Workload: n.Ref, NotScaled: n.Reason})
	}
	return r
}

// ns is the namespace of a resource: its own, or the release namespace.
func (r *pipeline) ns(n string) string {
	if n == "" {
		return r.opts.ReleaseNamespace
	}
	return n
}

// classify records the in-scope workloads, then reads every resource the
// tool looks at: workloads (as peers for the naming checks), HPAs,
// histories, and generated or hand-written KEDA objects. The kind decides
// first: most resources are none of the tool's business, and reading their
// metadata would only cost time.
func (r *pipeline) classify() {
	r.specs, r.optIns = map[*workload.Workload]*annotations.Spec{}, map[*workload.Workload]*scope.Workload{}
	r.byKey, r.inScope = map[key]*workload.Workload{}, map[*yaml.RNode]*workload.Workload{}
	r.generated, r.userObjects, r.scaledKeys = map[key]*yaml.RNode{}, map[key]bool{}, map[key]bool{}
	r.peerOf = map[*workload.Workload]*peer{}
	for _, sw := range r.dec.InScope {
		r.workloads = append(r.workloads, sw.Workload)
		r.specs[sw.Workload] = sw.Spec
		r.optIns[sw.Workload] = sw
		r.byKey[key{sw.Ref.Kind, r.ns(sw.Ref.Namespace), sw.Ref.Name}] = sw.Workload
		r.inScope[sw.Node] = sw.Workload
	}
	r.itemKeys = make([]key, len(r.items))
	for i, n := range r.items {
		if n.YNode().Kind != yaml.MappingNode {
			continue // not a resource: passed through untouched
		}
		r.itemKeys[i] = r.classifyItem(n)
	}
}

// classifyItem reads one mapping resource and returns its key.
func (r *pipeline) classifyItem(n *yaml.RNode) key {
	av, kind := n.GetApiVersion(), n.GetKind()
	if workload.IsScalable(av, kind) {
		// the scope decision reported the unreadable metadata of the
		// workloads it looks into; the others are not the tool's
		if malformedMetadata(n) != "" {
			return key{kind: kind}
		}
		k := key{kind, r.ns(n.GetNamespace()), n.GetName()}
		if !workload.IsHook(n) {
			r.peers = addPeer(r.peers, r.peerOf, n, k, r.inScope[n], r.dec.Candidates[n], r.scaledKeys)
		}
		return k
	}
	if !readsKind(av, kind) {
		return key{kind: kind}
	}
	if bad := malformedMetadata(n); bad != "" {
		r.diags.Errorf(workload.RefOf(n), bad, "", "a mapping (metadata: {name: …, namespace: …, labels: {…}, annotations: {…}})", "%s is not a mapping", bad)
		return key{}
	}
	if kind == HistoryKind && av != config.APIVersion {
		r.diags.Errorf(workload.RefOf(n), "apiVersion", av, config.APIVersion, "unsupported apiVersion for ScalingHistory")
		return key{}
	}
	k := key{kind, r.ns(n.GetNamespace()), n.GetName()}
	if workload.IsHook(n) {
		return k
	}
	switch {
	case hpa.IsHPA(av, kind):
		r.hpas = append(r.hpas, hpa.FromNode(n))
	case av == config.APIVersion && kind == HistoryKind:
		r.hist.add(n, &r.diags)
	case av == keda.APIVersion && (kind == keda.KindScaledObject || kind == keda.KindTriggerAuthentication):
		if _, ok := n.GetAnnotations()[GeneratedForAnnotation]; ok {
			r.generated[k] = n
		} else {
			r.userObjects[k] = true
			if kind == keda.KindScaledObject {
				r.scaled = append(r.scaled, n)
			}
		}
	}
	return k
}

// indexScaledObjects indexes the HPAs by target and the hand-written
// ScaledObjects by target and by name, so that matching stays linear in
// the number of resources, and makes the maps scaleWorkload fills.
func (r *pipeline) indexScaledObjects() {
	r.hpaIndex = hpa.NewIndex(r.hpas, r.opts.ReleaseNamespace, func(kind, namespace, name string) bool {
		_, ok := r.byKey[key{kind, r.ns(namespace), name}]
		return ok
	})
	r.assumedBy = map[*hpa.HPA]diag.Ref{}
	r.scaledByTarget, r.scaledByName = map[key][]*yaml.RNode{}, map[key]*yaml.RNode{}
	for _, s := range r.scaled {
		tk := key{scaleTargetKind(s), r.ns(s.GetNamespace()), scaleTargetName(s)}
		r.scaledByTarget[tk] = append(r.scaledByTarget[tk], s)
		r.scaledByName[key{keda.KindScaledObject, r.ns(s.GetNamespace()), s.GetName()}] = s
	}
	r.newObjects, r.builders = map[*workload.Workload][]*yaml.RNode{}, map[*workload.Workload]*builder{}
	r.newKeys, r.owners, r.drop = map[key]*yaml.RNode{}, map[key]diag.Ref{}, map[*yaml.RNode]bool{}
}

// scaleTargetKind is the kind a ScaledObject's spec.scaleTargetRef names;
// KEDA's default is Deployment.
func scaleTargetKind(s *yaml.RNode) string {
	if f := scaleTargetField(s, "kind"); f != "" {
		return f
	}
	return "Deployment"
}

// scaleTargetName is the name a ScaledObject's spec.scaleTargetRef names.
func scaleTargetName(s *yaml.RNode) string { return scaleTargetField(s, "name") }

// scaleTargetField is one field of a ScaledObject's spec.scaleTargetRef, or "".
func scaleTargetField(s *yaml.RNode, field string) string {
	target, _ := s.Pipe(yaml.Lookup("spec", "scaleTargetRef"))
	if target == nil {
		return ""
	}
	if f := target.Field(field); f != nil {
		return yaml.GetValue(f.Value)
	}
	return ""
}

// scaleWorkload builds the KEDA objects of one in-scope workload and settles
// what they touch: hand-written KEDA objects, generated names, HPAs, KEDA's
// rules and spec.replicas. A workload with errors is listed as not scaled.
func (r *pipeline) scaleWorkload(w *workload.Workload) {
	b, objs, ok := r.build(w)
	if !ok {
		return
	}
	r.checkHandWritten(w, b.so)
	r.claimNames(w, objs)
	if !r.settleHPAs(w, b, objs) {
		return
	}
	for _, v := range keda.Check(b.so, r.policy.KEDAMinor()) {
		r.diags.Errorf(w.Ref, "ScaledObject "+v.Field, "", fmt.Sprintf("output accepted by KEDA 2.%d to 2.%d", r.policy.KEDAMinor(), config.NewestKEDAMinor), "%s", v.Message)
	}
	r.settleReplicas(w, b)
	r.record(w, b, objs)
}

// build runs the builder for w with its history and what an earlier run
// generated; ok is false when the settings have errors.
func (r *pipeline) build(w *workload.Workload) (*builder, []*yaml.RNode, bool) {
	spec := r.specs[w]
	var h *history.History
	if spec.Predictive {
		hk := r.hist.key(w.Ref.Kind, w.Ref.Namespace, w.Ref.Name)
		h = r.hist.byTarget[hk]
		r.hist.used[hk] = h != nil
	}
	plan := &explain.Plan{Workload: w.Ref}
	plan.Add("opted in by", r.optIns[w].OptIn, r.optIns[w].OptInDetail)
	earlier := r.generated[key{keda.KindScaledObject, r.ns(w.Ref.Namespace), keda.ScaledObjectName(w.Ref.Name)}]
	b := &builder{w: w, spec: spec, policy: r.policy, plan: plan, releaseNamespace: r.opts.ReleaseNamespace, history: h,
		previousFloor: previousFloor(earlier), previousWarnings: previousWarnings(earlier)}
	objs, d := b.build()
	r.diags = append(r.diags, r.optIns[w].Locate(d)...)
	if d.HasErrors() {
		r.notScaled = append(r.notScaled, &explain.Plan{Workload: w.Ref, NotScaled: scope.ErrorsBelow})
		return nil, nil, false
	}
	return b, objs, true
}

// checkHandWritten reports conflicting hand-written ScaledObjects: one
// targeting w, or one holding the name the tool needs.
func (r *pipeline) checkHandWritten(w *workload.Workload, so *keda.ScaledObject) {
	wk := key{w.Ref.Kind, r.ns(w.Ref.Namespace), w.Ref.Name}
	for _, s := range r.scaledByTarget[wk] {
		r.diags.Errorf(workload.RefOf(s), "spec.scaleTargetRef", w.Ref.Kind+"/"+w.Ref.Name,
			"remove the hand-written ScaledObject, or remove "+annotations.Prefix+annotations.KeyEnabled+" from the workload",
			"hand-written ScaledObject targets %s, which also opts in to ml-autoscaling; KEDA allows one ScaledObject per workload", w.Ref)
	}
	if s, ok := r.scaledByName[key{keda.KindScaledObject, r.ns(w.Ref.Namespace), so.Metadata.Name}]; ok && !slices.Contains(r.scaledByTarget[wk], s) {
		r.diags.Errorf(workload.RefOf(s), "metadata.name", s.GetName(), "a ScaledObject name not used by a scaled workload",
			"a hand-written ScaledObject has the name the tool needs for %s", w.Ref)
	}
}

// claimNames claims the names of w's generated objects, reporting a
// hand-written TriggerAuthentication or another workload holding one.
func (r *pipeline) claimNames(w *workload.Workload, objs []*yaml.RNode) {
	for _, o := range objs {
		k := key{o.GetKind(), r.ns(o.GetNamespace()), o.GetName()}
		if r.userObjects[k] && o.GetKind() == keda.KindTriggerAuthentication {
			r.diags.Errorf(w.Ref, "metadata.name", o.GetName(), "rename the existing TriggerAuthentication",
				"a hand-written TriggerAuthentication %s already exists with the name the tool generates", o.GetName())
		}
		if prev, clash := r.owners[k]; clash {
			r.diags.Errorf(w.Ref, "metadata.name", w.Ref.Name, "distinct names for workloads in one namespace that both opt in",
				"%s %s would be generated for both %s and %s; KEDA needs one name per ScaledObject", k.kind, o.GetName(), prev, w.Ref)
			continue
		}
		r.owners[k] = w.Ref
		r.newKeys[k] = o
	}
}

// settleHPAs resolves the HPAs targeting w as its policy says (error,
// delete or adopt); when adopting changed the ScaledObject, objs[0] is
// rendered again. It returns false when w has an HPA error.
func (r *pipeline) settleHPAs(w *workload.Workload, b *builder, objs []*yaml.RNode) bool {
	claims := r.hpaIndex.Targeting(w.Ref.Kind, w.Ref.Namespace, w.Ref.Name)
	mine, d := hpasOf(w, claims, r.assumedBy)
	if len(claims) == 0 {
		// an HPA removed by an earlier run under an assumed namespace
		b.keepWarnings(fieldNamespace, hpaAssumptionLead, &d)
	}
	r.diags = append(r.diags, d...)
	if d.HasErrors() {
		return false
	}
	if len(mine) == 0 {
		return true
	}
	hpaDiags := r.optIns[w].Locate(b.resolveHPAs(mine, r.drop))
	r.diags = append(r.diags, hpaDiags...)
	if hpaDiags.HasErrors() {
		return false
	}
	if r.specs[w].HPAConflict == config.HPAAdopt {
		// the ScaledObject changed: render again
		objs[0], _ = keda.ToRNode(b.so)
		r.newKeys[key{keda.KindScaledObject, r.ns(w.Ref.Namespace), b.so.Metadata.Name}] = objs[0]
	}
	return true
}

// settleReplicas removes w's spec.replicas unless the policy keeps it, and
// says so in the plan.
func (r *pipeline) settleReplicas(w *workload.Workload, b *builder) {
	if r.policy.Spec.KeepReplicas {
		b.plan.Add("spec.replicas", "kept", "policy keepReplicas: true")
		return
	}
	if rep, _ := w.Node.Pipe(yaml.Lookup("spec", "replicas")); rep != nil {
		b.plan.Add("spec.replicas", "removed (was "+yaml.GetValue(rep)+")", "so that helm upgrade and kubectl apply stop resetting the scale KEDA set (policy keepReplicas: false)")
		if err := w.Node.PipeE(yaml.Lookup("spec"), yaml.Clear("replicas")); err == nil {
			r.out.Changed[w.Node] = true
		}
	}
}

// record keeps w's objects, builder and plan, and what the cross-workload
// checks need: its HPA, its peer's scale and its GPU use.
func (r *pipeline) record(w *workload.Workload, b *builder, objs []*yaml.RNode) {
	so := b.so
	r.newObjects[w] = objs
	r.builders[w] = b
	r.out.Plans = append(r.out.Plans, b.plan)
	r.kedaHPAs = append(r.kedaHPAs, kedaHPA{workload: w.Ref, ns: r.ns(w.Ref.Namespace), name: so.HPAName(), chosen: r.specs[w].HPAName != ""})
	if p := r.peerOf[w]; p != nil {
		p.scaled, p.maxReplicas, p.gpu = true, int64(*so.Spec.MaxReplicaCount), b.set.GPU
	}
	if b.set.GPU != nil {
		r.gpuUse = append(r.gpuUse, gpuUsage{ref: w.Ref, gpus: int64(*so.Spec.MaxReplicaCount) * b.set.GPU.Info.PerPod})
	}
}

// crossChecks runs the checks across workloads: the Prometheus address,
// the cluster GPU budget, HPA names, pod names, selectors and unused
// histories. Warnings shared by several workloads are noted in r.shared.
func (r *pipeline) crossChecks() {
	r.shared = sharedWarnings{}
	if s := r.policy.Spec.Prometheus.ServerAddress; !config.IsNamespaceQualified(r.policy.PrometheusAddress()) {
		if users := prometheusUsers(r.workloads, r.builders); len(users) > 0 {
			r.diags.Warnf(r.opts.PolicyRef, "spec.prometheus.serverAddress",
				"%q is not namespace-qualified: KEDA's operator resolves it in its own namespace, so triggers fail to connect; use http://<service>.<namespace>.svc.cluster.local:<port>", s)
			r.shared.add(r.diags[len(r.diags)-1], users)
		}
	}
	if d := checkClusterGPUBudget(r.policy, r.opts.PolicyRef, r.gpuUse); len(d) > 0 {
		r.diags = append(r.diags, d...)
		r.shared.add(d[0], gpuRefs(r.gpuUse))
	}
	checkHPANames(r.kedaHPAs, r.hpas, r.ns, &r.diags)
	checkPodNames(r.peers, &r.diags)
	checkSelectors(r.peers, r.hpas, r.ns, &r.diags)
	r.hist.unused(&r.diags)
}

// settleDiagnostics appends the not-scaled plans, promotes warnings in
// strict mode and sorts the diagnostics into the output; it returns false
// when there are errors.
func (r *pipeline) settleDiagnostics() bool {
	r.out.Plans = append(r.out.Plans, r.notScaled...)
	if on, source := strictMode(r.policy.Spec.Strict, r.opts.Strict); on {
		promoteWarnings(r.diags, source)
	}
	r.diags.Sort()
	r.out.Diagnostics = r.diags
	return !r.diags.HasErrors()
}

// assemble returns the output resources: generated objects replace their
// earlier versions in place, or follow their workload; stale generated
// objects, resolved HPAs and (unless kept) histories go.
func (r *pipeline) assemble() []*yaml.RNode {
	placed := map[*yaml.RNode]bool{}
	result := make([]*yaml.RNode, 0, len(r.items)+2*len(r.workloads))
	place := func(o *yaml.RNode) {
		if !placed[o] {
			result = append(result, o)
			placed[o] = true
		}
	}
	for i, n := range r.items {
		k := r.itemKeys[i]
		if g, ok := r.generated[k]; ok && g == n {
			if repl, ok := r.newKeys[k]; ok && !placed[repl] {
				keepHostAnnotations(n, repl)
				place(repl)
				r.out.Replaced[n] = repl
			}
			continue
		}
		if r.drop[n] || k.kind == HistoryKind && !r.opts.KeepHistories && n.GetApiVersion() == config.APIVersion {
			continue
		}
		result = append(result, n)
		if w, ok := r.byKey[k]; ok && w.Node == n {
			for _, o := range r.newObjects[w] {
				if _, earlier := r.generated[key{o.GetKind(), r.ns(o.GetNamespace()), o.GetName()}]; !earlier {
					place(o)
				}
			}
		}
	}
	// objects whose earlier version existed but whose workload comes later are placed already;
	// any new object not yet placed (its old copy was for another workload) goes last.
	for _, w := range r.workloads {
		for _, o := range r.newObjects[w] {
			place(o)
		}
	}
	return result
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

// addPeer appends workload n, of key k, to the peers whose pods and
// selectors the naming checks compare: w is its in-scope workload, or nil;
// candidate is set when the scope decision looked into it. A duplicate of
// an in-scope workload met earlier is left out: it is reported as such.
func addPeer(peers []*peer, peerOf map[*workload.Workload]*peer, n *yaml.RNode, k key, w *workload.Workload, candidate bool, scaledKeys map[key]bool) []*peer {
	if w == nil {
		if candidate && scaledKeys[k] {
			return peers
		}
		return append(peers, &peer{ref: workload.RefOf(n), ns: k.namespace, pods: workload.PodsOf(n)})
	}
	scaledKeys[k] = true
	p := &peer{ref: w.Ref, ns: k.namespace, pods: w.Pods}
	peerOf[w] = p
	return append(peers, p)
}

func itoa(v int32) string { return strconv.Itoa(int(v)) }
