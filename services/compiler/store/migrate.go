package store

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migrations are SQL files named <version>_<name>.sql, one folder per
// database, applied in version order, each once, inside a transaction,
// recorded in the table compiler_migrations.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFiles embed.FS

// migration is one versioned schema change.
type migration struct {
	Version int
	Name    string
	SQL     string
}

// loadMigrations reads the migrations of one database (postgres, sqlite),
// sorted, refusing duplicate or gapped versions.
func loadMigrations(db string) ([]migration, error) {
	dir := path.Join("migrations", db)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("reading migrations %s: %w", dir, err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s/%s: name must be <version>_<name>.sql with a version from 1", dir, name)
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("reading migration %s/%s: %w", dir, name, err)
		}
		ms = append(ms, migration{Version: v, Name: rest, SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations %s: expected version %d, found %d (%s): versions must run 1, 2, 3… without gaps or repeats", dir, i+1, m.Version, m.Name)
		}
	}
	return ms, nil
}
