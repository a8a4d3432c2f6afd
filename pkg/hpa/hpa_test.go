package hpa

import (
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestTargets(t *testing.T) {
	mk := func(ref string) *HPA {
		n, err := yaml.Parse("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: " + ref + "\n")
		require.NoError(t, err)
		return FromNode(n)
	}
	require.True(t, mk("{apiVersion: apps/v1, kind: Deployment, name: w}").Targets("Deployment", "w"))
	require.True(t, mk("{kind: Deployment, name: w}").Targets("Deployment", "w"))
	require.False(t, mk("{apiVersion: apps/v1, kind: StatefulSet, name: w}").Targets("Deployment", "w"))
	require.False(t, mk("{apiVersion: argoproj.io/v1alpha1, kind: Deployment, name: w}").Targets("Deployment", "w"))
	require.False(t, mk("{apiVersion: apps/v1, kind: Deployment, name: other}").Targets("Deployment", "w"))
	require.True(t, IsHPA("autoscaling/v1", Kind))
	require.True(t, IsHPA("autoscaling/v2beta2", Kind))
	require.False(t, IsHPA("keda.sh/v1alpha1", Kind))
}

func TestMatchNamespace(t *testing.T) {
	cases := []struct {
		name                 string
		hpa, workload, relNS string
		want                 NamespaceMatch
	}{
		{"both named, equal", "ml", "ml", "", SameNamespace},
		{"both named, different", "ml", "other", "", OtherNamespace},
		{"both omitted", "", "", "", SameNamespace},
		{"both omitted, release known", "", "", "ml", SameNamespace},
		{"HPA omits, release is the workload's", "", "ml", "ml", SameNamespace},
		{"HPA omits, release is another", "", "ml", "other", OtherNamespace},
		{"workload omits, release is the HPA's", "ml", "", "ml", SameNamespace},
		{"workload omits, release is another", "ml", "", "other", OtherNamespace},
		{"HPA omits, release unknown", "", "ml", "", AssumedNamespace},
		{"workload omits, release unknown", "ml", "", "", AssumedNamespace},
		{"both named and different, release unknown", "a", "b", "", OtherNamespace},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, MatchNamespace(c.hpa, c.workload, c.relNS))
		})
	}
}

func TestIndexTargeting(t *testing.T) {
	mk := func(ns, target string) *HPA {
		meta := "{name: h-" + target + "}"
		if ns != "" {
			meta = "{name: h-" + target + ", namespace: " + ns + "}"
		}
		n, err := yaml.Parse("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: " + meta + "\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: " + target + "}\n")
		require.NoError(t, err)
		return FromNode(n)
	}
	noNS, inML, inOther := mk("", "w"), mk("ml", "w"), mk("other", "w")
	hpas := []*HPA{noNS, inML, inOther, mk("", "x")}
	none := func(string, string, string) bool { return false }
	cases := []struct {
		name      string
		release   string
		exact     func(kind, namespace, name string) bool
		namespace string
		want      []Claim
	}{
		{"release known, workload named", "ml", none, "ml", []Claim{{HPA: noNS}, {HPA: inML}}},
		{"release known, workload omits", "other", none, "", []Claim{{HPA: noNS}, {HPA: inOther}}},
		{"release unknown, workload named", "", none, "ml", []Claim{{HPA: noNS, Assumed: true}, {HPA: inML}}},
		{"release unknown, workload omits", "", none, "", []Claim{{HPA: noNS}, {HPA: inML, Assumed: true}, {HPA: inOther, Assumed: true}}},
		{"release unknown, the namespace-less HPA has its own opted-in workload", "",
			func(kind, namespace, name string) bool { return kind == "Deployment" && namespace == "" && name == "w" }, "ml", []Claim{{HPA: inML}}},
		{"release unknown, HPAs in ml and other have their own workloads", "",
			func(_, namespace, _ string) bool { return namespace != "" }, "", []Claim{{HPA: noNS}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := NewIndex(hpas, c.release, c.exact).Targeting("Deployment", c.namespace, "w")
			require.Equal(t, c.want, got)
		})
	}
	require.Empty(t, NewIndex(hpas, "", nil).Targeting("StatefulSet", "ml", "w"), "the kind must match")
}
