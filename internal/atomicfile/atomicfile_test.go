package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name string
		old  []byte // nil: no file before
		data []byte
		perm os.FileMode
	}{
		{name: "new file", data: []byte("hello\n"), perm: 0o644},
		{name: "replace", old: []byte("old content that is longer\n"), data: []byte("new\n"), perm: 0o600},
		{name: "empty", old: []byte("x"), data: []byte{}, perm: 0o640},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.yaml")
			if tt.old != nil {
				require.NoError(t, os.WriteFile(path, tt.old, 0o666))
			}
			require.NoError(t, WriteFile(path, tt.data, tt.perm))
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tt.data, got)
			fi, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, tt.perm, fi.Mode().Perm())
			assertOnly(t, dir, "out.yaml")
		})
	}
}

func TestWriteFileRelative(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NoError(t, WriteFile("rel.yaml", []byte("a"), 0o644))
	got, err := os.ReadFile(filepath.Join(dir, "rel.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "a", string(got))
}

func TestWriteFileFailureKeepsOldFile(t *testing.T) {
	failure := errors.New("injected failure")
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to write
		want  string
	}{
		{name: "sync fails", setup: func(t *testing.T, dir string) string {
			orig := syncFile
			syncFile = func(*os.File) error { return failure }
			t.Cleanup(func() { syncFile = orig })
			return filepath.Join(dir, "out.yaml")
		}, want: "sync to disk: injected failure"},
		{name: "rename fails", setup: func(t *testing.T, dir string) string {
			orig := rename
			rename = func(string, string) error { return failure }
			t.Cleanup(func() { rename = orig })
			return filepath.Join(dir, "out.yaml")
		}, want: "replace it with the new content: injected failure"},
		{name: "directory missing", setup: func(t *testing.T, dir string) string {
			return filepath.Join(dir, "missing", "out.yaml")
		}, want: "create a temporary file beside it"},
		{name: "target is a directory", setup: func(t *testing.T, dir string) string {
			require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
			return filepath.Join(dir, "sub")
		}, want: "it is a directory"},
		{name: "path ends in a slash", setup: func(t *testing.T, dir string) string {
			return dir + "/"
		}, want: "names a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old := filepath.Join(dir, "out.yaml")
			require.NoError(t, os.WriteFile(old, []byte("old\n"), 0o644))
			path := tt.setup(t, dir)

			err := WriteFile(path, []byte("new\n"), 0o644)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)

			got, err := os.ReadFile(old)
			require.NoError(t, err)
			assert.Equal(t, "old\n", string(got), "the old file must be intact")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				assert.NotContains(t, e.Name(), ".tmp-", "temporary file left behind")
			}
		})
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.Equal(t, names, got)
}
