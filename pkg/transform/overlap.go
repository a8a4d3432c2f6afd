package transform

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/labelsel"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/triggers"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
)

// assumedMaxReplicas is how many pods a StatefulSet the tool does not
// scale is taken to run at most, unless its spec.replicas says more.
const assumedMaxReplicas = 10000

// peer is a Deployment or StatefulSet of the input, scaled or not, as other
// workloads and HPAs see it.
type peer struct {
	ref  diag.Ref
	ns   string
	pods workload.PodInfo
	// scaled is set when the tool scales the workload; maxReplicas then
	// holds its maximum.
	scaled      bool
	maxReplicas int64
	// gpu is set when its triggers select pods by name.
	gpu *triggers.GPUDecision
}

// names returns how Kubernetes names the peer's pods.
func (p *peer) names() podname.Workload {
	if p.gpu != nil {
		return p.gpu.Pods
	}
	most := max(p.pods.Replicas, assumedMaxReplicas)
	if p.scaled {
		most = p.maxReplicas
	}
	return podname.Workload{Kind: p.ref.Kind, Name: p.ref.Name, MaxOrdinal: p.pods.OrdinalStart + max(most, 1) - 1}
}

// byNamespace groups peers by namespace, keeping input order.
func byNamespace(peers []*peer) [][]*peer {
	index := map[string]int{}
	var groups [][]*peer
	for _, p := range peers {
		i, ok := index[p.ns]
		if !ok {
			i = len(groups)
			index[p.ns] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], p)
	}
	return groups
}

// checkPodNames reports workloads whose pods a scaled GPU workload's
// pattern may select: an error when both are scaled (each would be driven
// by the other's load), else a warning.
func checkPodNames(peers []*peer, out *diag.List) {
	for _, group := range byNamespace(peers) {
		reported := map[[2]*peer]bool{}
		for _, a := range group {
			if a.gpu == nil {
				continue
			}
			for _, b := range group {
				if b == a || reported[[2]*peer{b, a}] {
					continue
				}
				pod, ok := podname.Collision(a.gpu.Pods, b.names())
				if !ok {
					continue
				}
				reported[[2]*peer{a, b}] = true
				msg := fmt.Sprintf("the GPU triggers select pods by name with %s, which also matches %s, a name Kubernetes can give a pod of %s",
					a.gpu.PodPattern, pod, b.ref)
				if max(len(a.ref.Name), len(b.ref.Name)) >= podname.MaxGeneratedPrefix-podname.MaxHashLength-2 {
					msg += fmt.Sprintf(" (Kubernetes cuts a Deployment's pod-name prefix at %d characters)", podname.MaxGeneratedPrefix)
				}
				if b.scaled {
					out.Errorf(a.ref, "metadata.name", a.ref.Name, "names whose pods cannot be named alike: rename one of the two workloads",
						"%s; both are scaled, and this workload's GPU triggers would count the other's pods", msg)
				} else {
					out.Warnf(a.ref, "metadata.name", "%s; its GPU load and queue would be counted as this workload's: rename one of the two workloads", msg)
				}
			}
		}
	}
}

