package config

import (
	"reflect"
	"sort"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
)

// serverAddressPath is checked by CheckServerAddress, credentials included.
const serverAddressPath = "spec.prometheus.serverAddress"

// CredentialAllowed says what a policy holds instead of a credential.
const CredentialAllowed = "no credentials in the policy: keep them in a Secret and name it (spec.rabbitmq.secret, spec.prometheus.authSecret); the generated TriggerAuthentication references it"

// checkCredentials reports a plaintext credential (see diag.FindCredentials)
// in any string setting of the policy — addresses, queries, label names,
// defaults and profiles — naming its path (spec.predictive.query,
// spec.profiles.<name>.prometheusQuery).
func checkCredentials(ref diag.Ref, spec *Spec, out *diag.List) {
	walkStrings(reflect.ValueOf(*spec), "spec", func(path, v string) {
		if path != serverAddressPath {
			out.CredentialError(ref, path, v, CredentialAllowed)
		}
	})
}

// walkStrings calls fn with the path (yaml field names joined with dots)
// and value of every string in v: string fields, set *string fields, and
// the values of maps, in key order.
func walkStrings(v reflect.Value, path string, fn func(path, value string)) {
	switch v.Kind() {
	case reflect.String:
		fn(path, v.String())
	case reflect.Pointer:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if t.Field(i).IsExported() && name != "" {
				walkStrings(v.Field(i), path+"."+name, fn)
			}
		}
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkStrings(v.MapIndex(reflect.ValueOf(k)), path+"."+k, fn)
		}
	}
}
