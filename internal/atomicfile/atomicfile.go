// Package atomicfile writes files so that readers see either the old
// content or the complete new content, never a partial file: the data goes
// to a temporary file in the same directory, which is synced and then
// renamed over the target.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Seams for tests that need a step to fail.
var (
	syncFile = (*os.File).Sync
	rename   = os.Rename
)

// WriteFile writes data to path atomically with permissions perm. On any
// error the previous content of path (if any) is left untouched and the
// temporary file is removed. The directory is synced after the rename on a
// best-effort basis, so the new name survives a crash.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("write %q: the path names a directory, not a file", path)
	}
	if fi, statErr := os.Stat(path); statErr == nil && fi.IsDir() {
		return fmt.Errorf("write %q: it is a directory; a file path is required", path)
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %q: create a temporary file beside it: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %q: set permissions %v: %w", path, perm, err)
	}
	if err = syncFile(tmp); err != nil {
		return fmt.Errorf("write %q: sync to disk: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	if err = rename(tmpName, path); err != nil {
		return fmt.Errorf("write %q: replace it with the new content: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir fsyncs directory dir so a completed rename is durable; errors are
// ignored because some file systems do not support syncing directories.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
