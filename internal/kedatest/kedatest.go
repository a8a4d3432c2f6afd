// Package kedatest checks that YAML emitted by ml-autoscaling is accepted by KEDA v2.21.0:
// KEDA's CRD schemas (OpenAPI v3 plus the CRDs' x-kubernetes-validations rules, list-type
// invariants and object metadata rules, as the API server applies them), strict decoding into
// KEDA's Go types, and the offline part of KEDA's admission webhook.
//
// It links KEDA's API packages and is meant to be imported from _test.go files only.
package kedatest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	sigsjson "sigs.k8s.io/json"
	sigsyaml "sigs.k8s.io/yaml"
)

const (
	kedaModule = "github.com/kedacore/keda/v2"
	kedaAPI    = "keda.sh/v1alpha1"
	// maxNameLength mirrors maxK8sLabelValueLength in KEDA's scaledobject_webhook.go.
	maxNameLength = 63
)

// crdFiles maps the validated kinds to their CRD files inside the KEDA module.
var crdFiles = map[string]string{
	"ScaledObject":          "keda.sh_scaledobjects.yaml",
	"TriggerAuthentication": "keda.sh_triggerauthentications.yaml",
}

type crdSchema struct {
	openAPI    *spec.Schema
	structural *structuralschema.Structural
}

var (
	schemasOnce sync.Once
	schemas     map[string]*crdSchema
	schemasErr  error
)

// loadSchemas locates the KEDA module once and converts both CRD schemas the way
// kube-apiserver does (v1 → internal → structural → kube-openapi).
func loadSchemas() (map[string]*crdSchema, error) {
	schemasOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", kedaModule).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%w: %s", err, ee.Stderr)
			}
			schemasErr = fmt.Errorf("kedatest: locating %s with go list: %w", kedaModule, err)
			return
		}
		dir := filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "bases")
		schemas = map[string]*crdSchema{}
		for kind, file := range crdFiles {
			s, err := loadCRD(filepath.Join(dir, file))
			if err != nil {
				schemasErr = fmt.Errorf("kedatest: CRD for %s: %w", kind, err)
				return
			}
			schemas[kind] = s
		}
	})
	return schemas, schemasErr
}

func loadCRD(path string) (*crdSchema, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := sigsyaml.Unmarshal(data, &crd); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != "v1alpha1" || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		var internal apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		st, err := structuralschema.NewStructural(&internal)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		oa := st.ToKubeOpenAPI()
		intOrString(oa)
		return &crdSchema{openAPI: oa, structural: st}, nil
	}
	return nil, fmt.Errorf("%s: no v1alpha1 schema", path)
}

// intOrString applies kube-apiserver's conversion of x-kubernetes-int-or-string
// (apiserver/validation.ConvertJSONSchemaPropsWithPostProcess): type [integer, string].
func intOrString(s *spec.Schema) {
	if s == nil {
		return
	}
	if v, ok := s.Extensions.GetBool("x-kubernetes-int-or-string"); ok && v {
		s.Type = spec.StringOrArray{"integer", "string"}
	}
	for k, p := range s.Properties {
		intOrString(&p)
		s.Properties[k] = p
	}
	if s.Items != nil {
		intOrString(s.Items.Schema)
	}
	if s.AdditionalProperties != nil {
		intOrString(s.AdditionalProperties.Schema)
	}
	for _, list := range [][]spec.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for i := range list {
			intOrString(&list[i])
		}
	}
	intOrString(s.Not)
}

