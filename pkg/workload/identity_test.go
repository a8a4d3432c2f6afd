package workload

import (
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestCheckIdentity(t *testing.T) {
	cases := []struct {
		name, metadata string
		// want holds one "field|value|message part" per expected error.
		want []string
	}{
		{"valid", "{name: celery-worker, namespace: ml}", nil},
		{"valid subdomain without namespace", "{name: worker.v2}", nil},
		{"null namespace", "{name: w, namespace: null}", nil},
		{"no metadata", "", []string{"metadata.name||needs a name"}},
		{"no name", "{namespace: ml}", []string{"metadata.name||needs a name"}},
		{"empty name", `{name: ""}`, []string{"metadata.name||needs a name"}},
		{"null name", "{name: ~}", []string{"metadata.name||needs a name"}},
		{"name is a sequence", "{name: [a, b]}", []string{"metadata.name|[a, b]|a sequence, not a string"}},
		{"name is a mapping", "{name: {x: y}}", []string{"metadata.name|{x: y}|a mapping, not a string"}},
		{"name is a number", "{name: 123}", []string{"metadata.name|123|a number"}},
		{"namespace is a mapping", "{name: w, namespace: {x: y}}", []string{"metadata.namespace|{x: y}|a mapping, not a string"}},
		{"namespace is a boolean", "{name: w, namespace: true}", []string{"metadata.namespace|true|a boolean"}},
		{"upper case", "{name: Worker}", []string{"metadata.name|Worker|upper-case"}},
		{"underscore", "{name: my_worker}", []string{"metadata.name|my_worker|character '_'"}},
		{"leading dash", "{name: -rabbitmq}", []string{"metadata.name|-rabbitmq|starts or ends with '-'"}},
		{"empty part", "{name: a..b}", []string{"metadata.name|a..b|empty part"}},
		{"too long", "{name: " + strings.Repeat("a", 254) + "}", []string{"metadata.name||254 characters long, more than 253"}},
		{"namespace with a dot", "{name: w, namespace: ml.prod}", []string{"metadata.namespace|ml.prod|has a '.'"}},
		{"namespace too long", "{name: w, namespace: " + strings.Repeat("n", 64) + "}", []string{"metadata.namespace||64 characters long, more than 63"}},
		{"both bad", "{name: [a], namespace: ML}", []string{"metadata.name|[a]|sequence", "metadata.namespace|ML|upper-case"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := "apiVersion: apps/v1\nkind: Deployment\n"
			if c.metadata != "" {
				doc += "metadata: " + c.metadata + "\n"
			}
			n, err := yaml.Parse(doc)
			require.NoError(t, err)
			got := CheckIdentity(n, diag.Ref{Kind: "Deployment"})
			require.Len(t, got, len(c.want), "%v", got)
			for i, w := range c.want {
				parts := strings.SplitN(w, "|", 3)
				require.Equal(t, diag.Error, got[i].Severity)
				require.Equal(t, parts[0], got[i].Field)
				if parts[1] != "" {
					require.Equal(t, parts[1], got[i].Value)
				}
				require.Contains(t, got[i].Message, parts[2])
				require.Contains(t, got[i].Allowed, "DNS-1123")
			}
		})
	}
}

func TestCheckNamespace(t *testing.T) {
	for ns, want := range map[string]string{"ml": "", "team-a": "", "ML": "upper-case", "a_b": "'_'", "-a": "'-'", "": "empty"} {
		got := CheckNamespace(ns)
		if want == "" {
			require.Empty(t, got, ns)
			continue
		}
		require.Contains(t, got, want, ns)
	}
}

// TestCheckCopiedMetadata checks what is copied onto generated objects:
// labels the API server rejects and a credential in Helm 4's file-name
// annotation are errors, the credential redacted.
func TestCheckCopiedMetadata(t *testing.T) {
	cases := []struct{ name, metadata, field, message string }{
		{"valid labels", "{name: w, labels: {app: w, app.kubernetes.io/part-of: x}}", "", ""},
		{"label value with a credential", `{name: w, labels: {note: "auth_token=abc"}}`, "metadata.labels.note", "rejects this label value"},
		{"label value too long", "{name: w, labels: {a: " + strings.Repeat("x", 64) + "}}", "metadata.labels.a", "rejects this label value"},
		{"label key with a space", `{name: w, labels: {"a b": c}}`, "metadata.labels", "rejects this label key"},
		{"file name", "{name: w, annotations: {postrenderer.helm.sh/postrender-filename: templates/w.yaml}}", "", ""},
		{"file name with a credential", `{name: w, annotations: {postrenderer.helm.sh/postrender-filename: "https://u:pw@h/w.yaml"}}`,
			"metadata.annotations.postrenderer.helm.sh/postrender-filename", "plaintext credential"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := yaml.Parse("apiVersion: apps/v1\nkind: Deployment\nmetadata: " + c.metadata + "\n")
			require.NoError(t, err)
			got := CheckIdentity(n, diag.Ref{Kind: "Deployment"})
			if c.field == "" {
				require.Empty(t, got)
				return
			}
			require.Len(t, got, 1, "%v", got)
			require.Equal(t, c.field, got[0].Field)
			require.Contains(t, got[0].Message, c.message)
			require.NotContains(t, got[0].Error(), "abc")
			require.NotContains(t, got[0].Error(), ":pw@")
		})
	}
}
