package botconfig

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/drivemon/drivemon/services/compiler/diag"
)

// Entry is one setting with the line it came from.
type Entry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Line  int    `json:"line"`
}

// Config is a parsed config.csv: its settings in file order, one per key
// (when a key repeats, the last value wins and keeps the last position).
type Config struct {
	Entries []Entry `json:"entries"`
}

// Parse reads a config.csv. It always returns a Config with every valid
// line, and diagnostics for the others: an error for a line without a
// comma or with an empty key, a warning for a repeated key.
func Parse(src []byte) (*Config, []diag.Diagnostic) {
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	cfg := &Config{Entries: []Entry{}}
	var diags []diag.Diagnostic
	index := map[string]int{} // lower-case key → position in Entries
	first := true
	for n, raw := range strings.Split(string(src), "\n") {
		lineNo := n + 1
		line := strings.TrimSuffix(raw, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.Trim(trimmed, ", \t") == "" {
			continue
		}
		col := 1 + utf8.RuneCountInString(line[:len(line)-len(strings.TrimLeftFunc(line, unicode.IsSpace))])
		key, value, ok := strings.Cut(trimmed, ",")
		if !ok {
			diags = append(diags, diag.Errorf(lineNo, col, "expected `name,value`, found no comma in %q", clip(trimmed)))
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if first {
			first = false
			if isHeader(key, value) {
				continue
			}
		}
		if key == "" {
			diags = append(diags, diag.Errorf(lineNo, col, "expected a setting name before the comma, found an empty name"))
			continue
		}
		e := Entry{Key: key, Value: value, Line: lineNo}
		if i, dup := index[strings.ToLower(key)]; dup {
			prev := cfg.Entries[i]
			diags = append(diags, diag.Warningf(lineNo, col, "%s is already set on line %d; this later value wins", key, prev.Line))
			cfg.Entries = append(cfg.Entries[:i], cfg.Entries[i+1:]...)
			for k, j := range index {
				if j > i {
					index[k] = j - 1
				}
			}
		}
		index[strings.ToLower(key)] = len(cfg.Entries)
		cfg.Entries = append(cfg.Entries, e)
	}
	return cfg, diags
}

// isHeader reports whether a first line is the name,value / key,value header.
func isHeader(key, value string) bool {
	k := strings.ToLower(key)
	return (k == "name" || k == "key") && strings.EqualFold(value, "value")
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// Get returns the value of a key, compared case-insensitively.
func (c *Config) Get(key string) (string, bool) {
	for _, e := range c.Entries {
		if strings.EqualFold(e.Key, key) {
			return e.Value, true
		}
	}
	return "", false
}

// Map returns the settings as a map from key (as written) to value.
func (c *Config) Map() map[string]string {
	m := make(map[string]string, len(c.Entries))
	for _, e := range c.Entries {
		m[e.Key] = e.Value
	}
	return m
}

// withPrefix returns the settings whose key starts with prefix (any case),
// keyed by the lower-case key with the prefix kept or cut.
func (c *Config) withPrefix(prefix string, cut bool) map[string]string {
	m := map[string]string{}
	for _, e := range c.Entries {
		k := strings.ToLower(e.Key)
		if strings.HasPrefix(k, prefix) && len(k) > len(prefix) {
			if cut {
				k = strings.TrimPrefix(k, prefix)
			}
			m[k] = e.Value
		}
	}
	return m
}

// Theme keys upstream turns into CSS variables.
const (
	ThemeColor1   = "theme-color1"
	ThemeColor2   = "theme-color2"
	ThemeLogo     = "theme-logo"
	ThemeTitle    = "theme-title"
	ThemeLogoText = "theme-logo-text"
)

// Theme returns every theme-* setting (theme-color1, theme-color2,
// theme-logo, theme-title, theme-logo-text and any other theme-* key),
// keyed by the lower-case key.
func (c *Config) Theme() map[string]string { return c.withPrefix("theme-", false) }

// Params returns the param-* settings, which become script variables, keyed
// by the lower-case name after "param-" (param-city → city).
func (c *Config) Params() map[string]string { return c.withPrefix("param-", true) }
