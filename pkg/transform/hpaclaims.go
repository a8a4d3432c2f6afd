package transform

import (
	"fmt"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/hpa"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/workload"
)

// fieldNamespace is the field of namespace findings.
const fieldNamespace = "metadata.namespace"

// hpaAssumptionLead starts every warning about an HPA taken as a workload's
// by assumption, so that a later run can recognise it.
const hpaAssumptionLead = "HorizontalPodAutoscaler "

// namespaceFix says how to make HPA matching exact.
const namespaceFix = "the release namespace with --namespace (as a Helm post-renderer: --post-renderer-args=--namespace=NS; Helm 3 does not pass it)"

// hpasOf returns the HPAs that target w. One whose namespace matches only by
// assumption (the release namespace is unknown) is taken as w's, with a
// warning that says so; assumedBy remembers the workload that took it, and
// a second workload that could be its target is an error.
func hpasOf(w *workload.Workload, claims []hpa.Claim, assumedBy map[*hpa.HPA]diag.Ref) ([]*hpa.HPA, diag.List) {
	var mine []*hpa.HPA
	var d diag.List
	for _, c := range claims {
		h := c.HPA
		if c.Assumed {
			if other, taken := assumedBy[h]; taken {
				d.Errorf(hpaRef(h), fieldNamespace, h.Namespace, namespaceFix,
					"the release namespace is unknown, so the HPA may target %s or %s", other, w.Ref)
				continue
			}
			assumedBy[h] = w.Ref
			d.Warnf(w.Ref, fieldNamespace, "%s; pass %s to decide exactly", assumption(h, w), namespaceFix)
		}
		mine = append(mine, h)
	}
	return mine, d
}

// assumption explains why an HPA is taken to target w.
func assumption(h *hpa.HPA, w *workload.Workload) string {
	if h.Namespace == "" {
		return fmt.Sprintf(hpaAssumptionLead+"%s names no namespace and the release namespace is unknown: it is taken to be in %q, targeting this workload, and handled by hpa-conflict",
			h.Name, w.Ref.Namespace)
	}
	return fmt.Sprintf(hpaAssumptionLead+"%s/%s targets this workload's name, the workload names no namespace and the release namespace is unknown: the workload is taken to be in %q, and the HPA handled by hpa-conflict",
		h.Namespace, h.Name, h.Namespace)
}

// hpaRef names an HPA in diagnostics.
func hpaRef(h *hpa.HPA) diag.Ref {
	return diag.Ref{APIVersion: h.Node.GetApiVersion(), Kind: hpa.Kind, Namespace: h.Namespace, Name: h.Name}
}