// ValidateDocument validates one YAML document. Documents whose apiVersion is keda.sh/v1alpha1
// and whose kind is ScaledObject or TriggerAuthentication are checked against, in order:
//
//  1. KEDA v2.21.0's CRD OpenAPI v3 schema (numbers decoded as integers when integral),
//     x-kubernetes-list-type invariants, metadata rules (name a DNS subdomain) and the CRD's
//     CEL rules (re-implemented; the rule list is in the source of celRules);
//  2. strict decoding into v1alpha1.ScaledObject / v1alpha1.TriggerAuthentication
//     (unknown, duplicate or wrongly-cased fields are errors, as with kubectl's
//     --validate=strict);
//  3. for ScaledObjects, [KEDAAccepts]; for TriggerAuthentications, KEDA's offline
//     webhook check (TriggerAuthentication.ValidateCreate).
//
// Every other document (including empty ones) yields nil. Each error line names
// "Kind namespace/name", the stage that failed and KEDA's message.
func ValidateDocument(doc []byte) error {
	obj, err := toObject(doc)
	if err != nil {
		return err
	}
	kind, _ := obj["kind"].(string)
	if obj["apiVersion"] != kedaAPI || crdFiles[kind] == "" {
		return nil
	}
	all, err := loadSchemas()
	if err != nil {
		return err
	}
	s := all[kind]
	u := &unstructured.Unstructured{Object: obj}
	id := fmt.Sprintf("%s %s", kind, ref(u.GetNamespace(), u.GetName()))
	var errs []error
	add := func(stage string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", id, stage, err))
		}
	}

	// Stage 1: what kube-apiserver checks for a custom resource.
	res := validate.NewSchemaValidator(s.openAPI, nil, "", strfmt.Default).Validate(obj)
	for _, e := range res.Errors {
		add("CRD schema", e)
	}
	add("CRD list-type", listtype.ValidateListSetsAndMaps(nil, s.structural, obj).ToAggregate())
	add("metadata", validateMeta(u))
	if kind == "ScaledObject" {
		add("CRD rule (x-kubernetes-validations)", celRules(obj))
	}

	// Stage 2: strict decoding into KEDA's types; stage 3: KEDA's webhook logic.
	switch kind {
	case "ScaledObject":
		var so v1alpha1.ScaledObject
		if err := strictDecode(doc, &so); err != nil {
			add("strict decode into v1alpha1.ScaledObject", err)
			break
		}
		for _, err := range kedaChecks(&so) {
			add("KEDA webhook", err)
		}
	case "TriggerAuthentication":
		var ta v1alpha1.TriggerAuthentication
		if err := strictDecode(doc, &ta); err != nil {
			add("strict decode into v1alpha1.TriggerAuthentication", err)
			break
		}
		_, err := ta.ValidateCreate(nil)
		add("KEDA webhook", err)
	}
	return errors.Join(errs...)
}

// strictDecode decodes YAML into v the way apimachinery's strict decoder does: duplicate YAML
// keys, unknown fields and wrongly-cased field names are errors, reported with their full path.
func strictDecode(doc []byte, v any) error {
	j, err := sigsyaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strictErrs, err := sigsjson.UnmarshalStrict(j, v, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	return errors.Join(append(strictErrs, err)...)
}

// toObject decodes YAML into a JSON-compatible map whose integral numbers are int64 (as
// kube-apiserver decodes them), not float64. A document that is empty or not a mapping gives nil.
func toObject(doc []byte) (map[string]any, error) {
	j, err := sigsyaml.YAMLToJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	var v any
	if err := utiljson.Unmarshal(j, &v); err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	m, _ := v.(map[string]any)
	return m, nil
}

func ref(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// validateMeta applies the API server's ObjectMeta rules for a namespaced custom resource
// (NameIsDNSSubdomain). A missing namespace is filled in at apply time, so it is not required.
func validateMeta(u *unstructured.Unstructured) error {
	c := u.DeepCopy()
	if c.GetNamespace() == "" {
		c.SetNamespace("default")
	}
	return apivalidation.ValidateObjectMetaAccessor(c, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata")).ToAggregate()
}

// celRules re-implements the x-kubernetes-validations rules of KEDA v2.21.0's two CRDs
// (cel-go and k8s.io/apiserver are not in this module's go.sum). The CRDs contain exactly one:
//
//	keda.sh_scaledobjects.yaml, at spec:
//	  rule: '!has(self.minReplicaCount) || self.minReplicaCount <= (has(self.maxReplicaCount) ? self.maxReplicaCount : 100)'
//	  message: minReplicaCount must be less than or equal to maxReplicaCount
//
// keda.sh_triggerauthentications.yaml has none. TestCRDRulesAreKnown fails when this list
// goes stale. As in kube-apiserver, the rule is skipped when the fields have the wrong type
// (the schema check already reports that).
func celRules(obj map[string]any) error {
	specMap, _ := obj["spec"].(map[string]any)
	minV, ok := specMap["minReplicaCount"].(int64)
	if !ok {
		return nil
	}
	maxV := int64(100)
	if raw, present := specMap["maxReplicaCount"]; present {
		if maxV, ok = raw.(int64); !ok {
			return nil
		}
	}
	if minV > maxV {
		return fmt.Errorf("spec: minReplicaCount must be less than or equal to maxReplicaCount (minReplicaCount=%d, maxReplicaCount=%d)", minV, maxV)
	}
	return nil
}

// ValidateStream splits a multi-document YAML stream, unwraps `kind: List` documents into their
// items, runs ValidateDocument on each and joins the errors (each prefixed with its document
// number, counting from 1, and item index for List items).
func ValidateStream(stream []byte) error {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var errs []error
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("document %d: %w", n, err))...)
		}
		obj, err := toObject(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d: %w", n, err))
			continue
		}
		items, isList := obj["items"].([]any)
		if obj["kind"] != "List" || !isList {
			if err := ValidateDocument(doc); err != nil {
				errs = append(errs, fmt.Errorf("document %d: %w", n, err))
			}
			continue
		}
		for i, item := range items {
			j, err := json.Marshal(item)
			if err == nil {
				err = ValidateDocument(j)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("document %d, items[%d]: %w", n, i, err))
			}
		}
	}
	return errors.Join(errs...)
}

