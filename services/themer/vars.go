package themer

import (
	"bufio"
	"bytes"
	"maps"
	"strconv"
	"strings"
)

// ThemeKeys are the config.csv settings that become CSS variables; the
// variable of key k is "--" + k on :root.
var ThemeKeys = []string{"theme-color1", "theme-color2", "theme-logo", "theme-title", "theme-logo-text"}

// Values are the theme settings of one bot: ThemeKeys to their raw values.
type Values map[string]string

// ParseThemeValues reads the theme keys out of a config.csv: two columns
// split at the first comma (values may hold commas), both sides trimmed;
// blank lines, "#" comments, lone "," lines and a "name,value" or
// "key,value" header are skipped. Keys match case-insensitively; the last
// occurrence of a key wins. Other keys are ignored.
func ParseThemeValues(data []byte) Values {
	v := Values{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\uFEFF"))
		if line == "" || line == "," || strings.HasPrefix(line, "#") {
			continue
		}
		k, val, ok := strings.Cut(line, ",")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if isThemeKey(k) {
			v[k] = strings.TrimSpace(val)
		}
	}
	return v
}

func isThemeKey(k string) bool {
	for _, t := range ThemeKeys {
		if k == t {
			return true
		}
	}
	return false
}

// Equal reports whether two value sets hold the same settings.
func (v Values) Equal(o Values) bool { return maps.Equal(v, o) }

// CSSVars turns the settings into CSS custom properties for :root. Colours
// are kept only when they consist of colour syntax alone (letters, digits,
// '#', '(', ')', ',', '.', '%', '/', '-', '+' and spaces, at most 64 bytes),
// so a setting cannot smuggle other declarations in; the logo becomes
// url("…") and the texts CSS strings. Empty settings are left out.
func (v Values) CSSVars() map[string]string {
	out := map[string]string{}
	for _, k := range []string{"theme-color1", "theme-color2"} {
		if c := v[k]; c != "" && isColor(c) {
			out["--"+k] = c
		}
	}
	if l := v["theme-logo"]; l != "" {
		out["--theme-logo"] = "url(" + cssString(l) + ")"
	}
	for _, k := range []string{"theme-title", "theme-logo-text"} {
		if t := v[k]; t != "" {
			out["--"+k] = cssString(t)
		}
	}
	return out
}

func isColor(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("#(),.%/-+ ", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// cssString quotes s as a CSS string. Quotes, backslashes, control
// characters and '<' (so the value is also safe inside a <style> element)
// are written as CSS escapes.
func cssString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '<' || r == '>' || r < 0x20 || r == 0x7f:
			if r == 0 {
				r = 0xfffd // CSS forbids NUL, even escaped
			}
			b.WriteByte('\\')
			b.WriteString(strconv.FormatInt(int64(r), 16))
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
