package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// SQLite is the Store embedded in the process, for drivemon dev: one file,
// pure Go (no cgo), write-ahead log so readers do not wait for the writer.
// Several processes may open the same file; writes are serialised by
// SQLite's write lock, taken at the start of each transaction.
type SQLite struct {
	sqlStore
}

// SQLiteFile is the database file OpenSQLite uses inside its data folder.
const SQLiteFile = "compiler.db"

// OpenSQLite opens (creating if needed) dir/compiler.db, applies the
// embedded migrations it lacks and returns the store.
func OpenSQLite(ctx context.Context, dir string) (*SQLite, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: creating data folder: %w", err)
	}
	file := filepath.Join(dir, SQLiteFile)
	// _txlock=immediate: BEGIN takes the write lock, so two writers never
	// both read then both try to upgrade (which SQLite answers with BUSY).
	dsn := file + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", file, err)
	}
	db.SetMaxOpenConns(4)
	if err := migrateSQLite(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", file, err)
	}
	return &SQLite{sqlStore{db: &sqliteEngine{db: db, q: db}}}, nil
}

// migrateSQLite applies the migrations not yet recorded; the immediate
// transaction of each is the lock.
func migrateSQLite(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrations("sqlite")
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS compiler_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("creating compiler_migrations: %w", err)
	}
	for _, m := range ms {
		err := sqlTx(ctx, db, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM compiler_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO compiler_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.Version, m.Name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("applying migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

func sqlTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// sqlQueryer is what *sql.DB and *sql.Tx share.
type sqlQueryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sqliteEngine adapts database/sql; q is the database or a transaction.
type sqliteEngine struct {
	db *sql.DB
	q  sqlQueryer
}

func (e *sqliteEngine) name() string { return "sqlite" }

func (e *sqliteEngine) close() error { return e.db.Close() }

func (e *sqliteEngine) timeArg(t time.Time) any { return t.UnixMilli() }

func (e *sqliteEngine) execAll(ctx context.Context, stmts []stmt) error {
	for _, st := range stmts {
		if _, err := e.q.ExecContext(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return nil
}

func (e *sqliteEngine) queryRow(ctx context.Context, query string, args ...any) scanner {
	return sqlRow{e.q.QueryRowContext(ctx, query, args...)}
}

func (e *sqliteEngine) query(ctx context.Context, query string, args ...any) (rowIter, error) {
	rows, err := e.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (e *sqliteEngine) inTx(ctx context.Context, fn func(q queryer) error) error {
	return sqlTx(ctx, e.db, func(tx *sql.Tx) error {
		return fn(&sqliteEngine{db: e.db, q: tx})
	})
}

type sqlRow struct{ row *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	}
	return err
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }
