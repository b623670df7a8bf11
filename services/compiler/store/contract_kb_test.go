package store

import (
	"context"
	"slices"
	"sync"
	"testing"
)

func kbDoc(t *testing.T, s Store, path, kb string, seq uint64, present, want bool) {
	t.Helper()
	got, err := s.KBDocument(context.Background(), "harbor", path, kb, seq, present)
	if err != nil {
		t.Fatalf("KBDocument(%s, %d, present %v): %v", path, seq, present, err)
	}
	if got != want {
		t.Fatalf("KBDocument(%s, %d, present %v) changed = %v, want %v", path, seq, present, got, want)
	}
}

func kbNames(t *testing.T, s Store, wantKnown bool, want ...string) {
	t.Helper()
	got, known, err := s.KBNames(context.Background(), "harbor")
	if err != nil {
		t.Fatalf("KBNames: %v", err)
	}
	if known != wantKnown || !slices.Equal(got, append([]string{}, want...)) {
		t.Fatalf("KBNames = %q known %v, want %q known %v", got, known, want, wantKnown)
	}
}

// A knowledge base appears with its first document and disappears with
// its last; an older change of a path never undoes a newer one; seeding
// from a listing keeps the changes already recorded.
func contractKBDocuments(t *testing.T, s Store) {
	ctx := context.Background()
	kbNames(t, s, false)
	// Not known yet: every change may have changed something.
	kbDoc(t, s, "harbor.gbkb/faq/a.md", "faq", 5, true, true)
	kbDoc(t, s, "harbor.gbkb/faq/gone.md", "faq", 6, false, true)
	kbNames(t, s, false)
	// The listing saw a.md, gone.md (deleted since: its tombstone wins),
	// old.md and a manual.
	err := s.SeedKBs(ctx, "harbor", []KBDoc{
		{"harbor.gbkb/faq/a.md", "faq"}, {"harbor.gbkb/faq/gone.md", "faq"},
		{"harbor.gbkb/faq/old.md", "faq"}, {"harbor.gbkb/manuals/m.pdf", "manuals"},
		{"harbor.gbkb/caf\xe9/c.md", "caf\xe9"},
	})
	if err != nil {
		t.Fatalf("SeedKBs: %v", err)
	}
	kbNames(t, s, true, "caf\xe9", "faq", "manuals")
	kbDoc(t, s, "harbor.gbkb/faq/b.md", "faq", 7, true, false)  // faq had documents
	kbDoc(t, s, "harbor.gbkb/faq/a.md", "faq", 8, false, false) // b.md, old.md remain
	kbDoc(t, s, "harbor.gbkb/faq/old.md", "faq", 9, false, false)
	kbDoc(t, s, "harbor.gbkb/faq/b.md", "faq", 10, false, true) // the last one
	kbNames(t, s, true, "caf\xe9", "manuals")
	kbDoc(t, s, "harbor.gbkb/faq/b.md", "faq", 7, true, false) // redelivered, older: nothing
	kbDoc(t, s, "harbor.gbkb/faq/b.md", "faq", 10, false, false)
	kbNames(t, s, true, "caf\xe9", "manuals")
	kbDoc(t, s, "harbor.gbkb/faq/b.md", "faq", 11, true, true) // back
	kbNames(t, s, true, "caf\xe9", "faq", "manuals")
	// A document moved to another knowledge base: the path's row follows.
	kbDoc(t, s, "harbor.gbkb/manuals/m.pdf", "manuals", 12, false, true)
	kbNames(t, s, true, "caf\xe9", "faq")
	// Seeding again adds nothing over recorded changes.
	if err := s.SeedKBs(ctx, "harbor", []KBDoc{{"harbor.gbkb/manuals/m.pdf", "manuals"}}); err != nil {
		t.Fatalf("SeedKBs again: %v", err)
	}
	kbNames(t, s, true, "caf\xe9", "faq")
	// Other bots are apart.
	if names, known, err := s.KBNames(ctx, "other"); err != nil || known || len(names) != 0 {
		t.Fatalf("KBNames(other) = %q %v %v, want none, unknown", names, known, err)
	}
	if _, err := s.KBDocument(ctx, "harbor", "harbor.gbkb/faq/x.md", "faq", 0, true); err == nil {
		t.Fatal("KBDocument at sequence 0: no error")
	}
}

// Two writers deleting the last two documents of a knowledge base at once:
// exactly one of them sees it disappear.
func contractKBConcurrentLast(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.SeedKBs(ctx, "harbor", nil); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		base := uint64(round*10 + 1)
		kbDoc(t, s, "harbor.gbkb/faq/a.md", "faq", base, true, true) // faq appears
		kbDoc(t, s, "harbor.gbkb/faq/b.md", "faq", base+1, true, false)
		var wg sync.WaitGroup
		changed := make([]bool, 2)
		errs := make([]error, 2)
		for i, p := range []string{"harbor.gbkb/faq/a.md", "harbor.gbkb/faq/b.md"} {
			wg.Go(func() { changed[i], errs[i] = s.KBDocument(ctx, "harbor", p, "faq", base+2+uint64(i), false) })
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v %v", round, errs[0], errs[1])
		}
		if changed[0] == changed[1] {
			t.Fatalf("round %d: changed = %v: exactly one delete must see the knowledge base go", round, changed)
		}
	}
}
