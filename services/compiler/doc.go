// Package compiler turns the dialogs (.bas) and config.csv files of bot
// packages into stored, queryable results as they change.
//
// Run consumes the durable pull consumer bus.ConsumerCompiler (filters
// drive.*.dialog.>, drive.*.config.> and drive.*.kb.>, the last only to
// re-check the scripts that USE KB: see kb.go) with package worker's typed
// change handler (worker.Changes: an outcome on the change's final verdict
// and on a first try that failed); any number of replicas share it. For each change it reads the file's current content
// through Storage (recording the ETag of what it actually read), compiles
// it (package analysis for dialogs, botpkg.Validate for config.csv: the
// parser and every check the services apply, the embedding-* keys among
// them) and writes the result and every artefact (tool, schedules, webhooks,
// references, tables, settings) to the store in one transaction guarded by
// the change's DRIVE stream sequence (package store), then publishes an
// events.Outcome on outcome.compiler.<bot>:
//
//	ok       compiled and stored; diagnostics and tool name attached; for a
//	         config.csv, Config holds the keys added, changed and removed
//	deleted  the file is gone; everything it produced was removed
//	skipped  a newer version was already stored (an older change arriving late)
//	failed   the first try failed and will be retried, or the change was
//	         given up (after MaxDeliver tries, or at once when permanent;
//	         published by the worker before it parks the message)
//
// A file with syntax errors is a successful compile: it is stored with its
// diagnostics (its tool inactive) and acknowledged. Only failures that a
// retry can fix (storage or database unavailable) return an error, which
// the worker retries with backoff and, after MaxDeliver tries, parks on the
// DEAD stream. The message is acknowledged only after the commit and the
// outcome, and the store ignores a change at or below the stored sequence,
// so redeliveries and replays are harmless.
//
// # Settings, published once
//
// The compiler owns config.csv: after storing a version it publishes its
// settings (botpkg.Settings: the theme keys, the embedding settings and
// kb-language, with the change's DRIVE sequence and the ETag read) in the
// KV bucket SETTINGS under bus.SettingsKey(bot, path) (settings.go); the
// themer and the indexer watch that bucket and never read config.csv. A
// version is never replaced by an older one (compare-and-set on the
// sequence), and the change is acknowledged only after the publish, so a
// failed publish is retried with the change. A removed config.csv leaves
// a tombstone (deleted, with its sequence). A version with errors (any
// error botpkg.Validate reports, or a file over the size limit) is stored
// with its diagnostics, and its settings are not used: it is published
// (so the indexer knows it was seen) marked errors, carrying the settings
// of the last good version (kept, its sequence), which stay in force; the
// outcome carries a warning at the first error's line that names the file
// and says so (or that no version was without errors, so the services
// keep their defaults). At start, before it consumes, the compiler
// publishes every stored config.csv version the bucket does not hold at
// that version or later (a new or lost bucket is filled without waiting
// for the files to change).
//
// The bucket holds one secret, embedding-key, because the indexer calls
// the embedding model with it; every other setting of config.csv, secrets
// among them, is not published (only the typed views are), and outcomes
// and the API redact secrets as before.
//
// A change whose file is already gone when read is applied as a delete at
// its sequence; a moved file is compiled at its new path and removed at
// the old one. Reference warnings (USE TOOL, USE KB naming what the bot
// lacks) compile a dialog twice when it references anything by name: once
// to learn the names, once with which of them are active tools (one
// indexed store query, Store.ActiveToolNames) and with the bot's
// knowledge bases (Store.KBNames). The compiler's consumer takes KB
// changes too (kb.go): each records its document in the store
// (Store.KBDocument), without reading the storage and without an outcome
// of its own; the storage is listed once per bot, the first time the
// store does not know its knowledge bases (Store.SeedKBs). When a dialog
// is stored or removed, the bot's other scripts that name its tool (ADD
// TOOL, USE TOOL) are checked again from their stored version
// (recheck.go), and likewise the scripts naming a knowledge base (USE
// KB) when it gets its first document or loses its last: their
// diagnostics and tool state are replaced in the store (Store.Recheck,
// only while that version is current) and an outcome is published, so
// the API and the dashboard drop or show the warning without the script
// changing.
//
// The dialect is General Bots' own (package basic, keywords.tsv): a form
// that upstream's runtime registers, its compiler rewrites or its book
// documents compiles, at most with a warning; an error means upstream
// would reject the file. Conformance (analysis/corpus_test.go): of the
// 100 dialogs of ../shared/corpus/bots, 88 compile with no error and 12
// use statements General Bots does not register (NOTIFY AGENT, RECORD
// METRIC, CACHE SET, PARALLEL … END PARALLEL, ADD_KB, …) or are not
// programs (send-proposal-v0.bas, a text template); of the 898 BASIC
// examples of the book (../shared/corpus/botbook), 872 (97.1 %) compile
// with no error, and of the other half of the book (the blocks of the
// upstream chapters not in the corpus, 958), 907 (94.7 %); the others
// are fragments (a CASE or ELSE alone, a shell line, a REST request),
// forms upstream does not run (LABEL x, SQL clauses on lines of their
// own, a bare END) or genuine mistakes (an unterminated string); each of
// the corpus' is listed with its reason in knownBroken and knownBrokenBook
// there and in docs/BENCHMARKS.md.
//
// Routes serves the read API (see Routes) for drivemon dev and the UI.
// File names need not be UTF-8: every path in its JSON answers is "path"
// (for display) plus "path_b64" (the exact bytes) when it is not valid
// UTF-8, as everywhere in drivemon (events.PathToJSON); a script is
// fetched by its exact bytes percent-encoded in the URL.
package compiler
