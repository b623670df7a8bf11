package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/diag"
)

// The store logic is written once, in SQL both PostgreSQL and SQLite run
// (with ? placeholders, rebound to $n for PostgreSQL), over the small
// interfaces below; store_postgres.go and store_sqlite.go adapt pgxpool and
// database/sql to them.

// errNoRows is what adapters return for a QueryRow that found nothing.
var errNoRows = errors.New("no rows")

// queryer runs statements, in a transaction or not.
type queryer interface {
	// execAll runs statements in order, stopping at the first failure
	// (PostgreSQL sends them in one round trip).
	execAll(ctx context.Context, stmts []stmt) error
	queryRow(ctx context.Context, query string, args ...any) scanner
	query(ctx context.Context, query string, args ...any) (rowIter, error)
}

type scanner interface {
	Scan(dest ...any) error
}

type rowIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// stmt is one statement of an execAll; what names it in errors.
type stmt struct {
	what string
	sql  string
	args []any
}

// engine is one database.
type engine interface {
	queryer
	// inTx runs fn in a transaction that serialises writers of a key: the
	// first statement of every write upserts the key's row, which locks it
	// in PostgreSQL; SQLite transactions take the write lock at BEGIN.
	inTx(ctx context.Context, fn func(q queryer) error) error
	// timeArg is how the database stores a time.
	timeArg(t time.Time) any
	close() error
	name() string
}

// sqlStore implements Store over an engine.
type sqlStore struct {
	db engine
}

// dbTime scans a stored time: a timestamptz (PostgreSQL) or unix
// milliseconds (SQLite).
type dbTime struct{ t time.Time }

func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		d.t = x.UTC()
	case int64:
		d.t = time.UnixMilli(x).UTC()
	case nil:
		d.t = time.Time{}
	default:
		return fmt.Errorf("scanning a time from %T", v)
	}
	return nil
}

var artefactTables = []string{"tools", "schedules", "webhooks", "refs", "table_defs"}

func (s *sqlStore) wrap(op, key string, err error) error {
	return fmt.Errorf("%s %s (%s): %w", op, events.DisplayPath(key), s.db.name(), err)
}

// upsert inserts or updates the row of key in table (scripts or configs)
// only if seq is newer than the stored one, and says what it did.
func upsert(ctx context.Context, q queryer, table, cols string, set string, seq int64, key []byte, args ...any) (Write, error) {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	var stored int64
	err := q.queryRow(ctx, "INSERT INTO "+table+" ("+cols+") VALUES ("+marks+")"+
		" ON CONFLICT (key) DO UPDATE SET "+set+" WHERE "+table+".seq < excluded.seq RETURNING "+table+".seq", args...).Scan(&stored)
	if errors.Is(err, errNoRows) {
		if err := q.queryRow(ctx, "SELECT seq FROM "+table+" WHERE key = ?", key).Scan(&stored); err != nil {
			return 0, fmt.Errorf("reading stored sequence: %w", err)
		}
		return writeOf(stored, seq), nil
	}
	if err != nil {
		return 0, err
	}
	return Written, nil
}

const scriptCols = "key, bot, path, seq, etag, content_hash, size, ast, diagnostics, errors, warnings, tool, compiled_at, deleted"

const scriptSet = "bot = excluded.bot, path = excluded.path, seq = excluded.seq, etag = excluded.etag," +
	" content_hash = excluded.content_hash, size = excluded.size, ast = excluded.ast," +
	" diagnostics = excluded.diagnostics, errors = excluded.errors, warnings = excluded.warnings," +
	" tool = excluded.tool, compiled_at = excluded.compiled_at, deleted = excluded.deleted"

