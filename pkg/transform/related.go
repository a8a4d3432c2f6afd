package transform

import (
	"bytes"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/podname"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Related tells a host that parses only some documents (the post-renderer)
// which of the others Run still needs besides items: the Deployments and
// StatefulSets that an HPA of items targets, and those whose pods a GPU
// workload's pod pattern might select. It errs toward parsing: a document
// qualifies when it mentions one of the kinds and a name it looks for.
func Related(items []*yaml.RNode) func(body []byte) bool {
	var needles [][]byte
	for _, n := range items {
		if n.YNode().Kind != yaml.MappingNode || workload.MalformedMetadata(n) != "" {
			continue
		}
		av, kind := n.GetApiVersion(), n.GetKind()
		switch {
		case hpa.IsHPA(av, kind):
			if t := hpa.FromNode(n).Target.Name; t != "" {
				needles = append(needles, []byte(t))
			}
		case workload.IsScalable(av, kind) && annotations.IsEnabled(n.GetAnnotations()):
			if workload.FromNode(n).GPU() != nil {
				for _, s := range confusable(n.GetName()) {
					needles = append(needles, []byte(s))
				}
			}
		}
	}
	if len(needles) == 0 {
		return func([]byte) bool { return false }
	}
	return func(body []byte) bool {
		if !bytes.Contains(body, []byte("Deployment")) && !bytes.Contains(body, []byte("StatefulSet")) {
			return false
		}
		for _, s := range needles {
			if bytes.Contains(body, s) {
				return true
			}
		}
		return false
	}
}

// confusable returns strings that the name of every workload whose pods
// may be named like those of workload name contains. Pod names start with
// the pattern's prefix: "<name>-", or a Deployment name's first 58
// characters. Of two workloads whose pods share a name, one prefix is a
// prefix of the other. So the other name either starts with this name (cut
// at 58), or is this name cut before a dash — and before one of its last
// two dashes at most, since the rest of a pod name holds at most two
// dashes ("-<hash>-<random>").
func confusable(name string) []string {
	head := name + "-"
	if len(name) >= podname.MaxGeneratedPrefix {
		head = name[:podname.MaxGeneratedPrefix]
	}
	out := []string{strings.TrimSuffix(head, "-")}
	seen := 0
	for k := len(head) - 1; k > 0 && seen < 2; k-- {
		if head[k] != '-' {
			continue
		}
		seen++
		if k < len(name) {
			out = append(out, name[:k])
		}
	}
	return out
}
