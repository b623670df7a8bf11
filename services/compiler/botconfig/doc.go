// Package botconfig reads a bot's config.csv (the <bot>.gbot/config.csv of
// a bot package) and compares two versions of it.
//
// The format is two columns split at the first comma: values are unquoted
// and may themselves contain commas; both sides are trimmed. A header row
// name,value or key,value, blank lines, # comments and lone "," lines are
// skipped. Keys come in kebab-case (theme-color1) and Title Case (Answer
// Mode); they compare case-insensitively. Parse reports malformed lines with
// their line numbers and keeps going.
package botconfig
