package botpkg

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Severity grades a Problem.
type Severity string

// Severities of problems.
const (
	// Error: the line (or the setting) is invalid and was not used.
	Error Severity = "error"
	// Warning: the line is used but suspicious.
	Warning Severity = "warning"
)

// Problem is one finding in a config.csv at a 1-based line and column
// (counted in Unicode code points).
type Problem struct {
	Severity Severity
	Line     int
	Col      int
	Message  string
}

// String formats the problem as line:col: severity: message.
func (p Problem) String() string {
	return fmt.Sprintf("%d:%d: %s: %s", p.Line, p.Col, p.Severity, p.Message)
}

// HasErrors reports whether any problem is an error.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == Error {
			return true
		}
	}
	return false
}

func errorf(line, col int, format string, args ...any) Problem {
	return Problem{Severity: Error, Line: line, Col: col, Message: fmt.Sprintf(format, args...)}
}

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
// line, and problems for the others: an error for a line without a comma
// or with an empty key, a warning for a repeated key.
func Parse(src []byte) (*Config, []Problem) {
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	text := string(src)
	// Sized for a usual file, bounded so a file of blank lines costs nothing.
	hint := min(bytes.Count(src, []byte("\n"))+1, 256)
	cfg := &Config{Entries: make([]Entry, 0, hint)}
	var problems []Problem
	index := make(map[string]int, hint) // lower-case key → position in Entries
	first := true
	for lineNo := 1; text != ""; lineNo++ {
		var raw string
		raw, text, _ = strings.Cut(text, "\n")
		line := strings.TrimSuffix(raw, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.Trim(trimmed, ", \t") == "" {
			continue
		}
		col := 1 + utf8.RuneCountInString(line[:len(line)-len(strings.TrimLeftFunc(line, unicode.IsSpace))])
		key, value, ok := strings.Cut(trimmed, ",")
		if !ok {
			problems = append(problems, errorf(lineNo, col, "expected `name,value`, found no comma in %q", clip(redactLine(trimmed))))
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
			problems = append(problems, errorf(lineNo, col, "expected a setting name before the comma, found an empty name"))
			continue
		}
		lk := strings.ToLower(key)
		if i, dup := index[lk]; dup {
			prev := cfg.Entries[i]
			problems = append(problems, Problem{Severity: Warning, Line: lineNo, Col: col,
				Message: fmt.Sprintf("%s is already set on line %d; this later value wins", key, prev.Line)})
			cfg.Entries = append(cfg.Entries[:i], cfg.Entries[i+1:]...)
			for k, j := range index {
				if j > i {
					index[k] = j - 1
				}
			}
		}
		index[lk] = len(cfg.Entries)
		cfg.Entries = append(cfg.Entries, Entry{Key: key, Value: value, Line: lineNo})
	}
	return cfg, problems
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
	if c == nil {
		return "", false
	}
	for _, e := range c.Entries {
		if strings.EqualFold(e.Key, key) {
			return e.Value, true
		}
	}
	return "", false
}

// Map returns the settings as a map from key (as written) to value.
func (c *Config) Map() map[string]string {
	m := map[string]string{}
	if c == nil {
		return m
	}
	for _, e := range c.Entries {
		m[e.Key] = e.Value
	}
	return m
}