func (s *sqlStore) PutScript(ctx context.Context, sc *Script) (Write, error) {
	key, seq, err := checkKey(sc.Bot, sc.Path, sc.Seq)
	if err != nil {
		return 0, err
	}
	diags, err := diagJSON(sc.Diagnostics)
	if err != nil {
		return 0, s.wrap("storing", key, err)
	}
	var ast any // NULL when absent
	if len(sc.AST) > 0 {
		ast = string(sc.AST)
	}
	toolName := ""
	if sc.Tool != nil {
		toolName = sc.Tool.Name
	}
	kb := []byte(key)
	var w Write
	err = s.db.inTx(ctx, func(q queryer) error {
		var err error
		w, err = upsert(ctx, q, "scripts", scriptCols, scriptSet, seq, kb,
			kb, sc.Bot, []byte(sc.Path), seq, text(sc.ETag), text(sc.ContentHash), sc.Size, ast, string(diags),
			diag.Count(sc.Diagnostics, diag.Error), diag.Count(sc.Diagnostics, diag.Warning),
			text(toolName), s.db.timeArg(sc.CompiledAt), false)
		if err != nil || w != Written {
			return err
		}
		ins, err := insertArtefacts(kb, sc)
		if err != nil {
			return err
		}
		return q.execAll(ctx, append(clearArtefacts(kb), ins...))
	})
	if err != nil {
		return 0, s.wrap("storing", key, err)
	}
	return w, nil
}

func (s *sqlStore) Recheck(ctx context.Context, bot, path string, seq uint64, contentHash string, diags []diag.Diagnostic) (bool, error) {
	key, sq, err := checkKey(bot, path, seq)
	if err != nil {
		return false, err
	}
	js, err := diagJSON(diags)
	if err != nil {
		return false, s.wrap("rechecking", key, err)
	}
	errs := diag.Count(diags, diag.Error)
	kb := []byte(key)
	done := false
	err = s.db.inTx(ctx, func(q queryer) error {
		var stored int64
		err := q.queryRow(ctx, "UPDATE scripts SET diagnostics = ?, errors = ?, warnings = ? WHERE key = ? AND seq = ? AND content_hash = ? AND NOT deleted RETURNING seq",
			string(js), errs, diag.Count(diags, diag.Warning), kb, sq, text(contentHash)).Scan(&stored)
		if errors.Is(err, errNoRows) {
			return nil // a newer version, or gone: its own compile decides
		}
		if err != nil {
			return err
		}
		done = true
		return q.execAll(ctx, []stmt{{"activating the tool", "UPDATE tools SET active = ? WHERE script_key = ?", []any{errs == 0, kb}}})
	})
	if err != nil {
		return false, s.wrap("rechecking", key, err)
	}
	return done, nil
}

// clearArtefacts are the statements removing every artefact of a script.
func clearArtefacts(key []byte) []stmt {
	out := make([]stmt, 0, len(artefactTables))
	for _, t := range artefactTables {
		out = append(out, stmt{"clearing " + t, "DELETE FROM " + t + " WHERE script_key = ?", []any{key}})
	}
	return out
}

