package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the Store on PostgreSQL, through a pgx connection pool. Any
// number of compiler replicas may share one database.
type Postgres struct {
	sqlStore
}

// pgMigrationLock is the key of the session advisory lock held while
// migrating, so replicas starting together apply each migration once.
const pgMigrationLock int64 = 0x6472766d636d706c // "drvmcmpl"

// OpenPostgres connects to the database at dsn (a postgres:// URL or
// key=value string), applies the embedded migrations it lacks and returns
// the store. Close releases the pool.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parsing the DSN: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connecting to %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := migratePostgres(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Postgres{sqlStore{db: &pgEngine{pool: pool}}}, nil
}

// migratePostgres applies the migrations not yet recorded, holding an
// advisory lock for the whole run.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := loadMigrations("postgres")
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: connecting to migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", pgMigrationLock); err != nil {
		return fmt.Errorf("postgres: taking the migration lock: %w", err)
	}
	defer func() {
		// A broken connection is closed on release, which frees the lock.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", pgMigrationLock)
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS compiler_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres: creating compiler_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM compiler_migrations")
	if err != nil {
		return fmt.Errorf("postgres: reading compiler_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: reading compiler_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: reading compiler_migrations: %w", err)
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO compiler_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: applying migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// pgEngine adapts a pgx pool (or, inside a transaction, a pgx.Tx).
type pgEngine struct {
	pool *pgxpool.Pool
	tx   pgx.Tx
}

func (e *pgEngine) name() string { return "postgres" }

func (e *pgEngine) close() error {
	e.pool.Close()
	return nil
}

func (e *pgEngine) timeArg(t time.Time) any { return t.UTC() }

func (e *pgEngine) execAll(ctx context.Context, stmts []stmt) error {
	if len(stmts) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, st := range stmts {
		b.Queue(rebind(st.sql), st.args...)
	}
	var br pgx.BatchResults
	if e.tx != nil {
		br = e.tx.SendBatch(ctx, b)
	} else {
		br = e.pool.SendBatch(ctx, b)
	}
	for _, st := range stmts {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return br.Close()
}

func (e *pgEngine) queryRow(ctx context.Context, query string, args ...any) scanner {
	var row pgx.Row
	if e.tx != nil {
		row = e.tx.QueryRow(ctx, rebind(query), args...)
	} else {
		row = e.pool.QueryRow(ctx, rebind(query), args...)
	}
	return pgRow{row}
}

func (e *pgEngine) query(ctx context.Context, query string, args ...any) (rowIter, error) {
	if e.tx != nil {
		return e.tx.Query(ctx, rebind(query), args...)
	}
	return e.pool.Query(ctx, rebind(query), args...)
}

func (e *pgEngine) inTx(ctx context.Context, fn func(q queryer) error) error {
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		return fn(&pgEngine{pool: e.pool, tx: tx})
	})
}

type pgRow struct{ row pgx.Row }

func (r pgRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	}
	return err
}

// rebind turns the ? placeholders of the shared SQL into $1, $2, …
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
