package detector

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindPackages(t *testing.T) {
	root := t.TempDir()
	mk := func(parts ...string) string {
		p := filepath.Join(append([]string{root}, parts...)...)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nested := func(n int) []string { return strings.Split(strings.Repeat("d/", n), "/")[:n] }
	atMax := mk(append(nested(MaxPackageDepth), "deep.gbai")...)
	mk(append(nested(MaxPackageDepth+1), "toodeep.gbai")...)
	flat := mk("flat.gbai")
	mk("flat.gbai", "inner.gbai") // inside a package: not one
	cat := mk("bots", "sales", "shop.gbai")
	other := mk("bots", "sales-copy", "shop.gbai")
	target := filepath.Join(t.TempDir(), "elsewhere.gbai")
	os.MkdirAll(target, 0o755)
	os.Symlink(target, filepath.Join(root, "bots", "linked.gbai"))
	os.Symlink(filepath.Join(root, "bots"), filepath.Join(root, "loop")) // a link to a plain folder: not followed
	mk(".hidden", "secret.gbai")
	mk("state", "ignored.gbai")

	found, err := FindPackages(root, func(p string) bool { return p == filepath.Join(root, "state") })
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"deep": {atMax}, "flat": {flat}, "shop": {cat, other}, "linked": {target}}
	if len(found.Dirs) != len(want) {
		t.Fatalf("found %v, want %v", found.Dirs, want)
	}
	for bot, dirs := range want {
		if strings.Join(found.Dirs[bot], "|") != strings.Join(dirs, "|") {
			t.Errorf("%s: %v, want %v", bot, found.Dirs[bot], dirs)
		}
	}
	// root (flat), bots (linked), bots/sales, bots/sales-copy, d/…/d (deep)
	if found.Folders != 5 {
		t.Errorf("Folders = %d, want 5", found.Folders)
	}
	if c := found.Conflicts(); len(c) != 1 || c[0] != "shop" {
		t.Errorf("Conflicts = %v, want [shop]", c)
	}
	if _, err := FindPackages(filepath.Join(root, "nope"), func(string) bool { return false }); err == nil {
		t.Error("a missing root: no error")
	}
}