// insertArtefacts are the statements storing a script's artefacts.
func insertArtefacts(key []byte, sc *Script) ([]stmt, error) {
	bot := sc.Bot
	var out []stmt
	if t := sc.Tool; t != nil {
		out = append(out, stmt{"storing tool " + t.Name,
			"INSERT INTO tools (script_key, bot, name, mcp, openai, active) VALUES (?, ?, ?, ?, ?, ?)",
			[]any{key, bot, text(t.Name), string(jsonOrNull(t.MCP)), string(jsonOrNull(t.OpenAI)), t.Active}})
	}
	for i, sch := range sc.Effects.Schedules {
		args, err := marshal("schedule args", nonNil(sch.Args))
		if err != nil {
			return nil, err
		}
		out = append(out, stmt{"storing schedule " + sch.Expr,
			"INSERT INTO schedules (script_key, ord, bot, expr, cron, args, dynamic, line, col) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			[]any{key, i, bot, text(sch.Expr), text(sch.Cron), string(args), sch.Dynamic, sch.Line, sch.Col}})
	}
	for i, r := range sc.Effects.Webhooks {
		out = append(out, stmt{"storing webhook " + r.Name,
			"INSERT INTO webhooks (script_key, ord, bot, keyword, endpoint, dynamic, line, col) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			[]any{key, i, bot, text(r.Keyword), text(r.Name), r.Dynamic, r.Line, r.Col}})
	}
	for i, r := range refRows(&sc.Effects) {
		out = append(out, stmt{"storing " + r.kind + " reference " + r.ref.Name,
			"INSERT INTO refs (script_key, ord, bot, kind, keyword, name, dynamic, line, col) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			[]any{key, i, bot, r.kind, text(r.ref.Keyword), text(r.ref.Name), r.ref.Dynamic, r.ref.Line, r.ref.Col}})
	}
	for i, t := range sc.Effects.Tables {
		cols, err := marshal("table columns", nonNil(t.Columns))
		if err != nil {
			return nil, err
		}
		cons, err := marshal("table constraints", nonNil(t.Constraints))
		if err != nil {
			return nil, err
		}
		out = append(out, stmt{"storing table " + t.Name,
			"INSERT INTO table_defs (script_key, ord, bot, name, columns, constraints, line, col) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			[]any{key, i, bot, text(t.Name), string(cols), string(cons), t.Line, t.Col}})
	}
	return out, nil
}

func (s *sqlStore) DeleteScript(ctx context.Context, bot, path string, seq uint64, at time.Time) (Write, error) {
	key, iseq, err := checkKey(bot, path, seq)
	if err != nil {
		return 0, err
	}
	kb := []byte(key)
	var w Write
	err = s.db.inTx(ctx, func(q queryer) error {
		var err error
		w, err = upsert(ctx, q, "scripts", scriptCols, scriptSet, iseq, kb,
			kb, bot, []byte(path), iseq, "", "", int64(0), nil, "[]", 0, 0, "", s.db.timeArg(at), true)
		if err != nil || w != Written {
			return err
		}
		return q.execAll(ctx, clearArtefacts(kb))
	})
	if err != nil {
		return 0, s.wrap("deleting", key, err)
	}
	return w, nil
}

const configCols = "key, bot, path, seq, etag, content_hash, diagnostics, compiled_at, deleted"

const configSet = "bot = excluded.bot, path = excluded.path, seq = excluded.seq, etag = excluded.etag," +
	" content_hash = excluded.content_hash, diagnostics = excluded.diagnostics," +
	" compiled_at = excluded.compiled_at, deleted = excluded.deleted"

func (s *sqlStore) PutConfig(ctx context.Context, c *Config) (Write, []Setting, error) {
	key, seq, err := checkKey(c.Bot, c.Path, c.Seq)
	if err != nil {
		return 0, nil, err
	}
	diags, err := diagJSON(c.Diagnostics)
	if err != nil {
		return 0, nil, s.wrap("storing", key, err)
	}
	w, prev, err := s.writeConfig(ctx, key, seq, c.Settings,
		[]byte(key), c.Bot, []byte(c.Path), seq, text(c.ETag), text(c.ContentHash), string(diags), s.db.timeArg(c.CompiledAt), false)
	if err != nil {
		return 0, nil, s.wrap("storing", key, err)
	}
	return w, prev, nil
}

func (s *sqlStore) DeleteConfig(ctx context.Context, bot, path string, seq uint64, at time.Time) (Write, []Setting, error) {
	key, iseq, err := checkKey(bot, path, seq)
	if err != nil {
		return 0, nil, err
	}
	w, prev, err := s.writeConfig(ctx, key, iseq, nil,
		[]byte(key), bot, []byte(path), iseq, "", "", "[]", s.db.timeArg(at), true)
	if err != nil {
		return 0, nil, s.wrap("deleting", key, err)
	}
	return w, prev, nil
}

// writeConfig upserts a config row; when it is newer, reads the settings
// it replaces (under the row lock the upsert took) and writes the new ones.
func (s *sqlStore) writeConfig(ctx context.Context, key string, seq int64, settings []Setting, args ...any) (Write, []Setting, error) {
	kb := []byte(key)
	var w Write
	var prev []Setting
	err := s.db.inTx(ctx, func(q queryer) error {
		var err error
		w, err = upsert(ctx, q, "configs", configCols, configSet, seq, kb, args...)
		if err != nil || w != Written {
			return err
		}
		if prev, err = readSettings(ctx, q, kb); err != nil {
			return err
		}
		stmts := []stmt{{"clearing settings", "DELETE FROM config_settings WHERE config_key = ?", []any{kb}}}
		for i, st := range settings {
			stmts = append(stmts, stmt{"storing setting " + st.Key,
				"INSERT INTO config_settings (config_key, ord, name, value, line) VALUES (?, ?, ?, ?, ?)",
				[]any{kb, i, text(st.Key), text(st.Value), st.Line}})
		}
		return q.execAll(ctx, stmts)
	})
	return w, prev, err
}

func readSettings(ctx context.Context, q queryer, key []byte) ([]Setting, error) {
	rows, err := q.query(ctx, "SELECT name, value, line FROM config_settings WHERE config_key = ? ORDER BY ord", key)
	if err != nil {
		return nil, fmt.Errorf("reading settings: %w", err)
	}
	defer rows.Close()
	out := []Setting{}
	for rows.Next() {
		var st Setting
		if err := rows.Scan(&st.Key, &st.Value, &st.Line); err != nil {
			return nil, fmt.Errorf("reading settings: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// each runs query and calls fn for every row.
func each(ctx context.Context, q queryer, what string, fn func(r scanner) error, query string, args ...any) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("reading %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", what, err)
	}
	return nil
}

const botsQuery = `SELECT bot, SUM(scripts), SUM(failing), SUM(tools), SUM(schedules), SUM(webhooks), SUM(configs), MAX(seq) FROM (
	SELECT bot, CASE WHEN deleted THEN 0 ELSE 1 END AS scripts, CASE WHEN errors > 0 AND NOT deleted THEN 1 ELSE 0 END AS failing,
		0 AS tools, 0 AS schedules, 0 AS webhooks, 0 AS configs, seq FROM scripts
	UNION ALL SELECT bot, 0, 0, 1, 0, 0, 0, 0 FROM tools WHERE active
	UNION ALL SELECT bot, 0, 0, 0, 1, 0, 0, 0 FROM schedules
	UNION ALL SELECT bot, 0, 0, 0, 0, 1, 0, 0 FROM webhooks
	UNION ALL SELECT bot, 0, 0, 0, 0, 0, CASE WHEN deleted THEN 0 ELSE 1 END, seq FROM configs
) AS x GROUP BY bot HAVING SUM(scripts) + SUM(configs) > 0`

func (s *sqlStore) Bots(ctx context.Context) ([]BotSummary, error) {
	out := []BotSummary{}
	err := each(ctx, s.db, "bots", func(r scanner) error {
		var b BotSummary
		var seq int64
		if err := r.Scan(&b.Bot, &b.Scripts, &b.Failing, &b.Tools, &b.Schedules, &b.Webhooks, &b.Configs, &seq); err != nil {
			return err
		}
		b.Seq = uint64(seq)
		out = append(out, b)
		return nil
	}, botsQuery)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	slices.SortFunc(out, func(a, b BotSummary) int { return strings.Compare(a.Bot, b.Bot) })
	return out, nil
}

func (s *sqlStore) HasBot(ctx context.Context, bot string) (bool, error) {
	var n int
	err := s.db.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM scripts WHERE bot = ? AND NOT deleted)
		+ (SELECT COUNT(*) FROM configs WHERE bot = ? AND NOT deleted)`, bot, bot).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("looking up bot %s (%s): %w", bot, s.db.name(), err)
	}
	return n > 0, nil
}

func (s *sqlStore) Scripts(ctx context.Context, bot string) ([]ScriptInfo, error) {
	out := []ScriptInfo{}
	err := each(ctx, s.db, "scripts of "+bot, func(r scanner) error {
		si := ScriptInfo{Bot: bot}
		var path, diags []byte
		var seq int64
		var at dbTime
		if err := r.Scan(&path, &seq, &si.ETag, &si.ContentHash, &si.Size, &at, &si.Errors, &si.Warnings, &si.Tool, &diags); err != nil {
			return err
		}
		ds, err := decodeDiags(diags)
		if err != nil {
			return err
		}
		si.Path, si.Seq, si.CompiledAt, si.Diagnostics = string(path), uint64(seq), at.t, ds
		out = append(out, si)
		return nil
	}, "SELECT path, seq, etag, content_hash, size, compiled_at, errors, warnings, tool, diagnostics FROM scripts WHERE bot = ? AND NOT deleted ORDER BY path", bot)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	return out, nil
}

func (s *sqlStore) Script(ctx context.Context, bot, path string) (*Script, error) {
	key := []byte(events.Key(bot, path))
	sc := &Script{Bot: bot, Path: path, Effects: emptyEffects()}
	var seq int64
	var ast, diags []byte
	var at dbTime
	err := s.db.queryRow(ctx, "SELECT seq, etag, content_hash, size, ast, diagnostics, compiled_at FROM scripts WHERE key = ? AND NOT deleted", key).
		Scan(&seq, &sc.ETag, &sc.ContentHash, &sc.Size, &ast, &diags, &at)
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("script %s: %w", events.DisplayPath(string(key)), ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap("reading", string(key), err)
	}
	sc.Seq, sc.CompiledAt = uint64(seq), at.t
	if len(ast) > 0 && string(ast) != "null" {
		sc.AST = ast
	}
	if sc.Diagnostics, err = decodeDiags(diags); err != nil {
		return nil, s.wrap("reading", string(key), err)
	}
	if err := s.readArtefacts(ctx, key, sc); err != nil {
		return nil, s.wrap("reading", string(key), err)
	}
	return sc, nil
}

// readArtefacts fills a script's tool and effects.
func (s *sqlStore) readArtefacts(ctx context.Context, key []byte, sc *Script) error {
	var t Tool
	var mcp, openai []byte
	err := s.db.queryRow(ctx, "SELECT name, mcp, openai, active FROM tools WHERE script_key = ?", key).Scan(&t.Name, &mcp, &openai, &t.Active)
	switch {
	case err == nil:
		t.Path, t.MCP, t.OpenAI = sc.Path, mcp, openai
		sc.Tool = &t
	case !errors.Is(err, errNoRows):
		return fmt.Errorf("reading tool: %w", err)
	}
	e := &sc.Effects
	err = each(ctx, s.db, "schedules", func(r scanner) error {
		var sch analysis.Schedule
		var args []byte
		if err := r.Scan(&sch.Expr, &sch.Cron, &args, &sch.Dynamic, &sch.Line, &sch.Col); err != nil {
			return err
		}
		if err := json.Unmarshal(args, &sch.Args); err != nil {
			return err
		}
		if len(sch.Args) == 0 {
			sch.Args = nil
		}
		e.Schedules = append(e.Schedules, sch)
		return nil
	}, "SELECT expr, cron, args, dynamic, line, col FROM schedules WHERE script_key = ? ORDER BY ord", key)
	if err != nil {
		return err
	}
	err = each(ctx, s.db, "webhooks", func(r scanner) error {
		var ref analysis.Ref
		if err := r.Scan(&ref.Keyword, &ref.Name, &ref.Dynamic, &ref.Line, &ref.Col); err != nil {
			return err
		}
		e.Webhooks = append(e.Webhooks, ref)
		return nil
	}, "SELECT keyword, endpoint, dynamic, line, col FROM webhooks WHERE script_key = ? ORDER BY ord", key)
	if err != nil {
		return err
	}
	err = each(ctx, s.db, "references", func(r scanner) error {
		var kind string
		var ref analysis.Ref
		if err := r.Scan(&kind, &ref.Keyword, &ref.Name, &ref.Dynamic, &ref.Line, &ref.Col); err != nil {
			return err
		}
		addRef(e, kind, ref)
		return nil
	}, "SELECT kind, keyword, name, dynamic, line, col FROM refs WHERE script_key = ? ORDER BY ord", key)
	if err != nil {
		return err
	}
	return each(ctx, s.db, "tables", func(r scanner) error {
		t, err := scanTable(r)
		if err != nil {
			return err
		}
		e.Tables = append(e.Tables, t)
		return nil
	}, "SELECT name, columns, constraints, line, col FROM table_defs WHERE script_key = ? ORDER BY ord", key)
}

func scanTable(r scanner) (analysis.Table, error) {
	var t analysis.Table
	var cols, cons []byte
	if err := r.Scan(&t.Name, &cols, &cons, &t.Line, &t.Col); err != nil {
		return t, err
	}
	if err := json.Unmarshal(cols, &t.Columns); err != nil {
		return t, err
	}
	if err := json.Unmarshal(cons, &t.Constraints); err != nil {
		return t, err
	}
	if len(t.Constraints) == 0 {
		t.Constraints = nil
	}
	return t, nil
}

func (s *sqlStore) Tools(ctx context.Context, bot string, activeOnly bool) ([]Tool, error) {
	q := "SELECT t.name, s.path, t.mcp, t.openai, t.active FROM tools t JOIN scripts s ON s.key = t.script_key WHERE t.bot = ?"
	if activeOnly {
		q += " AND t.active"
	}
	out := []Tool{}
	err := each(ctx, s.db, "tools of "+bot, func(r scanner) error {
		var t Tool
		var path, mcp, openai []byte
		if err := r.Scan(&t.Name, &path, &mcp, &openai, &t.Active); err != nil {
			return err
		}
		t.Path, t.MCP, t.OpenAI = string(path), mcp, openai
		out = append(out, t)
		return nil
	}, q, bot)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	slices.SortFunc(out, func(a, b Tool) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Path, b.Path)) })
	return out, nil
}

func (s *sqlStore) ActiveToolNames(ctx context.Context, bot string, names []string) ([]string, error) {
	out := []string{}
	if len(names) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(names)+1)
	args = append(args, bot)
	for _, n := range names {
		args = append(args, text(n))
	}
	q := "SELECT name FROM tools WHERE bot = ? AND active AND lower(name) IN (" +
		strings.TrimSuffix(strings.Repeat("lower(?), ", len(names)), ", ") + ")"
	err := each(ctx, s.db, "tool names of "+bot, func(r scanner) error {
		var name string
		if err := r.Scan(&name); err != nil {
			return err
		}
		out = append(out, name)
		return nil
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (s *sqlStore) Referrers(ctx context.Context, bot, kind string, names []string) ([]RefRow, error) {
	if len(names) == 0 {
		return []RefRow{}, nil
	}
	args := make([]any, 0, len(names)+2)
	args = append(args, bot, kind)
	for _, n := range names {
		args = append(args, text(n))
	}
	return s.refsOfKind(ctx, bot, kind, " AND lower(x.name) IN ("+
		strings.TrimSuffix(strings.Repeat("lower(?), ", len(names)), ", ")+")", args)
}

func (s *sqlStore) References(ctx context.Context, bot, kind string) ([]RefRow, error) {
	return s.refsOfKind(ctx, bot, kind, "", []any{bot, kind})
}

// refsOfKind lists the references of one kind of bot's live scripts that
// match the condition and, sorted by path and position, through the
// index on (bot, kind, lower(name)).
func (s *sqlStore) refsOfKind(ctx context.Context, bot, kind, and string, args []any) ([]RefRow, error) {
	out := []RefRow{}
	q := "SELECT s.path, x.keyword, x.name, x.dynamic, x.line, x.col FROM refs x JOIN scripts s ON s.key = x.script_key" +
		" WHERE x.bot = ? AND x.kind = ?" + and + " ORDER BY s.path, x.ord"
	err := each(ctx, s.db, kind+" referrers in "+bot, func(r scanner) error {
		var row RefRow
		var path []byte
		if err := r.Scan(&path, &row.Keyword, &row.Name, &row.Dynamic, &row.Line, &row.Col); err != nil {
			return err
		}
		row.Path = string(path)
		out = append(out, row)
		return nil
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	return out, nil
}

func (s *sqlStore) Effects(ctx context.Context, bot string) (*BotEffects, error) {
	e := emptyBotEffects()
	join := " x JOIN scripts s ON s.key = x.script_key WHERE x.bot = ? ORDER BY s.path, x.ord"
	err := each(ctx, s.db, "schedules of "+bot, func(r scanner) error {
		var row ScheduleRow
		var path, args []byte
		if err := r.Scan(&path, &row.Expr, &row.Cron, &args, &row.Dynamic, &row.Line, &row.Col); err != nil {
			return err
		}
		if err := json.Unmarshal(args, &row.Args); err != nil {
			return err
		}
		if len(row.Args) == 0 {
			row.Args = nil
		}
		row.Path = string(path)
		e.Schedules = append(e.Schedules, row)
		return nil
	}, "SELECT s.path, x.expr, x.cron, x.args, x.dynamic, x.line, x.col FROM schedules"+join, bot)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	err = each(ctx, s.db, "webhooks of "+bot, func(r scanner) error {
		var row RefRow
		var path []byte
		if err := r.Scan(&path, &row.Keyword, &row.Name, &row.Dynamic, &row.Line, &row.Col); err != nil {
			return err
		}
		row.Path = string(path)
		e.Webhooks = append(e.Webhooks, row)
		return nil
	}, "SELECT s.path, x.keyword, x.endpoint, x.dynamic, x.line, x.col FROM webhooks"+join, bot)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	err = each(ctx, s.db, "references of "+bot, func(r scanner) error {
		var row RefRow
		var path []byte
		var kind string
		if err := r.Scan(&path, &kind, &row.Keyword, &row.Name, &row.Dynamic, &row.Line, &row.Col); err != nil {
			return err
		}
		row.Path = string(path)
		addRefRow(e, kind, row)
		return nil
	}, "SELECT s.path, x.kind, x.keyword, x.name, x.dynamic, x.line, x.col FROM refs"+join, bot)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	err = each(ctx, s.db, "tables of "+bot, func(r scanner) error {
		var path []byte
		t, err := scanTable(&prefixScanner{r: r, first: &path})
		if err != nil {
			return err
		}
		e.Tables = append(e.Tables, TableRow{Path: string(path), Table: t})
		return nil
	}, "SELECT s.path, x.name, x.columns, x.constraints, x.line, x.col FROM table_defs"+join, bot)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	return e, nil
}

// prefixScanner scans a leading column into first, then the rest.
type prefixScanner struct {
	r     scanner
	first any
}

func (p *prefixScanner) Scan(dest ...any) error {
	return p.r.Scan(append([]any{p.first}, dest...)...)
}

func (s *sqlStore) Configs(ctx context.Context, bot string) ([]Config, error) {
	var out []Config
	var keys [][]byte
	err := each(ctx, s.db, "configs of "+bot, func(r scanner) error {
		c := Config{Bot: bot}
		var key, path, diags []byte
		var seq int64
		var at dbTime
		if err := r.Scan(&key, &path, &seq, &c.ETag, &c.ContentHash, &diags, &at); err != nil {
			return err
		}
		ds, err := decodeDiags(diags)
		if err != nil {
			return err
		}
		c.Path, c.Seq, c.CompiledAt, c.Diagnostics = string(path), uint64(seq), at.t, ds
		out = append(out, c)
		keys = append(keys, key)
		return nil
	}, "SELECT key, path, seq, etag, content_hash, diagnostics, compiled_at FROM configs WHERE bot = ? AND NOT deleted ORDER BY path", bot)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	for i := range out {
		if out[i].Settings, err = readSettings(ctx, s.db, keys[i]); err != nil {
			return nil, s.wrap("reading", string(keys[i]), err)
		}
	}
	return nonNil(out), nil
}

func (s *sqlStore) Close() error { return s.db.close() }
