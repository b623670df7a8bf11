package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The book's blocks are named as in the corpus and compiled; -except
// leaves out the pages the corpus has.
func TestCheckBook(t *testing.T) {
	up := t.TempDir()
	src := filepath.Join(up, "botbook", "src")
	writeFile(t, filepath.Join(src, "README.md"), "```basic\nTLAK 1\n```\n") // not a chapter's page
	writeFile(t, filepath.Join(src, "04-basic", "keyword-talk.md"),
		"# TALK\n\n```basic\nTALK \"hi\"\n```\n\ntext\n\n  ```basic\nTLAK \"hi\"\n  ```\n\n```bash\nls\n```\n")
	writeFile(t, filepath.Join(src, "04-basic", "templates", "goto.md"), "```basic\nloop:\nGOTO loop\n```\n")
	blocks, err := bookBlocks(up)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range blocks {
		names = append(names, b.Name)
	}
	want := "04-basic__keyword-talk__001.bas 04-basic__keyword-talk__002.bas 04-basic__templates__goto__001.bas"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("blocks %q, want %q", got, want)
	}
	var out bytes.Buffer
	clean, total, err := checkBook(&out, up, "")
	if err != nil || clean != 2 || total != 3 {
		t.Fatalf("checkBook = %d of %d, %v", clean, total, err)
	}
	if want := "04-basic__keyword-talk__002.bas:1:1: error: unknown statement TLAK; did you mean TALK?\n2 of 3 blocks compile with no error (66.7%)\n"; out.String() != want {
		t.Fatalf("output %q, want %q", out.String(), want)
	}
	except := t.TempDir()
	writeFile(t, filepath.Join(except, "04-basic__keyword-talk__005.bas"), "")
	out.Reset()
	if clean, total, err := checkBook(&out, up, except); err != nil || clean != 1 || total != 1 {
		t.Fatalf("checkBook except keyword-talk = %d of %d, %v: %s", clean, total, err, out.String())
	}
	if _, _, err := checkBook(&out, t.TempDir(), ""); err == nil {
		t.Fatal("a checkout without a book: no error")
	}
}
