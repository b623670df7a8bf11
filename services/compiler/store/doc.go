// Package store keeps what the compiler produced: compiled dialogs (bot,
// path, content hash and ETag of the content actually compiled, AST JSON,
// diagnostics, compiled_at and the DRIVE stream sequence they came from),
// the tools they define (MCP and OpenAI JSON, active unless the script has
// errors), their schedules, webhooks, KB/tool/website references and table
// definitions, and each bot's config.csv settings.
//
// Every file is identified by its canonical key events.Key(bot, path).
// Writes never go backwards: each carries its stream sequence and the row
// is upserted with "ON CONFLICT (key) DO UPDATE … WHERE stored.seq <
// excluded.seq" in the same transaction that replaces the file's artefacts,
// so a redelivered or out-of-order older change changes nothing (Repeated,
// Stale). A delete removes every artefact and leaves a tombstone carrying
// its sequence, so an older create redelivered after it cannot resurrect
// the file; a recompile replaces the artefacts of the previous version.
//
// The Store interface has two implementations sharing one SQL core
// (store_sql.go): Postgres (pgxpool; embedded, versioned migrations applied
// at start under an advisory lock so replicas can start together) and
// SQLite (modernc.org/sqlite, pure Go, one file under a data folder, for
// drivemon dev). One contract suite runs against both.
//
// Paths are stored as bytes and need not be UTF-8. The JSON forms of the
// store's types (path_json.go) write a path as events.PathToJSON does:
// "path" for display and, only when it is not valid UTF-8, "path_b64" with
// the exact bytes; their UnmarshalJSON reads the exact path back.
package store
