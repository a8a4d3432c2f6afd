package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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

var userInfoURL = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@]+@`)

// TestNoCredentialsInAnyOutput scans every golden and example output: no
// URL carries user information, and no KEDA object holds a credential field
// inline (TriggerAuthentications only reference Secrets).
func TestNoCredentialsInAnyOutput(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../testdata/*/expected.yaml", "../examples/*/expected.yaml", "../examples/kpt/expected/*/*.yaml"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.Greater(t, len(files), 40)
	objects := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.False(t, userInfoURL.Match(b), "%s contains a URL with user information", f)
		nodes, err := (&kio.ByteReader{Reader: strings.NewReader(string(b)), OmitReaderAnnotations: true}).Read()
		require.NoError(t, err, f)
		for _, n := range nodes {
			if n.GetApiVersion() != "keda.sh/v1alpha1" {
				continue
			}
			objects++
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
						require.False(t, credentialKeys[k], "%s: %s has inline credential field %q", f, n.GetName(), k)
					}
				}
			case "TriggerAuthentication":
				spec, _ := n.Pipe(yaml.Lookup("spec"))
				fields, _ := spec.Fields()
				require.Equal(t, []string{"secretTargetRef"}, fields, "%s: %s must only reference Secrets", f, n.GetName())
			}
		}
	}
	require.Greater(t, objects, 50)
}
