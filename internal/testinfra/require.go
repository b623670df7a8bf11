package testinfra

import (
	"os"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where a missing
// server is a failure rather than a reason to skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable stops the test because something it needs is missing: a skip on
// a laptop, a failure in CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true and "+format, args...)
	}
	t.Skipf(format, args...)
}

// RepoRoot is the directory holding go.work, found by walking up from the
// test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.work above the test directory")
		}
		dir = parent
	}
}

// CorpusDir is ../shared/corpus next to the repository (or
// $DRIVEMON_CORPUS, for a checkout elsewhere): real bot packages used as
// test input only (never copied into the repository).
func CorpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("DRIVEMON_CORPUS")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared", "corpus")
	}
	if _, err := os.Stat(dir); err != nil {
		Unavailable(t, "corpus not found at %s: %v", dir, err)
	}
	return dir
}