// checkSelectors reports what makes the HPA controller stop KEDA's HPA
// with AmbiguousSelector: two scaled workloads of which one selects pods
// of the other, and an HPA of another workload in the input whose selector
// overlaps a scaled workload's pods in the same way. HPAs that target a
// scaled workload itself are the HPA-conflict policy's business.
func checkSelectors(peers []*peer, hpas []*hpa.HPA, ns func(string) string, out *diag.List) {
	for _, p := range peers {
		if p.scaled && p.pods.Problem != nil {
			pr := p.pods.Problem
			out.Errorf(p.ref, pr.Field, pr.Value, pr.Allowed, "%s: Kubernetes rejects the workload, and its HPA could not tell its pods", pr.Message)
		}
	}
	for _, group := range byNamespace(peers) {
		for _, pair := range selectingPairs(group) {
			a, b := pair[1], pair[0]
			out.Errorf(a.ref, "spec.selector", a.pods.Selector.String(), "selectors that select only the workload's own pods: a label that tells the two apart, in the selector and the pod template",
				"%s; KEDA's HPAs for %s and %s would both stop with AmbiguousSelector", overlap(a, b), b.ref, a.ref)
		}
	}
	targets := map[key]*peer{}
	for _, p := range peers {
		targets[key{p.ref.Kind, p.ns, p.ref.Name}] = p
	}
	for _, h := range hpas {
		t := targets[key{h.Target.Kind, ns(h.Namespace), h.Target.Name}]
		if t == nil || t.scaled || !h.Targets(t.ref.Kind, t.ref.Name) {
			continue
		}
		for _, a := range peers {
			if !a.scaled || a.ns != t.ns {
				continue
			}
			if why := overlap(a, t); why != "" {
				out.Errorf(diag.Ref{APIVersion: h.Node.GetApiVersion(), Kind: hpa.Kind, Namespace: h.Namespace, Name: h.Name},
					"spec.scaleTargetRef", t.ref.Kind+"/"+t.ref.Name,
					"selectors that do not overlap (a label that tells the workloads apart), remove this HPA, or opt "+t.ref.String()+" in instead",
					"this HPA scales %s, and %s; the HPA controller would stop it and KEDA's HPA for %s with AmbiguousSelector", t.ref, why, a.ref)
			}
		}
	}
}

// selectingPairs returns the pairs of scaled peers of one namespace of
// which one selects pods of the other, each once, earlier peer first, in
// input order. An index of pod labels keeps it near linear: a selector
// with matchLabels is only tried on pods that carry its first pair.
func selectingPairs(group []*peer) [][2]*peer {
	pos := map[*peer]int{}
	byLabel := map[string][]*peer{}
	var scaled []*peer
	for i, p := range group {
		if !p.scaled || p.pods.Problem != nil {
			continue
		}
		pos[p] = i
		scaled = append(scaled, p)
		for k, v := range p.pods.Labels {
			byLabel[k+"="+v] = append(byLabel[k+"="+v], p)
		}
	}
	found := map[[2]*peer]bool{}
	var pairs [][2]*peer
	for _, a := range scaled {
		candidates := scaled
		if sel := a.pods.Selector; sel != nil && len(sel.MatchLabels) > 0 {
			k := slices.Min(slices.Collect(maps.Keys(sel.MatchLabels)))
			candidates = byLabel[k+"="+sel.MatchLabels[k]]
		}
		for _, b := range candidates {
			if b == a || b.pods.Labels == nil || !a.pods.Selector.Matches(b.pods.Labels) {
				continue
			}
			pair := [2]*peer{a, b}
			if pos[b] < pos[a] {
				pair = [2]*peer{b, a}
			}
			if !found[pair] {
				found[pair] = true
				pairs = append(pairs, pair)
			}
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pos[pairs[i][1]] != pos[pairs[j][1]] {
			return pos[pairs[i][1]] < pos[pairs[j][1]]
		}
		return pos[pairs[i][0]] < pos[pairs[j][0]]
	})
	return pairs
}

// overlap says how the selector of one workload selects pods of the other,
// or returns "" when neither does.
func overlap(a, b *peer) string {
	var parts []string
	for _, pair := range [][2]*peer{{a, b}, {b, a}} {
		x, y := pair[0], pair[1]
		if x.pods.Problem == nil && y.pods.Problem == nil && y.pods.Labels != nil && x.pods.Selector.Matches(y.pods.Labels) {
			parts = append(parts, fmt.Sprintf("the selector of %s (%s) selects the pods of %s (labels %s)", x.ref, x.pods.Selector, y.ref, labelsel.Format(y.pods.Labels)))
		}
	}
	return strings.Join(parts, ", and ")
}
