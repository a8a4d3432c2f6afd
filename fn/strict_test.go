package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// warnedResourceList is a ResourceList whose one workload draws a warning
// (a query that may return several series); spec is the policy's spec.
func warnedResourceList(spec string) string {
	return `apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: ml-autoscaling.io/v1alpha1
  kind: MLAutoscalingPolicy
  metadata: {name: p}
  spec: ` + spec + `
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: api
    namespace: ml
    annotations:
      ml-autoscaling.io/enabled: "true"
      ml-autoscaling.io/prometheus-query: rate(x[5m])
      ml-autoscaling.io/prometheus-threshold: "5"
  spec:
    template:
      spec:
        containers: [{name: api, image: nginx}]
`
}

// runResourceList runs the function in ResourceList mode.
func runResourceList(t *testing.T, in string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := newRoot()
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(in))
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	err := cmd.Execute()
	return stdout.String(), stderr.String(), err
}

// results returns the severities of the output ResourceList's results.
func results(t *testing.T, out string) []string {
	t.Helper()
	rl, err := yaml.Parse(out)
	require.NoError(t, err)
	res, err := rl.Pipe(yaml.Lookup("results"))
	require.NoError(t, err)
	if res == nil {
		return nil
	}
	elems, err := res.Elements()
	require.NoError(t, err)
	var sev []string
	for _, e := range elems {
		sev = append(sev, yaml.GetValue(e.Field("severity").Value))
	}
	return sev
}

func TestStrictModeResourceList(t *testing.T) {
	cases := []struct {
		name     string
		spec     string
		args     []string
		env      string
		fails    bool
		severity string
	}{
		{"off: a warning result, the annotation on the ScaledObject", "{}", nil, "", false, "warning"},
		{"policy spec.strict: an error result", "{strict: true}", nil, "", true, "error"},
		{"flag", "{}", []string{"--strict"}, "", true, "error"},
		{"environment", "{}", nil, "true", true, "error"},
		{"flag off over the policy", "{strict: true}", []string{"--strict=false"}, "", false, "warning"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("ML_AUTOSCALING_STRICT", c.env)
			out, stderr, err := runResourceList(t, warnedResourceList(c.spec), c.args...)
			require.Equal(t, []string{c.severity}, results(t, out))
			if c.fails {
				require.Error(t, err)
				require.Contains(t, stderr, "strict mode: query \"rate(x[5m])\" may return several series")
				require.NotContains(t, out, "kind: ScaledObject", "no items after an error")
				return
			}
			require.NoError(t, err, stderr)
			require.Contains(t, out, "ml-autoscaling.io/warnings: 'Deployment/ml/api: ml-autoscaling.io/prometheus-query: query \"rate(x[5m])\" may return several series")
		})
	}
}
