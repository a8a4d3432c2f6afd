// Package workload reads what the transform needs from a Deployment or
// StatefulSet node: identity, annotations, containers with their resource
// requests and limits, and the GPU resources they claim.
package workload

import (
	"sort"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/labelsel"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// HookAnnotation marks Helm hook resources, which the tool never touches.
const HookAnnotation = "helm.sh/hook"

// Workload is a scalable workload found in the input.
type Workload struct {
	Node        *yaml.RNode
	Ref         diag.Ref
	Annotations map[string]string
	Labels      map[string]string
	Containers  []Container
	// PodResources are pod-level resources (spec.template.spec.resources), if any.
	PodResources Resources
	// Pods is what other workloads and HPAs see of the pods.
	Pods PodInfo
}

// PodInfo is what other workloads and HPAs see of a workload's pods.
type PodInfo struct {
	// Selector is spec.selector (nil when missing).
	Selector *labelsel.Selector
	// Labels are spec.template.metadata.labels.
	Labels map[string]string
	// Problem is set when the selector or the labels are malformed.
	Problem *labelsel.Problem
	// OrdinalStart is a StatefulSet's spec.ordinals.start (0 by default).
	OrdinalStart int64
	// Replicas is spec.replicas (1 when unset or not a number).
	Replicas int64
}

// PodsOf reads the selector, pod-template labels, first ordinal and
// replicas of a workload node.
func PodsOf(n *yaml.RNode) PodInfo {
	info := PodInfo{Replicas: 1}
	spec := n.Field("spec")
	if spec == nil || spec.Value == nil || spec.Value.YNode().Kind != yaml.MappingNode {
		return info
	}
	sel, _ := spec.Value.Pipe(yaml.Lookup("selector"))
	info.Selector, info.Problem = labelsel.FromNode(sel, "spec.selector")
	if info.Problem == nil {
		labels, _ := spec.Value.Pipe(yaml.Lookup("template", "metadata", "labels"))
		info.Labels, info.Problem = labelsel.StringMap(labels, "spec.template.metadata.labels")
	}
	if v, err := strconv.ParseInt(scalarAt(spec.Value, "ordinals", "start"), 10, 64); err == nil && v >= 0 {
		info.OrdinalStart = v
	}
	if v, err := strconv.ParseInt(scalarAt(spec.Value, "replicas"), 10, 64); err == nil && v >= 0 {
		info.Replicas = v
	}
	return info
}

// scalarAt returns the scalar at path below n, or "".
func scalarAt(n *yaml.RNode, path ...string) string {
	v, err := n.Pipe(yaml.Lookup(path...))
	if err != nil || v == nil || v.YNode().Kind != yaml.ScalarNode {
		return ""
	}
	return yaml.GetValue(v)
}

// Container is one (non-init) container of the pod template.
type Container struct {
	Name  string
	Image string
	// Command and Args are the container's entrypoint override and arguments
	// (items that are not plain strings are left out).
	Command []string
	Args    []string
	// Env holds the container's environment variables that have a literal
	// value (env[].value); variables set from a Secret, a ConfigMap or a
	// field reference are absent, since their value is not in the manifest.
	Env       map[string]string
	Resources Resources
}

// Resources holds requests and limits by resource name.
type Resources struct {
	Requests map[string]string
	Limits   map[string]string
}

// IsScalable reports whether apiVersion/kind is a workload the tool scales.
func IsScalable(apiVersion, kind string) bool {
	return apiVersion == "apps/v1" && (kind == "Deployment" || kind == "StatefulSet")
}

// RefOf returns the diagnostic reference of any resource node; a resource
// whose metadata cannot be read gets a reference without name.
func RefOf(n *yaml.RNode) diag.Ref {
	if n.YNode().Kind != yaml.MappingNode {
		return diag.Ref{}
	}
	if MalformedMetadata(n) == "metadata" {
		return diag.Ref{APIVersion: n.GetApiVersion(), Kind: n.GetKind()}
	}
	return diag.Ref{APIVersion: n.GetApiVersion(), Kind: n.GetKind(), Namespace: n.GetNamespace(), Name: n.GetName()}
}

// MalformedMetadata returns the path of a metadata part that is present but
// not a mapping ("metadata", "metadata.labels", "metadata.annotations"), or
// "" when the resource's metadata can be read. kyaml's metadata getters
// panic on such resources, so every reader checks this first.
func MalformedMetadata(n *yaml.RNode) string {
	md := n.Field("metadata")
	if md == nil || md.Value == nil {
		return ""
	}
	isNull := func(y *yaml.Node) bool { return y.Kind == yaml.ScalarNode && y.Tag == "!!null" }
	if y := md.Value.YNode(); y.Kind != yaml.MappingNode {
		if isNull(y) {
			return ""
		}
		return "metadata"
	}
	for _, f := range []string{"labels", "annotations"} {
		sub := md.Value.Field(f)
		if sub == nil || sub.Value == nil {
			continue
		}
		if y := sub.Value.YNode(); y.Kind != yaml.MappingNode && !isNull(y) {
			return "metadata." + f
		}
	}
	return ""
}

// IsHook reports whether n is a Helm hook resource.
func IsHook(n *yaml.RNode) bool {
	_, ok := n.GetAnnotations()[HookAnnotation]
	return ok
}

// FromNode reads a workload node.
func FromNode(n *yaml.RNode) *Workload {
	w := &Workload{Node: n, Ref: RefOf(n), Annotations: n.GetAnnotations(), Labels: n.GetLabels(), Pods: PodsOf(n)}
	podSpec, _ := n.Pipe(yaml.Lookup("spec", "template", "spec"))
	if podSpec == nil {
		return w
	}
	w.PodResources = readResources(podSpec.Field("resources"))
	containers := podSpec.Field("containers")
	if containers == nil {
		return w
	}
	items, _ := containers.Value.Elements()
	for _, c := range items {
		w.Containers = append(w.Containers, Container{
			Name:      scalar(c, "name"),
			Image:     scalar(c, "image"),
			Command:   stringList(c, "command"),
			Args:      stringList(c, "args"),
			Env:       literalEnv(c),
			Resources: readResources(c.Field("resources")),
		})
	}
	return w
}

func scalar(n *yaml.RNode, field string) string {
	f := n.Field(field)
	if f == nil || f.Value == nil {
		return ""
	}
	return yaml.GetValue(f.Value)
}

// stringList returns the string items of a sequence field.
func stringList(n *yaml.RNode, field string) []string {
	f := n.Field(field)
	if f == nil || f.Value == nil || f.Value.YNode().Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, item := range f.Value.YNode().Content {
		if item.Kind == yaml.ScalarNode {
			out = append(out, item.Value)
		}
	}
	return out
}

// literalEnv returns the env entries of a container that set a literal
// value (a later entry of the same name wins, as in Kubernetes).
func literalEnv(c *yaml.RNode) map[string]string {
	f := c.Field("env")
	if f == nil || f.Value == nil || f.Value.YNode().Kind != yaml.SequenceNode {
		return nil
	}
	env := map[string]string{}
	for _, item := range f.Value.YNode().Content {
		if item.Kind != yaml.MappingNode {
			continue
		}
		e := yaml.NewRNode(item)
		name := scalar(e, "name")
		if v := e.Field("value"); name != "" && v != nil && v.Value != nil && v.Value.YNode().Kind == yaml.ScalarNode {
			env[name] = v.Value.YNode().Value
		} else {
			delete(env, name)
		}
	}
	return env
}

func readResources(f *yaml.MapNode) Resources {
	r := Resources{Requests: map[string]string{}, Limits: map[string]string{}}
	if f == nil || f.Value == nil {
		return r
	}
	for _, part := range []struct {
		name string
		into map[string]string
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		m := f.Value.Field(part.name)
		if m == nil || m.Value == nil || m.Value.YNode().Kind != yaml.MappingNode {
			continue
		}
		content := m.Value.YNode().Content
		for i := 0; i+1 < len(content); i += 2 {
			part.into[content[i].Value] = content[i+1].Value
		}
	}
	return r
}

// positive reports whether q parses as a quantity above zero.
func positive(q string) bool {
	v, err := resource.ParseQuantity(q)
	return err == nil && v.Sign() > 0
}

// has reports whether requests or limits set name above zero (KEDA's test).
func (r Resources) has(name string) bool {
	return positive(r.Requests[name]) || positive(r.Limits[name])
}

// MissingResource lists the containers that set neither a request nor a
// limit above zero for name ("cpu" or "memory"). Pod-level resources cover
// every container. KEDA's admission webhook rejects cpu/memory triggers
// when any container is missing.
func (w *Workload) MissingResource(name string) []string {
	if w.PodResources.has(name) {
		return nil
	}
	var missing []string
	for _, c := range w.Containers {
		if !c.Resources.has(name) {
			missing = append(missing, c.Name)
		}
	}
	return missing
}

// GPUInfo describes the GPUs a pod of the workload claims.
type GPUInfo struct {
	// Resource is the extended resource name (nvidia.com/gpu, nvidia.com/mig-3g.20gb,
	// amd.com/gpu, habana.ai/gaudi); several are joined with "+".
	Resource string
	// Resources are the claimed resource names, sorted.
	Resources []string
	// PerPod is the number of GPU devices (or MIG slices) per pod.
	PerPod int64
	// Containers lists the containers that claim GPUs.
	Containers []string
}

// Accelerator extended resources.
const (
	ResourceNVIDIA    = "nvidia.com/gpu"
	ResourceMIGPrefix = "nvidia.com/mig-"
	ResourceAMD       = "amd.com/gpu"
	ResourceGaudi     = "habana.ai/gaudi"
)

// IsGPUResource reports whether name is a GPU (or Gaudi accelerator) extended resource.
func IsGPUResource(name string) bool {
	return name == ResourceNVIDIA || name == ResourceAMD || name == ResourceGaudi || strings.HasPrefix(name, ResourceMIGPrefix)
}

// NVIDIA reports whether the pod claims NVIDIA GPUs or MIG slices, the
// devices NVIDIA's DCGM exporter reports on.
func (g *GPUInfo) NVIDIA() bool {
	for _, r := range g.Resources {
		if strings.HasPrefix(r, "nvidia.com/") {
			return true
		}
	}
	return false
}

// MIG reports whether the pod claims MIG slices (nvidia.com/mig-<profile>).
func (g *GPUInfo) MIG() bool {
	for _, r := range g.Resources {
		if strings.HasPrefix(r, ResourceMIGPrefix) {
			return true
		}
	}
	return false
}

// NonNVIDIA returns the claimed resources that are not NVIDIA devices.
func (g *GPUInfo) NonNVIDIA() []string {
	var out []string
	for _, r := range g.Resources {
		if !strings.HasPrefix(r, "nvidia.com/") {
			out = append(out, r)
		}
	}
	return out
}

// GPU returns the GPUs a pod claims (the larger of request and limit per
// container, summed over non-init containers), or nil when it claims none.
func (w *Workload) GPU() *GPUInfo {
	var info *GPUInfo
	perResource := map[string]int64{}
	for _, c := range w.Containers {
		names := map[string]bool{}
		for n := range c.Resources.Requests {
			names[n] = true
		}
		for n := range c.Resources.Limits {
			names[n] = true
		}
		claimed := false
		for n := range names {
			if !IsGPUResource(n) {
				continue
			}
			count := max(quantityInt(c.Resources.Requests[n]), quantityInt(c.Resources.Limits[n]))
			if count <= 0 {
				continue
			}
			perResource[n] += count
			claimed = true
		}
		if claimed {
			if info == nil {
				info = &GPUInfo{}
			}
			info.Containers = append(info.Containers, c.Name)
		}
	}
	if info == nil {
		return nil
	}
	names := make([]string, 0, len(perResource))
	for n := range perResource {
		names = append(names, n)
	}
	sort.Strings(names)
	info.Resources = names
	info.Resource = strings.Join(names, "+")
	for _, n := range names {
		info.PerPod += perResource[n]
	}
	return info
}

func quantityInt(q string) int64 {
	if q == "" {
		return 0
	}
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return 0
	}
	return v.Value()
}
