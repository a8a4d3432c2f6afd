package standalone

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// machinePaths are absolute paths that exist only on one machine; no tracked
// file may name them. (Written in two parts so this file does not match.)
var machinePaths = regexp.MustCompile(`(^|[^A-Za-z0-9_.-])/(` + `work|root)/[^\s"'\x60)]*`)

// relPath is a relative path that climbs with "../" and what follows it.
var relPath = regexp.MustCompile(`(?:^|[^A-Za-z0-9_./-])((?:\.\./)+)([A-Za-z0-9_.-]*)`)

// TestNoTrackedFilePointsOutside reads every tracked file and fails on a
// machine path, or on a "../" path that leaves the checkout from every
// directory it could be meant for: resolved from the file's own directory it
// must stay inside, or else it must name an entry that exists inside the
// checkout when resolved from some directory at least that deep (a test run
// from another package directory, a Kptfile in a nested example).
func TestNoTrackedFilePointsOutside(t *testing.T) {
	root := repoRoot(t)
	files := trackedFiles(t, root)
	require.NotEmpty(t, files)
	dirs := allDirs(files)
	known := knownPaths(t, root, files)
	self, err := filepath.Abs("standalone_test.go")
	require.NoError(t, err)
	for _, rel := range files {
		abs := filepath.Join(root, rel)
		if abs == self {
			continue
		}
		b, err := os.ReadFile(abs)
		if err != nil || bytes.IndexByte(b, 0) >= 0 {
			continue // deleted in the work tree, or binary
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := machinePaths.FindString(line); m != "" {
				t.Errorf("%s:%d names a path of one machine (%q); use a path inside the repository", rel, i+1, strings.TrimSpace(m))
			}
			for _, m := range relPath.FindAllStringSubmatch(line, -1) {
				if !staysInside(filepath.Dir(rel), m[1], m[2], dirs, known) {
					t.Errorf("%s:%d points outside the repository: %q", rel, i+1, m[1]+m[2])
				}
			}
		}
	}
}

// staysInside reports whether up ("../../") followed by first resolves to
// something inside the checkout from dir, or from some directory of the
// checkout deep enough for up. known holds every tracked file and directory
// and the build outputs .gitignore names, so the answer is the same in a
// fresh clone and in a built work tree.
func staysInside(dir, up, first string, dirs, known map[string]bool) bool {
	n := strings.Count(up, "../")
	if depth(dir) >= n {
		return true
	}
	if first == "" || first == "." || first == ".." {
		return false
	}
	for d := range dirs {
		if depth(d) < n {
			continue
		}
		base := d
		for range n {
			base = filepath.Dir(base)
		}
		if known[filepath.Join(base, first)] {
			return true
		}
	}
	return false
}

func depth(dir string) int {
	if dir == "." || dir == "" {
		return 0
	}
	return strings.Count(filepath.ToSlash(dir), "/") + 1
}

func allDirs(files []string) map[string]bool {
	dirs := map[string]bool{".": true}
	for _, f := range files {
		for d := filepath.Dir(f); d != "."; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	return dirs
}

// knownPaths is every tracked file and directory, plus the top-level
// entries .gitignore names (build outputs such as bin/).
func knownPaths(t *testing.T, root string, files []string) map[string]bool {
	t.Helper()
	known := allDirs(files)
	for _, f := range files {
		known[f] = true
	}
	b, err := os.ReadFile(filepath.Join(root, ".gitignore"))
	if err != nil {
		return known
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.Trim(strings.TrimSpace(line), "/")
		if line != "" && !strings.ContainsAny(line, "*?[#!/") {
			known[line] = true
		}
	}
	return known
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "go.mod not found above the test directory")
		dir = parent
	}
}

// trackedFiles lists the files git tracks, or, outside a git checkout (a
// source archive), every file but the build output in bin/.
func trackedFiles(t *testing.T, root string) []string {
	t.Helper()
	if out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output(); err == nil && len(out) > 0 {
		return strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && (rel == "bin" || rel == ".git" || strings.HasPrefix(rel, "postrender/bin")) {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			files = append(files, rel)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

// TestStaysInside pins the rule with paths that must and must not pass.
func TestStaysInside(t *testing.T) {
	root := repoRoot(t)
	files := trackedFiles(t, root)
	dirs, known := allDirs(files), knownPaths(t, root, files)
	tests := []struct {
		dir, up, first string
		want           bool
	}{
		{"pkg/record", "../../", "testdata", true},
		{"fn", "../", "testdata", true},
		{"examples", "../../../", "bin", true}, // meant for examples/kpt/package
		{"pkg/record", "../../../", "shared", false},
		{"fn", "../../", "shared", false},
		{".", "../", "", false},
		{"pkg/backtest", "../../../", "nonexistent-sibling", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, staysInside(tt.dir, tt.up, tt.first, dirs, known), "%s + %s%s", tt.dir, tt.up, tt.first)
	}
}
