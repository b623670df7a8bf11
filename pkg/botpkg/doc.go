// Package botpkg is the bot package as a domain: what the folders of a
// <bot>.gbai package mean, which config.csv governs a file, how config.csv
// is read, and the typed views of its settings every service and
// `drivemon check` share. It imports only the standard library, so the
// event contract (pkg/events) builds on it without pulling in a transport.
//
// # Layout
//
// Paths are relative to the package root ("harbor.gbkb/faq/a.md"). The
// inner folders need not carry the bot's name (campaign-manager.gbai holds
// marketing.gbdialog), so only their suffixes count, case-insensitively.
// FolderKind maps a top-level folder to its Kind through one table:
//
//	<x>.gbdialog  dialog   <x>.gbkb     kb      <x>.gbot     config
//	<x>.gbtheme   theme    <x>.gbdrive  drive   <x>.gbdata   data
//
// Classify gives a file's Kind: everything under .gbkb, .gbtheme, .gbdrive
// and .gbdata is of that folder's kind (a KB document carries its KB: the
// first folder under .gbkb, DefaultKB for a file directly in it);
// <x>.gbot/config.csv is config; any other .bas is a dialog; the rest is
// other. KBNames discovers the knowledge bases among a package's paths.
// GoverningConfigs says which config.csv files apply to a path (its own
// package folder's <x>.gbot/config.csv first, then <bot>.gbot/config.csv)
// and PrimaryConfig which of a bot's config.csv files speaks for the bot.
//
// Adding a file kind is a change here and in the services that act on
// it: in layout.go a Kind constant, its place in Kinds, and a row of the
// folder table (or a rule in Classify for a file name); pkg/events
// re-exports the constants (classify.go) for code that names kinds
// through the contract, and subjects follow from the kind
// (drive.<bot>.<kind>.…). A service that consumes the new kind filters
// with events.FilterKind. The detector needs no change; the files service
// (policy.go) and `drivemon check` (check.go) only when the kind is to be
// kept from sandboxed writes or linted.
//
// # config.csv
//
// Parse reads the format as upstream defines it: two columns split at the
// first comma (values are unquoted and may contain commas), both sides
// trimmed; a first line name,value or key,value is a header; blank lines,
// # comments and lines of only commas are skipped. Keys are kebab-case
// (theme-color1) or Title Case (Answer Mode) and compare
// case-insensitively; a repeated key warns and the last value wins. Parse
// keeps every valid line and reports the others as Problems with their
// line numbers.
//
// The views: Theme (the five keys upstream turns into CSS variables),
// Embedding (every embedding-* key, validated: the URL must be http(s),
// the numbers positive; the indexer refuses exactly what Embedding
// reports, and `drivemon check` reports it), Params (param-* keys, which
// become script variables). Settings gathers the views the services act
// on (Theme, Embedding, kb-language) with the version they come from: the
// compiler publishes it for every config.csv version (one with errors
// carries the last good version's values), and the
// themer and the indexer take their settings from there, never from the
// file. IsSecretKey tells which settings are secrets
// (*-key, *-token, *-password, *-secret) and must never be shown. Diff
// compares two versions of a config.
package botpkg
