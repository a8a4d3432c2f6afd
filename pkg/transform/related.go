package transform

import (
	"bytes"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/scope"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Related tells a host that parses only some documents (the post-renderer)
// which of the others Run still needs besides items: the Deployments and
// StatefulSets that an HPA of items targets, and those whose pods the pod
// pattern of a GPU workload in scope (as sc decides) might select. It errs toward parsing: a document
// qualifies when it mentions one of the kinds and a word that is such a
// name (names are DNS names, so the name appears in the text as a word of
// lower-case letters, digits, '-' and '.').
func Related(items []*yaml.RNode, sc *scope.Scope) func(body []byte) bool {
	exact := map[string]bool{} // names looked for
	var heads []string         // beginnings of names looked for
	for _, n := range items {
		if n.YNode().Kind != yaml.MappingNode || workload.MalformedMetadata(n) != "" {
			continue
		}
		if hpa.IsHPA(n.GetApiVersion(), n.GetKind()) {
			if t := hpa.FromNode(n).Target.Name; t != "" {
				exact[t] = true
			}
		}
	}
	// only workloads that claim a GPU can need their look-alikes, so the
	// scope decision runs on those alone
	var gpu []*yaml.RNode
	for _, n := range items {
		if n.YNode().Kind == yaml.MappingNode && workload.IsScalable(n.GetApiVersion(), n.GetKind()) &&
			workload.MalformedMetadata(n) == "" && workload.FromNode(n).GPU() != nil {
			gpu = append(gpu, n)
		}
	}
	for _, w := range sc.Decide(gpu).InScope {
		if w.GPU() != nil {
			head, cuts := confusable(w.Ref.Name)
			heads = append(heads, head)
			for _, c := range cuts {
				exact[c] = true
			}
		}
	}
	if len(exact) == 0 && len(heads) == 0 {
		return func([]byte) bool { return false }
	}
	return func(body []byte) bool {
		if !bytes.Contains(body, []byte("Deployment")) && !bytes.Contains(body, []byte("StatefulSet")) {
			return false
		}
		for _, w := range bytes.FieldsFunc(body, notNameChar) {
			if exact[string(w)] {
				return true
			}
			for _, h := range heads {
				if bytes.HasPrefix(w, []byte(h)) {
					return true
				}
			}
		}
		return false
	}
}

func notNameChar(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.')
}

// confusable returns what the name of every workload whose pods may be
// named like those of workload name looks like: it starts with head, or is
// one of cuts. Pod names start with the pattern's prefix: "<name>-", or a
// Deployment name's first 58 characters. Of two workloads whose pods share
// a name, one prefix is a prefix of the other. So the other name either
// starts with this name (cut at 58), or is this name cut before a dash —
// before one of its last two dashes at most, since the rest of a pod name
// holds at most two dashes ("-<hash>-<random>").
func confusable(name string) (head string, cuts []string) {
	prefix := name + "-"
	if len(name) >= podname.MaxGeneratedPrefix {
		prefix = name[:podname.MaxGeneratedPrefix]
	}
	seen := 0
	for k := len(prefix) - 1; k > 0 && seen < 2; k-- {
		if prefix[k] != '-' {
			continue
		}
		seen++
		if k < len(name) {
			cuts = append(cuts, name[:k])
		}
	}
	return strings.TrimSuffix(prefix, "-"), cuts
}
