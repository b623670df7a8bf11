package store

import (
	"context"
	"sync"
	"testing"

	"github.com/drivemon/drivemon/internal/testinfra"
)

func TestIntegrationStorePostgres(t *testing.T) {
	runContract(t, func(t *testing.T) Store {
		s, err := OpenPostgres(context.Background(), testinfra.Postgres(t))
		if err != nil {
			t.Fatalf("OpenPostgres: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

// Replicas starting together apply each migration once, under the
// advisory lock.
func TestIntegrationPostgresMigrateTogether(t *testing.T) {
	ctx := context.Background()
	dsn := testinfra.Postgres(t)
	var wg sync.WaitGroup
	stores := make([]*Postgres, 4)
	errs := make([]error, 4)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = OpenPostgres(ctx, dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	ms, err := loadMigrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := stores[0].db.queryRow(ctx, "SELECT COUNT(*) FROM compiler_migrations").Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("compiler_migrations has %d rows (%v), want one per migration, %d", n, err, len(ms))
	}
	put(t, stores[1], compiled(t, "harbor", "harbor.gbdialog/a.bas", toolSrc, 3), Written)
	if got := mustScript(t, stores[2], "harbor", "harbor.gbdialog/a.bas"); got.Seq != 3 {
		t.Fatalf("seq = %d", got.Seq)
	}
}

func TestRebind(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", "SELECT 1", "SELECT 1"},
		{"three", "INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)"},
		{"ten", "?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rebind(tc.in); got != tc.want {
				t.Fatalf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
