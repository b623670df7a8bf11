package botsync

import "testing"

func TestFilter(t *testing.T) {
	f, err := NewFilter(append(DefaultExcludes, "drafts/**", "/top.md", "*.b?k", "[ab].txt"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		want bool
	}{
		{".DS_Store", true},
		{"harbor.gbkb/faq/.DS_Store", true},
		{"harbor.gbkb/faq/.DS_Store2", false},
		{"Thumbs.db", true},
		{"x.tmp", true},
		{"a/b/.drivemon-0123.tmp", true},
		{"x.tmp.md", false},
		{".git/config", true},
		{"sub/.git/objects/ab/cd", true},
		{".gitignore", false},
		{".drivemon/sync.lock", true},
		{"a/.drivemon/state", true},
		{".drivemonignore", false},
		{"drafts/a.bas", true},
		{"drafts/x/y.bas", true},
		{"harbor.gbdialog/drafts/a.bas", true}, // unanchored without a leading "/"
		{"harbor.gbdialog/drafts", false},
		{"top.md", true},
		{"sub/top.md", false},
		{"a.bak", true},
		{"a.back", false},
		{"a.txt", true},
		{"c.txt", false},
		{"caf\xe9.tmp", true},
		{"caf\xe9.md", false},
	}
	for _, c := range cases {
		if got := f.Excluded(c.path); got != c.want {
			t.Errorf("Excluded(%q) = %v, want %v", c.path, got, c.want)
		}
	}
	for _, bad := range []string{"", "/", "[ab"} {
		if _, err := NewFilter([]string{bad}); err == nil {
			t.Errorf("NewFilter(%q): no error", bad)
		}
	}
}

func TestFilterIgnoreFile(t *testing.T) {
	f, err := NewFilter(DefaultExcludes)
	if err != nil {
		t.Fatal(err)
	}
	g := f.WithIgnore([]byte("# notes\r\nnotes/\n*.log\n!keep.log\n/top.bas\n"))
	for _, c := range []struct {
		path string
		want bool
	}{
		{"notes/a.md", true},
		{"x/notes/a.md", true},
		{"debug.log", true},
		{"sub/debug.log", true},
		{"keep.log", false},
		{"top.bas", true},
		{"sub/top.bas", false},
		{"a.bas", false},
		{"x.tmp", true}, // the defaults still apply
	} {
		if got := g.Excluded(c.path); got != c.want {
			t.Errorf("Excluded(%q) = %v, want %v", c.path, got, c.want)
		}
	}
	if f.Excluded("debug.log") {
		t.Error("WithIgnore changed the filter it copied")
	}
}
