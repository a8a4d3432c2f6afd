package keda

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// HPANamePrefix is what KEDA puts before a ScaledObject's name to name
// the HPA it creates when the ScaledObject names none.
const HPANamePrefix = "keda-hpa-"

// hashLength is how many hex digits of a name's SHA-256 a shortened name keeps.
const hashLength = 8

// DefaultHPAName is the name KEDA gives the HPA of a ScaledObject that
// does not set spec.advanced.horizontalPodAutoscalerConfig.name.
func DefaultHPAName(scaledObject string) string { return HPANamePrefix + scaledObject }

// ScaledObjectName is the name of the ScaledObject generated for a
// workload: the workload's name, shortened when it is longer than the 63
// characters KEDA allows.
func ScaledObjectName(workload string) string { return Shorten(workload, MaxNameLength) }

// HPANameFor returns the name of the HPA KEDA creates for a workload:
// chosen when not empty, else KEDA's default for the workload's
// ScaledObject, shortened when that is longer than 63 characters. The
// second result says whether the name must be set in the ScaledObject.
func HPANameFor(workload, chosen string) (string, bool) {
	if chosen != "" {
		return chosen, true
	}
	def := DefaultHPAName(ScaledObjectName(workload))
	if len(def) <= MaxNameLength {
		return def, false
	}
	return Shorten(def, MaxNameLength), true
}

// Shorten returns name when it has at most limit characters. A longer name
// becomes a DNS-1123 label of at most limit characters: its beginning (dots
// made dashes, no dash at the end), a dash, and the first 8 hex digits of
// the SHA-256 of the whole name, so that long names that begin alike stay
// distinct.
func Shorten(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	head := strings.ReplaceAll(name[:limit-hashLength-1], ".", "-")
	return strings.TrimRight(head, "-") + "-" + hex.EncodeToString(sum[:])[:hashLength]
}