// KEDAAccepts runs the offline part of KEDA v2.21.0's ScaledObject admission webhook, without
// any schema check: v1alpha1.ValidateTriggers, v1alpha1.CheckFallbackValid,
// v1alpha1.CheckReplicaCountBoundsAreValid, v1alpha1.ValidateAndCompileScalingModifiers when
// scalingModifiers are set, and the webhook's verifyName rule (name ≤ 63 characters, and the
// HPA name — spec.advanced.horizontalPodAutoscalerConfig.name or "keda-hpa-<name>" — ≤ 63).
// The webhook's checks that need a cluster (HPA/ScaledObject conflicts, cpu/memory requests)
// are not run. It returns nil when KEDA would accept so, else all failures joined.
func KEDAAccepts(so *v1alpha1.ScaledObject) error {
	errs := kedaChecks(so)
	for i, err := range errs {
		errs[i] = fmt.Errorf("ScaledObject %s: %w", ref(so.Namespace, so.Name), err)
	}
	return errors.Join(errs...)
}

func kedaChecks(so *v1alpha1.ScaledObject) []error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(v1alpha1.ValidateTriggers(so.Spec.Triggers))
	add(v1alpha1.CheckFallbackValid(so))
	add(v1alpha1.CheckReplicaCountBoundsAreValid(so))
	if so.IsUsingModifiers() {
		_, err := v1alpha1.ValidateAndCompileScalingModifiers(so.DeepCopy()) // it rewrites the formula
		add(err)
	}
	if len(so.Name) > maxNameLength {
		add(fmt.Errorf("scaledobject name %q is %d characters long; must be no more than %d characters", so.Name, len(so.Name), maxNameLength))
	}
	hpaName := "keda-hpa-" + so.Name
	if a := so.Spec.Advanced; a != nil && a.HorizontalPodAutoscalerConfig != nil && a.HorizontalPodAutoscalerConfig.Name != "" {
		hpaName = a.HorizontalPodAutoscalerConfig.Name
	}
	if len(hpaName) > maxNameLength {
		add(fmt.Errorf("HPA name %q derived from scaledobject is %d characters long; must be no more than %d characters; set spec.advanced.horizontalPodAutoscalerConfig.name to a shorter name or shorten the scaledobject name", hpaName, len(hpaName), maxNameLength))
	}
	return errs
}

// ValidateV216Fallback checks spec.fallback against KEDA v2.16's stricter rule, as stated in
// PRODUCT.md §6 (and v2.16's CheckFallbackValid). My reading: when spec.fallback is set,
//
//   - fallback.failureThreshold and fallback.replicas must be ≥ 0;
//   - fallback.behavior must be absent (it exists only from 2.17; on 2.16 the fallback is a
//     static replica count);
//   - EVERY trigger — not just one, as in 2.17+ — must be neither cpu nor memory, and must have
//     metricType exactly "AverageValue"; an empty metricType (KEDA's default) is rejected too.
//
// PRODUCT.md names no exception for scalingModifiers, so none is made. A nil fallback is nil.
func ValidateV216Fallback(so *v1alpha1.ScaledObject) error {
	fb := so.Spec.Fallback
	if fb == nil {
		return nil
	}
	var errs []error
	fail := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("ScaledObject %s: KEDA 2.16 fallback: "+format, append([]any{ref(so.Namespace, so.Name)}, args...)...))
	}
	if fb.FailureThreshold < 0 || fb.Replicas < 0 {
		fail("failureThreshold=%d and replicas=%d must both be >= 0", fb.FailureThreshold, fb.Replicas)
	}
	if fb.Behavior != "" {
		fail("spec.fallback.behavior %q does not exist before KEDA 2.17; remove it (2.16 always uses the static fallback.replicas)", fb.Behavior)
	}
	for i, t := range so.Spec.Triggers {
		where := fmt.Sprintf("spec.triggers[%d] (type %q, name %q)", i, t.Type, t.Name)
		switch {
		case t.Type == "cpu" || t.Type == "memory":
			fail("%s: fallback is not supported with cpu/memory triggers", where)
		case t.MetricType != autoscalingv2.AverageValueMetricType:
			fail("%s: metricType is %q, but fallback requires every trigger to set metricType: AverageValue explicitly", where, t.MetricType)
		}
	}
	return errors.Join(errs...)
}
