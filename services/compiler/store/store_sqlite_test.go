package store

import (
	"context"
	"sync"
	"testing"
)

func TestStoreSQLite(t *testing.T) {
	runContract(t, func(t *testing.T) Store {
		s, err := OpenSQLite(context.Background(), t.TempDir())
		if err != nil {
			t.Fatalf("OpenSQLite: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// Processes opening one file together apply the migrations once, and the
// data survives a reopen.
func TestSQLiteOpenTogetherAndReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var wg sync.WaitGroup
	stores := make([]*SQLite, 4)
	errs := make([]error, 4)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = OpenSQLite(ctx, dir) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
	}
	put(t, stores[0], compiled(t, "harbor", "harbor.gbdialog/a.bas", toolSrc, 3), Written)
	put(t, stores[1], compiled(t, "harbor", "harbor.gbdialog/a.bas", toolSrc, 2), Stale)
	for _, s := range stores {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s, err := OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if got := mustScript(t, s, "harbor", "harbor.gbdialog/a.bas"); got.Seq != 3 {
		t.Fatalf("after reopen seq = %d, want 3", got.Seq)
	}
	ms, err := loadMigrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM compiler_migrations").Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("compiler_migrations has %d rows (%v), want one per migration, %d", n, err, len(ms))
	}
}
