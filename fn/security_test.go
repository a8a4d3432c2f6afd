package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ml-autoscaling/ml-autoscaling/pkg/diag"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// credentialKeys are trigger metadata and auth fields that would carry a
// secret inline; the tool must only ever reference Secrets.
var credentialKeys = map[string]bool{
	"password": true, "username": true, "host": true, "hostFromEnv": false, "apiKey": true, "token": true,
	"bearerToken": true, "connection": true, "connectionString": true, "accessKey": true, "secretKey": true,
}

// TestNoCredentialsInAnyOutput scans every golden and example output with
// the tool's credential detector: no text holds a URL with user information
// or a credential query parameter (also as a quoted scalar, where a bare
// key=value would hide from a scan of the text), and no KEDA object holds a
// credential field inline (TriggerAuthentications only reference Secrets).
func TestNoCredentialsInAnyOutput(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../testdata/golden/*/expected.yaml", "../examples/*/expected.yaml", "../examples/kpt/expected/*/*.yaml"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.Greater(t, len(files), 40)
	objects := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		problems, n := credentialProblems(string(b))
		require.Empty(t, problems, f)
		objects += n
	}
	require.Greater(t, objects, 50)
}

// TestCredentialScanFindsEveryForm plants credentials where the output scan
// must see them, so that TestNoCredentialsInAnyOutput can fail.
func TestCredentialScanFindsEveryForm(t *testing.T) {
	const so = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: w}
spec:
  triggers:
  - type: prometheus
    metadata: {serverAddress: %q, query: %q}
`
	cases := []struct{ name, doc string }{
		{"server address user information", fmt.Sprintf(so, "http://u:pw@prom:9090", "sum(up)")},
		{"server address auth_token", fmt.Sprintf(so, "http://prom:9090/?auth_token=t", "sum(up)")},
		{"query client_secret", fmt.Sprintf(so, "http://prom:9090", `sum(up{instance="http://h/?x=1&client_secret=s"})`)},
		{"bare token in a quoted scalar", fmt.Sprintf(so, "http://prom:9090", "token=abc")},
		{"inline credential field", "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: w}\nspec:\n  triggers:\n  - type: rabbitmq\n    metadata: {host: amqp}\n"},
		{"inline TriggerAuthentication", "apiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata: {name: w}\nspec:\n  env: [{parameter: host, name: X}]\n"},
		{"unowned document", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {url: 'apikey=zz'}\n"},
	}
	for _, c := range cases {
		problems, _ := credentialProblems(c.doc)
		require.NotEmpty(t, problems, c.name)
		require.NotContains(t, strings.Join(problems, "\n"), "pw@", c.name)
	}
	problems, n := credentialProblems(fmt.Sprintf(so, "http://prometheus.monitoring:9090", `sum(rate(http_requests_total{key="x", token="y"}[5m]))`))
	require.Empty(t, problems)
	require.Equal(t, 1, n)
}

// credentialProblems lists the credentials in a manifest stream (redacted)
// and counts its KEDA objects.
func credentialProblems(stream string) (problems []string, kedaObjects int) {
	for _, c := range diag.FindCredentials(stream) {
		problems = append(problems, "plaintext credential in the text: "+c.What())
	}
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(stream), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return append(problems, err.Error()), 0
	}
	for _, n := range nodes {
		id := n.GetKind() + "/" + n.GetName()
		walkScalars(n.YNode(), func(v string) {
			if diag.HasCredential(v) {
				problems = append(problems, id+": plaintext credential in "+diag.Redact(v))
			}
		})
		if n.GetApiVersion() == "keda.sh/v1alpha1" {
			kedaObjects++
			problems = append(problems, inlineCredentials(n, id)...)
		}
	}
	return problems, kedaObjects
}

// inlineCredentials reports credential fields in a KEDA object's trigger
// metadata, and a TriggerAuthentication that does more than reference Secrets.
func inlineCredentials(n *yaml.RNode, id string) []string {
	var problems []string
	switch n.GetKind() {
	case "ScaledObject":
		ts, _ := n.Pipe(yaml.Lookup("spec", "triggers"))
		elems, _ := ts.Elements()
		for _, tr := range elems {
			md, _ := tr.Pipe(yaml.Lookup("metadata"))
			if md == nil {
				continue
			}
			keys, _ := md.Fields()
			for _, k := range keys {
				if credentialKeys[k] {
					problems = append(problems, fmt.Sprintf("%s has inline credential field %q", id, k))
				}
			}
		}
	case "TriggerAuthentication":
		spec, _ := n.Pipe(yaml.Lookup("spec"))
		fields, _ := spec.Fields()
		if len(fields) != 1 || fields[0] != "secretTargetRef" {
			problems = append(problems, fmt.Sprintf("%s must only reference Secrets, has %v", id, fields))
		}
	}
	return problems
}

func walkScalars(n *yaml.Node, fn func(string)) {
	if n.Kind == yaml.ScalarNode {
		fn(n.Value)
	}
	for _, c := range n.Content {
		walkScalars(c, fn)
	}
}

// TestCommandErrorsAreRedacted fails each command with an error that is not
// a diagnostic, its text holding a credential: stderr redacts it. The
// record command also refuses a credential in a predictive-query.
func TestCommandErrorsAreRedacted(t *testing.T) {
	const secret = "S3cretInArgs"
	dir := t.TempDir()
	manifests := filepath.Join(dir, "manifests.yaml")
	require.NoError(t, os.WriteFile(manifests, []byte(predictiveManifests), 0o644))
	withQuery := filepath.Join(dir, "query.yaml")
	require.NoError(t, os.WriteFile(withQuery, []byte(strings.Replace(predictiveManifests,
		"ml-autoscaling.io/max-replicas: \"40\"",
		"ml-autoscaling.io/max-replicas: \"40\"\n    ml-autoscaling.io/predictive-query: 'sum(up{instance=\"http://h/?client_secret="+secret+"\"})'", 1)), 0o644))
	cases := map[string]struct {
		args []string
		want string
	}{
		"standalone policy path": {[]string{filepath.Join(dir, "x auth_token="+secret), manifests}, "auth_token=REDACTED"},
		"plan policy path":       {[]string{"plan", filepath.Join(dir, "x auth_token="+secret), manifests}, "auth_token=REDACTED"},
		"record flag":            {[]string{"record", "--prometheus", "http://127.0.0.1:1", "--out", dir, "--since", "4 api_key=" + secret, manifests}, "api_key=REDACTED"},
		"record query":           {[]string{"record", "--prometheus", "http://127.0.0.1:1", "--out", dir, withQuery}, "ml-autoscaling.io/predictive-query"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, err := runFn(c.args...)
			require.Error(t, err)
			require.Empty(t, stdout)
			require.Contains(t, stderr, c.want)
			require.NotContains(t, stderr, secret)
		})
	}
}
