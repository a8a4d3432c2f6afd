package workload

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/yamltext"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// allowedQuantity says what a resource request or limit may be.
const allowedQuantity = "a non-negative Kubernetes quantity such as 1, 500m, 2Gi"

// allowedExtended says what an extended resource (nvidia.com/gpu) may be.
const allowedExtended = "a whole, non-negative number, set in limits (a request, if given, equal to the limit), e.g. limits: {nvidia.com/gpu: 1}"

// IsExtendedResource reports whether name is an extended resource (a name
// with a domain other than kubernetes.io, such as nvidia.com/gpu), which the
// API server counts in whole units and never overcommits.
func IsExtendedResource(name string) bool {
	domain, _, ok := strings.Cut(name, "/")
	return ok && !strings.HasPrefix(name, "requests.") && domain != "kubernetes.io" && !strings.HasSuffix(domain, ".kubernetes.io")
}

// CheckResources reports the resource requests and limits of the pod
// template that the API server rejects, so that the GPUs per pod and the
// cpu/memory checks are computed from values Kubernetes accepts: requests
// and limits that are not mappings, values that are not quantities or are
// negative, a request above its limit, and for extended resources (GPUs) a
// fraction, a request without a limit or one that differs from it.
func (w *Workload) CheckResources() diag.List {
	var out diag.List
	podSpec, _ := w.Node.Pipe(yaml.Lookup("spec", "template", "spec"))
	if podSpec == nil || podSpec.YNode().Kind != yaml.MappingNode {
		return nil
	}
	const base = "spec.template.spec"
	checkRequirements(&out, w.Ref, base+".resources", "the pod", podSpec.Field("resources"))
	containers := podSpec.Field("containers")
	if containers == nil || containers.Value == nil || containers.Value.YNode().Kind != yaml.SequenceNode {
		return out
	}
	for i, c := range containers.Value.YNode().Content {
		if c.Kind != yaml.MappingNode {
			continue
		}
		rc := yaml.NewRNode(c)
		name := scalar(rc, "name")
		id := fmt.Sprintf("%d", i)
		if name != "" {
			id = name
		}
		checkRequirements(&out, w.Ref, fmt.Sprintf("%s.containers[%s].resources", base, id), "container "+id, rc.Field("resources"))
	}
	return out
}

// checkRequirements checks one resources: {requests, limits} block.
func checkRequirements(out *diag.List, ref diag.Ref, path, owner string, f *yaml.MapNode) {
	if f == nil || f.Value == nil || isNull(f.Value.YNode()) {
		return
	}
	if f.Value.YNode().Kind != yaml.MappingNode {
		out.Errorf(ref, path, yamltext.Snippet(f.Value.YNode()), "a mapping with requests and limits", "resources of %s is %s", owner, describe(f.Value.YNode()))
		return
	}
	requests, _ := readQuantities(out, ref, path+".requests", owner, f.Value.Field("requests"))
	limits, limitSet := readQuantities(out, ref, path+".limits", owner, f.Value.Field("limits"))
	for _, name := range sortedKeys(requests) {
		req := requests[name]
		lim, hasLimit := limits[name]
		field := path + ".requests." + name
		switch {
		case limitSet[name] && !hasLimit:
			// the limit is invalid, which is reported already
		case IsExtendedResource(name) && !hasLimit:
			out.Errorf(ref, path+".limits."+name, "", allowedExtended,
				"%s requests %s %s without a limit: the API server requires a limit for extended resources (they cannot be overcommitted)", owner, req.String(), name)
		case IsExtendedResource(name) && req.Cmp(lim) != 0:
			out.Errorf(ref, field, req.String(), allowedExtended,
				"%s requests %s %s but limits %s: for an extended resource the API server requires the request to equal the limit", owner, req.String(), name, lim.String())
		case hasLimit && req.Cmp(lim) > 0:
			out.Errorf(ref, field, req.String(), fmt.Sprintf("at most the limit %s", lim.String()),
				"%s requests more %s than its limit", owner, name)
		}
	}
}

// readQuantities parses a requests or limits mapping, reporting values the
// API server rejects. It returns the valid quantities, and every name that
// is set (valid or not).
func readQuantities(out *diag.List, ref diag.Ref, path, owner string, f *yaml.MapNode) (map[string]resource.Quantity, map[string]bool) {
	got, set := map[string]resource.Quantity{}, map[string]bool{}
	if f == nil || f.Value == nil || isNull(f.Value.YNode()) {
		return got, set
	}
	m := f.Value.YNode()
	if m.Kind != yaml.MappingNode {
		out.Errorf(ref, path, yamltext.Snippet(m), "a mapping of resource name to quantity, e.g. {cpu: 500m, nvidia.com/gpu: 1}", "is %s, not a mapping", describe(m))
		return got, set
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		name, v := m.Content[i].Value, m.Content[i+1]
		set[name] = true
		field := path + "." + name
		allowed := allowedQuantity
		if IsExtendedResource(name) {
			allowed = allowedExtended
		}
		if v.Kind != yaml.ScalarNode || isNull(v) {
			out.Errorf(ref, field, yamltext.Snippet(v), allowed, "%s: the %s quantity is %s, not a number", owner, name, describe(v))
			continue
		}
		q, err := resource.ParseQuantity(strings.TrimSpace(v.Value))
		switch {
		case err != nil:
			out.Errorf(ref, field, v.Value, allowed, "%s: not a Kubernetes quantity for %s", owner, name)
		case q.Sign() < 0:
			out.Errorf(ref, field, v.Value, allowed, "%s: a negative quantity of %s", owner, name)
		case IsExtendedResource(name) && q.MilliValue()%1000 != 0:
			out.Errorf(ref, field, v.Value, allowed, "%s: %s is an extended resource, counted in whole devices: the API server rejects a fraction", owner, name)
		default:
			got[name] = q
		}
	}
	return got, set
}

func sortedKeys(m map[string]resource.Quantity) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
