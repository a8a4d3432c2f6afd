package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestErrorsOutsideDiagnosticsAreRedacted fails the post-renderer with an
// error that is not a diagnostic (an unreadable policy file whose name
// holds a credential): the message is redacted like every diagnostic.
func TestErrorsOutsideDiagnosticsAreRedacted(t *testing.T) {
	const secret = "S3cretInPath"
	policy := filepath.Join(t.TempDir(), "x auth_token="+secret)
	stdout, stderr, code := runPR(t, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"), "--config="+policy)
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "auth_token=REDACTED")
	require.NotContains(t, stderr, secret)
}
