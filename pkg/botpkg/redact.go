package botpkg

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
