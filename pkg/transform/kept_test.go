package transform

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/keda"
	"github.com/stretchr/testify/require"
)

func TestKeptFloorCheck(t *testing.T) {
	valid := map[string]string{"timezone": "Europe/Berlin", "start": "30 2 * * 1", "end": "0 21 * * 2", "desiredReplicas": "8"}
	cases := []struct {
		name string
		edit map[string]string
		// want is the field and message part of each expected error ("" for none).
		want []string
	}{
		{"valid", nil, nil},
		{"valid at the maximum", map[string]string{"desiredReplicas": "10"}, nil},
		{"unknown zone", map[string]string{"timezone": "Mars/Base"}, []string{"metadata.timezone|unknown time zone"}},
		{"empty zone", map[string]string{"timezone": ""}, []string{"metadata.timezone|unknown time zone"}},
		{"bad start", map[string]string{"start": "61 2 * * 1"}, []string{"metadata.start|minute field"}},
		{"descriptor end", map[string]string{"end": "@daily"}, []string{"metadata.end|descriptors"}},
		{"start equals end", map[string]string{"end": "30 2 * * 1"}, []string{"metadata.end|same"}},
		{"zero replicas", map[string]string{"desiredReplicas": "0"}, []string{"metadata.desiredReplicas|out of range"}},
		{"above maximum", map[string]string{"desiredReplicas": "11"}, []string{"metadata.desiredReplicas|out of range"}},
		{"not a number", map[string]string{"desiredReplicas": "many"}, []string{"metadata.desiredReplicas|out of range"}},
		{"extra metadata", map[string]string{"note": "https://u:p@wiki"}, []string{"metadata.note|metadata the tool does not write"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range valid {
				m[k] = v
			}
			for k, v := range c.edit {
				m[k] = v
			}
			k := &keptFloor{triggers: []keda.ScaleTrigger{{Type: "cron", Name: "predictive-floor-1", MetricType: keda.MetricAverageValue, Metadata: m}}}
			got := k.check(10)
			require.Len(t, got, len(c.want), "%v", got)
			for i, w := range c.want {
				field, msg, _ := strings.Cut(w, "|")
				require.Equal(t, "spec.triggers[predictive-floor-1]."+field, got[i].Field)
				require.Contains(t, got[i].Message, msg)
				require.Contains(t, got[i].Allowed, "ScalingHistory")
			}
		})
	}
}

// TestKeptFloorShape checks the trigger fields the tool does not write.
func TestKeptFloorShape(t *testing.T) {
	m := map[string]string{"timezone": "UTC", "start": "30 2 * * 1", "end": "0 21 * * 2", "desiredReplicas": "8"}
	for _, c := range []struct {
		name  string
		trig  keda.ScaleTrigger
		field string
	}{
		{"an authenticationRef", keda.ScaleTrigger{MetricType: keda.MetricAverageValue, AuthenticationRef: &keda.AuthRef{Name: "x"}}, "authenticationRef"},
		{"another metricType", keda.ScaleTrigger{MetricType: "Value"}, "metricType"},
		{"cached metrics", keda.ScaleTrigger{MetricType: keda.MetricAverageValue, UseCachedMetrics: true}, "metricType"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := c.trig
			tr.Type, tr.Name, tr.Metadata = "cron", "predictive-floor-1", m
			got := (&keptFloor{triggers: []keda.ScaleTrigger{tr}}).check(10)
			require.Len(t, got, 1, "%v", got)
			require.Equal(t, "spec.triggers[predictive-floor-1]."+c.field, got[0].Field)
		})
	}
}
