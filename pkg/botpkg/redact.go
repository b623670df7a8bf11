package botpkg

import "strings"

// Redacted replaces the value of a secret setting wherever settings are
// shown: API answers, outcomes, logs.
const Redacted = "[redacted]"

// Redact is value, or Redacted when key names a secret (IsSecretKey).
func Redact(key, value string) string {
	if IsSecretKey(key) {
		return Redacted
	}
	return value
}

// redactLine hides the rest of a line that failed to parse when its first
// word names a secret ("embedding-key sk-…" typed without the comma), so
// the diagnostic quoting the line does not show the value.
func redactLine(line string) string {
	i := strings.IndexAny(line, " \t=:;")
	if i < 0 || !IsSecretKey(line[:i]) {
		return line
	}
	return line[:i] + " " + Redacted
}
