package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestSchemasAreCurrent fails when fn/schemas/*.json differ from a fresh
// generation; UPDATE_GOLDEN=1 (or make schemas) rewrites them.
func TestSchemasAreCurrent(t *testing.T) {
	for name, gen := range map[string]func(string) (Object, error){
		"mlautoscalingpolicy.json": Policy,
		"scalinghistory.json":      History,
	} {
		s, err := gen(root())
		require.NoError(t, err)
		b, err := Marshal(s)
		require.NoError(t, err)
		path := filepath.Join(root(), "fn", "schemas", name)
		if os.Getenv("UPDATE_GOLDEN") == "1" {
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, b, 0o644))
			continue
		}
		committed, err := os.ReadFile(path)
		require.NoError(t, err, "run `make schemas`")
		require.JSONEq(t, string(b), string(committed), "%s is stale: run `make schemas`", name)
		var v any
		require.NoError(t, json.Unmarshal(committed, &v))
	}
}

// TestMetadataNamesTheSchemas keeps fn/metadata.yaml pointing at files that exist.
func TestMetadataNamesTheSchemas(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(), "fn", "metadata.yaml"))
	require.NoError(t, err)
	for _, f := range []string{"schemas/mlautoscalingpolicy.json", "schemas/scalinghistory.json"} {
		require.Contains(t, string(b), f)
		_, err := os.Stat(filepath.Join(root(), "fn", f))
		require.NoError(t, err)
	}
}
