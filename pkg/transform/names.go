package transform

import (
	"github.com/ml-autoscaling/ml-autoscaling/pkg/annotations"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
)

// kedaHPA is the HPA KEDA creates (or adopts) for a scaled workload.
type kedaHPA struct {
	workload diag.Ref
	ns, name string
	// chosen is true when the workload's hpa-name annotation named it.
	chosen bool
}

// field is what to change to rename the HPA.
func (k kedaHPA) field() string {
	if k.chosen {
		return annotations.Prefix + annotations.KeyHPAName
	}
	return "metadata.name"
}

// checkHPANames refuses two scaled workloads whose HPAs would have one
// name, and an HPA of the input that has the name of KEDA's HPA for a
// workload it does not target (KEDA would take it over, or fail).
func checkHPANames(mine []kedaHPA, hpas []*hpa.HPA, ns func(string) string, out *diag.List) {
	owner := map[[2]string]kedaHPA{}
	for _, k := range mine {
		id := [2]string{k.ns, k.name}
		if prev, clash := owner[id]; clash {
			out.Errorf(k.workload, k.field(), k.name, "one HPA name per workload in a namespace: set "+annotations.Prefix+annotations.KeyHPAName+" on one of them",
				"KEDA's HPAs for %s and %s would both be called %s", prev.workload, k.workload, k.name)
			continue
		}
		owner[id] = k
	}
	for _, h := range hpas {
		k, clash := owner[[2]string{ns(h.Namespace), h.Name}]
		if !clash || h.Targets(k.workload.Kind, k.workload.Name) {
			continue // its own HPA: removed, adopted or reported by the HPA-conflict policy
		}
		out.Errorf(diag.Ref{APIVersion: h.Node.GetApiVersion(), Kind: hpa.Kind, Namespace: h.Namespace, Name: h.Name}, "metadata.name", h.Name,
			"an HPA name KEDA does not use: rename this HPA, or set "+annotations.Prefix+annotations.KeyHPAName+" on "+k.workload.String(),
			"KEDA's HPA for %s has this name too, and this HPA scales %s/%s: KEDA would take it over or fail", k.workload, h.Target.Kind, h.Target.Name)
	}
}
