package config

import (
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkKnownFields walks node against the Go type t (using yaml struct tags)
// and reports every mapping key that t does not declare, with the nearest
// valid key. Types that decode themselves (yaml.Unmarshaler) are leaves.
func checkKnownFields(node *yaml.Node, t reflect.Type, path string, out *diag.List, ref diag.Ref) {
	if node == nil {
		return
	}
	if node.Kind == yaml.DocumentNode && len(node.Content) > 0 {
		node = node.Content[0]
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if node.Kind != yaml.MappingNode {
			return // the decoder reports the type mismatch
		}
		fields := structFields(t)
		names := make([]string, 0, len(fields))
		for n := range fields {
			names = append(names, n)
		}
		sort.Strings(names)
		for i := 0; i+1 < len(node.Content); i += 2 {
			key := node.Content[i].Value
			sub := joinPath(path, key)
			if key == "" {
				sub = joinPath(path, `""`) // an empty key still needs a name in the message
			}
			ft, ok := fields[key]
			if !ok {
				allowed := strings.Join(names, ", ")
				msg := "unknown field"
				if near := diag.Nearest(key, names); near != "" {
					msg += "; did you mean " + near + "?"
				}
				out.Errorf(ref, sub, "", allowed, "%s", msg)
				continue
			}
			checkKnownFields(node.Content[i+1], ft, sub, out, ref)
		}
	case reflect.Map:
		if node.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(node.Content); i += 2 {
			checkKnownFields(node.Content[i+1], t.Elem(), joinPath(path, node.Content[i].Value), out, ref)
		}
	case reflect.Slice:
		if node.Kind != yaml.SequenceNode {
			return
		}
		for i, item := range node.Content {
			checkKnownFields(item, t.Elem(), path+"["+itemLabel(item, i)+"]", out, ref)
		}
	}
}

// structFields maps the yaml names of t's fields to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for n, ft := range structFields(f.Type) {
				fields[n] = ft
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// itemLabel names a list item in a path: by its name field when that is a
// DNS label (spec.rules[celery]), else by its index.
func itemLabel(item *yaml.Node, i int) string {
	if item.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(item.Content); j += 2 {
			if v := item.Content[j+1]; item.Content[j].Value == "name" && v.Kind == yaml.ScalarNode && IsDNSLabel(v.Value) {
				return v.Value
			}
		}
	}
	return strconv.Itoa(i)
}
