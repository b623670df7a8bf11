// Package themer keeps every bot's theme (the files under <x>.gbtheme/ and
// the theme-* settings of <x>.gbot/config.csv) and pushes its changes to open
// browsers over Server-Sent Events, so a stylesheet is swapped in place and
// the CSS variables change without a page reload.
//
// # Where changes come from
//
// Every replica reads the DRIVE stream through its own ordered consumer
// filtered to drive.*.theme.> (never a shared durable: each replica must
// see every change, not a share of them). At start it replays the stream
// from the beginning, which rebuilds the current state of every bot (DRIVE
// keeps the latest change of every file without age limit), and only then
// answers streams (Config.ReadyWait).
//
// A theme change updates the bot's file table (path relative to the
// .gbtheme folder and the content hash, the change's etag).
//
// Settings are a published fact, not a file the themer reads: the
// compiler, which owns config.csv, publishes the settings of every version
// in the KV bucket SETTINGS (see package bus), and every
// replica watches it (settings.go), from its current values on, before it
// replays DRIVE. A bot's theme settings are the five theme keys
// (botpkg.Config.Theme: theme-color1, theme-color2, theme-logo,
// theme-title, theme-logo-text) of the config.csv that speaks for the bot
// (botpkg.PrimaryConfig: <bot>.gbot/config.csv, else the first by path).
// A version with errors carries its last good version's settings, which
// stay in force; a config.csv that is removed takes its settings with it. The
// themer never reads config.csv from storage.
//
// # The stream
//
// GET /bots/{bot}/theme/events sends only that bot's events:
//
//	theme.snapshot  {"css":[…], "files":[…], "vars":{…}, "values":{…}}  on connect
//	theme.css       {"path":"css/main.css", "url":"/bots/harbor/theme/css/main.css?v=<hash>", "hash":"…", "deleted":false}
//	theme.vars      {"vars":{"--theme-color1":"#0a7", …}, "values":{"theme-color1":"#0a7", …}}
//	theme.reload    {"path":"js/app.js", "reason":"…"}  (anything a swap cannot apply)
//
// Every path in the data (theme.css, theme.reload, the snapshot's "css" and
// "files" entries) is relative to the .gbtheme folder and written as
// events.PathToJSON does: "path" for display, with bytes that are not
// UTF-8 as U+FFFD, and only for such a name "path_b64" with its exact
// bytes (standard base64), so two names that differ only in those bytes
// stay distinct. The "url" of a stylesheet percent-encodes the exact bytes
// ("caf%E9.css") and fetches that very file.
//
// The id of every event is the DRIVE stream sequence of the change it comes
// from (the snapshot: the last sequence this replica applied; a theme.vars,
// whose settings are not on DRIVE: the sequence applied when it was sent).
// A reconnect with Last-Event-ID N (or ?lastEventId=N) replays that bot's
// theme changes after N from JetStream with an ordered consumer starting
// at N+1, up to the sequence the live feed takes over from, so nothing is
// lost or repeated, and ends with the current theme.vars (setting the
// same variables again is harmless; a change of them made while the
// client was away is not lost). An id the stream has never reached (a
// stream that was reset) or a replay longer than Config.ReplayLimit gets a
// fresh snapshot instead.
//
// theme.vars carries the CSS custom properties for :root, named after the
// config keys: --theme-color1 and --theme-color2 (colours, kept only when
// they contain nothing but colour syntax), --theme-logo (url("…")),
// --theme-title and --theme-logo-text (CSS strings, usable with content:).
// "values" holds the raw settings; themer.js writes them into elements
// marked data-theme-text="<key>".
//
// Each client has a bounded buffer (Config.ClientBuffer): a client that
// falls behind is dropped, never waited for, and resumes exactly on
// reconnect thanks to its Last-Event-ID. Connections are limited per client
// IP (429) and in total (503); on shutdown every client is sent a retry:
// delay and closed.
//
// # Files, client and demo
//
// GET /bots/{bot}/theme/{path...} serves the current theme files with
// ETag, Cache-Control and Content-Type; the path is the file's exact
// bytes, percent-encoded where needed (as in the stream's "url"), and goes
// through
// events.CleanPath (encoded "..", encoded slashes, backslashes and NUL are
// refused) and only files the themer knows under the bot's .gbtheme folder
// are served. A theme file named "events" at the root of the folder is
// shadowed by the stream route.
//
// GET /themer.js is the dependency-free browser client; GET /bots/{bot}/ a
// demo page that links every stylesheet of the theme and loads themer.js.
// Each link carries data-themer-path (and data-themer-path-b64 for a name
// that is not UTF-8); themer.js matches stylesheets by both.
package themer
