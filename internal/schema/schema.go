// Package schema generates JSON Schemas (draft 2020-12) for the project's
// own kinds — MLAutoscalingPolicy and ScalingHistory — from their Go types,
// with descriptions taken from the types' doc comments. The committed files
// in fn/schemas are checked against a fresh generation by a test.
package schema

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/config"
	"github.com/ml-autoscaling/ml-autoscaling/pkg/history"
)

// Object is a JSON Schema node.
type Object = map[string]any

// docs maps "Type.Field" to the field's doc comment.
type docs map[string]string

// readDocs parses the Go files of a package directory for field comments.
func readDocs(dir string) (docs, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	d := docs{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					return true
				}
				for _, fld := range st.Fields.List {
					text := strings.Join(strings.Fields(fld.Doc.Text()), " ")
					for _, name := range fld.Names {
						if text != "" {
							d[ts.Name.Name+"."+name.Name] = text
						}
					}
				}
				return true
			})
		}
	}
	return d, nil
}

var (
	durationType = reflect.TypeOf(config.Duration{})
	timeType     = reflect.TypeOf(time.Time{})
	goDuration   = reflect.TypeOf(time.Duration(0))
)

// durationSchema accepts Go durations or whole seconds.
func durationSchema() Object {
	return Object{"anyOf": []any{
		Object{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`},
		Object{"type": "integer", "minimum": 0},
	}}
}

// generate builds the schema of t from its yaml tags.
func generate(t reflect.Type, d docs) Object {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		return durationSchema()
	case t == timeType:
		return Object{"type": "string", "format": "date-time"}
	case t == goDuration:
		return Object{"type": "string", "pattern": `^([0-9]+(s|m|h))+$`}
	}
	switch t.Kind() {
	case reflect.Struct:
		props := Object{}
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
				for k, v := range generate(f.Type, d)["properties"].(Object) {
					props[k] = v
				}
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name[:1]) + f.Name[1:]
			}
			s := generate(f.Type, d)
			if text := d[t.Name()+"."+f.Name]; text != "" {
				s["description"] = text
			}
			props[name] = s
		}
		return Object{"type": "object", "additionalProperties": false, "properties": props}
	case reflect.Map:
		return Object{"type": "object", "additionalProperties": generate(t.Elem(), d)}
	case reflect.Slice:
		return Object{"type": "array", "items": generate(t.Elem(), d)}
	case reflect.String:
		if t == reflect.TypeOf("") && t.Name() == "string" {
			return Object{"type": "string"}
		}
		return Object{"type": "string"}
	case reflect.Bool:
		return Object{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return Object{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return Object{"type": "number"}
	}
	return Object{}
}

// settingValue is a per-workload setting: a string, as in annotations, or the plain YAML scalar.
func settingValue() Object {
	return Object{"type": []any{"string", "integer", "number", "boolean"}}
}

// Policy returns the schema of MLAutoscalingPolicy.
func Policy(root string) (Object, error) {
	d, err := readDocs(filepath.Join(root, "pkg/config"))
	if err != nil {
		return nil, err
	}
	s := generate(reflect.TypeOf(config.Policy{}), d)
	props := s["properties"].(Object)
	props["apiVersion"] = Object{"const": config.APIVersion}
	props["kind"] = Object{"const": config.Kind}
	spec := props["spec"].(Object)["properties"].(Object)
	for _, k := range []string{"defaults"} {
		for _, v := range spec[k].(Object)["properties"].(Object) {
			setting := v.(Object)
			desc := setting["description"]
			for key := range setting {
				delete(setting, key)
			}
			for key, val := range settingValue() {
				setting[key] = val
			}
			if desc != nil {
				setting["description"] = desc
			}
		}
	}
	spec["profiles"].(Object)["additionalProperties"] = spec["defaults"]
	rule := spec["rules"].(Object)["items"].(Object)
	ruleSettings := rule["properties"].(Object)["settings"].(Object)["properties"].(Object)
	for k, v := range spec["defaults"].(Object)["properties"].(Object) {
		ruleSettings[k] = v
	}
	rule["required"] = []any{"name", "match"}
	for _, sel := range []string{"match", "exclude"} {
		props := rule["properties"].(Object)[sel].(Object)["properties"].(Object)
		props["kinds"].(Object)["items"].(Object)["enum"] = []any{config.RuleKinds[0], config.RuleKinds[1]}
		for _, ls := range []string{"labels", "podLabels"} {
			req := props[ls].(Object)["properties"].(Object)["matchExpressions"].(Object)["items"].(Object)
			req["properties"].(Object)["operator"].(Object)["enum"] = []any{config.OpIn, config.OpNotIn, config.OpExists, config.OpDoesNotExist}
			req["required"] = []any{"key", "operator"}
		}
	}
	spec["hpaConflict"].(Object)["enum"] = []any{config.HPADelete, config.HPAAdopt, config.HPAError}
	spec["kedaVersion"].(Object)["pattern"] = `^v?2\.(1[6-9]|2[01])$`
	s["required"] = []any{"apiVersion", "kind", "metadata"}
	return document("MLAutoscalingPolicy", "Policy of the ml-autoscaling KRM function and Helm post-renderer.", s), nil
}

// History returns the schema of ScalingHistory.
func History(root string) (Object, error) {
	d, err := readDocs(filepath.Join(root, "pkg/history"))
	if err != nil {
		return nil, err
	}
	h := generate(reflect.TypeOf(history.History{}), d)
	spec := h["properties"].(Object)
	delete(spec, "name")
	delete(spec, "namespace")
	spec["target"].(Object)["properties"].(Object)["kind"].(Object)["enum"] = []any{history.KindDeployment, history.KindStatefulSet}
	spec["target"].(Object)["required"] = []any{"kind", "name"}
	values := spec["values"].(Object)
	values["items"] = Object{"anyOf": []any{Object{"type": "number", "minimum": 0}, Object{"type": "null"}}}
	values["minItems"] = 1
	values["maxItems"] = history.MaxValues
	h["required"] = []any{"target", "start", "step", "values"}
	s := Object{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []any{"apiVersion", "kind", "metadata", "spec"},
		"properties": Object{
			"apiVersion": Object{"const": history.APIVersion},
			"kind":       Object{"const": history.Kind},
			"metadata": Object{"type": "object", "required": []any{"name"}, "properties": Object{
				"name":        Object{"type": "string"},
				"namespace":   Object{"type": "string"},
				"labels":      Object{"type": "object", "additionalProperties": Object{"type": "string"}},
				"annotations": Object{"type": "object", "additionalProperties": Object{"type": "string"}},
			}},
			"spec": h,
		},
	}
	return document("ScalingHistory", "Recorded demand of one workload, in replicas, written by `ml-autoscaling record` (local-config: never applied).", s), nil
}

func document(title, desc string, s Object) Object {
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["title"] = title
	s["description"] = desc
	return s
}

// Marshal renders a schema as indented JSON with a final newline.
func Marshal(s Object) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
