package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// warnedWorkload opts in with a query that may return several series: a warning.
var warnedWorkload = strings.Replace(cpuWorkload, `ml-autoscaling.io/cpu-utilization: "60"`,
	"ml-autoscaling.io/prometheus-query: rate(x[5m])\n    ml-autoscaling.io/prometheus-threshold: \"5\"", 1)

const strictPolicy = "apiVersion: ml-autoscaling.io/v1alpha1\nkind: MLAutoscalingPolicy\nmetadata: {name: p}\nspec:\n  strict: true\n"

func TestStrictModeChannels(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte(strictPolicy), 0o600))
	const warning = `Deployment/api: ml-autoscaling.io/prometheus-query: strict mode: query "rate(x[5m])" may return several series`
	cases := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stdout string // a substring of stdout; "" means stdout must be empty
		stderr string
	}{
		{"off: the render succeeds", nil, nil, 0, "ml-autoscaling.io/warnings", "ml-autoscaling: warning: Deployment/api"},
		{"flag: exit 1, the warning on stderr", []string{"--strict"}, nil, 1, "", "ml-autoscaling: error: " + warning},
		{"environment", nil, map[string]string{"ML_AUTOSCALING_STRICT": "true"}, 1, "", "which ML_AUTOSCALING_STRICT=true turns on"},
		{"policy", []string{"--config=" + policy}, nil, 1, "", "which policy spec.strict: true turns on"},
		{"the flag overrides the policy", []string{"--config=" + policy, "--strict=false"}, nil, 0, "ml-autoscaling.io/warnings", "warning: Deployment/api"},
		{"the environment overrides the policy", []string{"--config=" + policy}, map[string]string{"ML_AUTOSCALING_STRICT": "false"}, 0, "ml-autoscaling.io/warnings", ""},
		{"a bad environment value", nil, map[string]string{"ML_AUTOSCALING_STRICT": "on"}, 1, "", `ML_AUTOSCALING_STRICT: "on": not a boolean (allowed: true or false)`},
		{"Helm 4 plugin: the error document", []string{"--strict"}, map[string]string{"HELM_PLUGIN_NAME": "ml-autoscaling"}, 0,
			"ml-autoscaling post-renderer failed; nothing was rendered.\n  error: " + warning, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clearPostrenderEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			out, stderr, code := runPR(t, []byte(warnedWorkload), c.args...)
			require.Equal(t, c.code, code, stderr)
			if c.stdout == "" {
				require.Empty(t, out)
			} else {
				require.Contains(t, out, c.stdout)
			}
			require.Contains(t, stderr, c.stderr)
			if c.env["HELM_PLUGIN_NAME"] != "" {
				n, err := yaml.Parse(out)
				require.NoError(t, err)
				require.Equal(t, yaml.ScalarNode, n.YNode().Kind, "one YAML string, which Helm refuses and prints")
			}
		})
	}
}

func TestLogFileHoldsTheLastRun(t *testing.T) {
	clearPostrenderEnv(t)
	log := filepath.Join(t.TempDir(), "ml-autoscaling.log")
	read := func() string {
		b, err := os.ReadFile(log)
		require.NoError(t, err)
		return string(b)
	}
	_, _, code := runPR(t, []byte(warnedWorkload), "--log-file="+log)
	require.Equal(t, 0, code)
	require.Regexp(t, `^warning: Deployment/api: ml-autoscaling.io/prometheus-query: query "rate\(x\[5m\]\)" may return several series.*\n$`, read())

	_, _, code = runPR(t, []byte(cpuWorkload), "--log-file="+log)
	require.Equal(t, 0, code)
	require.Empty(t, read(), "no warnings: the file no longer shows the earlier run's")

	_, _, code = runPR(t, []byte(warnedWorkload), "--log-file="+log, "--strict")
	require.Equal(t, 1, code)
	require.Contains(t, read(), "error: Deployment/api: ml-autoscaling.io/prometheus-query: strict mode:")
	require.Contains(t, read(), "no manifests were written")
}
