package transform

import (
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/kubeyaml"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Prepare reads the input resources as Kubernetes does, before the tool
// looks at them. Every resource of a kind the tool reads (and every one
// whose apiVersion, kind or metadata hide behind a merge key or an alias)
// is read with kubeyaml.Read; those the tool acts on are replaced, in
// place, by what Kubernetes reads: merge keys applied, aliases expanded.
// Lists holding a resource the tool acts on, also within nested Lists, are
// replaced by their items, as kubectl flattens them (each item is recorded
// in changed, when not nil); sc decides which workloads the tool acts on.
// The errors name the resource and the field that is ambiguous or exceeds
// a limit of kubeyaml.
func Prepare(items []*yaml.RNode, changed map[*yaml.RNode]bool, sc *scope.Scope) ([]*yaml.RNode, diag.List) {
	var diags diag.List
	for _, n := range items {
		readAsKubernetes(n, sc, &diags)
	}
	return expandLists(items, changed, sc), diags
}

// readAsKubernetes replaces n by what Kubernetes reads from it when the tool
// acts on either reading, and reports the problems of a resource the tool
// reads.
func readAsKubernetes(n *yaml.RNode, sc *scope.Scope, diags *diag.List) {
	y := n.YNode()
	if y.Kind != yaml.MappingNode {
		return
	}
	indirect := indirectTop(y)
	if !indirect && !readsKind(n.GetApiVersion(), n.GetKind()) && !isList(n) {
		return
	}
	r, problems := kubeyaml.Read(y)
	read := n
	if r != nil && r != y {
		read = yaml.NewRNode(r)
	}
	if len(problems) > 0 {
		if indirect || reportable(n, sc) || reportable(read, sc) {
			ref := workload.RefOf(read)
			for _, p := range problems {
				diags.Errorf(ref, p.Path, p.Value, p.Allowed, "%s", p.Message)
			}
		}
		return
	}
	if read != n && !isHook(read) && (actsOn(n, sc, 0) || actsOn(read, sc, 0)) {
		n.SetYNode(r)
	}
}

// isHook reports whether n is a Helm hook (which passes through untouched).
func isHook(n *yaml.RNode) bool { return malformedMetadata(n) == "" && workload.IsHook(n) }

// readsKind reports whether resources of this apiVersion and kind are read
// by the tool: the workloads it scales, HPAs, KEDA objects and histories.
func readsKind(av, kind string) bool {
	return workload.IsScalable(av, kind) || hpa.IsHPA(av, kind) || av == keda.APIVersion || kind == HistoryKind
}

// indirectTop reports whether the apiVersion, kind, metadata or items of a
// resource may read differently once merge keys and aliases are resolved:
// a merge key at the top, one of them given as an alias or more than once,
// or a key or value Kubernetes reads otherwise than written (!!binary).
func indirectTop(y *yaml.Node) bool {
	var seen [len(topKeys)]bool
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if kubeyaml.IsMerge(k) || k.Kind == yaml.AliasNode || kubeyaml.ReadsDifferently(k) {
			return true
		}
		for j, name := range topKeys {
			if k.Value == name {
				if v.Kind == yaml.AliasNode || seen[j] || kubeyaml.ReadsDifferently(v) {
					return true
				}
				seen[j] = true
			}
		}
	}
	return false
}

// topKeys are the top-level fields that decide what a resource is.
var topKeys = [...]string{"apiVersion", "kind", "metadata", "items"}

// reportable reports whether the problems of resource n are errors: it is
// of a kind the tool reads (not a Helm hook), or a List holding a resource
// the tool acts on.
func reportable(n *yaml.RNode, sc *scope.Scope) bool {
	if isList(n) {
		return actsOn(n, sc, 0)
	}
	return readsKind(n.GetApiVersion(), n.GetKind()) && !isHook(n)
}

// actsOn reports whether the tool acts on resource n: a workload the scope
// decision of sc looks into (see scope.Scope.Candidate), an HPA, a KEDA
// object, a history, or a List holding one of those at any depth.
func actsOn(n *yaml.RNode, sc *scope.Scope, depth int) bool {
	if n.YNode().Kind != yaml.MappingNode {
		return false
	}
	if items := listItems(n); items != nil {
		for _, e := range items {
			if depth < kubeyaml.MaxDepth && actsOn(e, sc, depth+1) {
				return true
			}
		}
		return false
	}
	av, kind := n.GetApiVersion(), n.GetKind()
	if workload.IsScalable(av, kind) {
		return sc.Candidate(n)
	}
	return readsKind(av, kind)
}

// isList reports whether n is a List (kind List or …List) with items.
func isList(n *yaml.RNode) bool { return listItems(n) != nil }

// listItems returns the items of a List, or nil when n is not one.
func listItems(n *yaml.RNode) []*yaml.RNode {
	if n.YNode().Kind != yaml.MappingNode {
		return nil
	}
	if kind := n.GetKind(); kind != "List" && !(len(kind) > 4 && strings.HasSuffix(kind, "List")) {
		return nil
	}
	f := n.Field("items")
	if f == nil || f.Value == nil || f.Value.YNode().Kind != yaml.SequenceNode {
		return nil
	}
	elems, err := f.Value.Elements()
	if err != nil || elems == nil {
		return nil
	}
	return elems
}

// expandLists replaces Lists that hold a resource the tool acts on by their
// items, flattening nested Lists as kubectl does; other Lists are kept whole.
func expandLists(items []*yaml.RNode, changed map[*yaml.RNode]bool, sc *scope.Scope) []*yaml.RNode {
	var res []*yaml.RNode
	for _, n := range items {
		if !isList(n) || !actsOn(n, sc, 0) {
			res = append(res, n)
			continue
		}
		for _, e := range flatten(n, nil, 0) {
			res = append(res, e)
			if changed != nil {
				changed[e] = true
			}
		}
	}
	return res
}

// flatten appends the items of List n to out, the items of nested Lists in
// their place.
func flatten(n *yaml.RNode, out []*yaml.RNode, depth int) []*yaml.RNode {
	for _, e := range listItems(n) {
		if depth < kubeyaml.MaxDepth && isList(e) {
			out = flatten(e, out, depth+1)
			continue
		}
		out = append(out, e)
	}
	return out
}
