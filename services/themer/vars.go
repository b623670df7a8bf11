package themer

import (
	"maps"
	"strconv"
	"strings"

	"github.com/drivemon/drivemon/pkg/botpkg"
)

// Values are the theme settings of one bot: botpkg.ThemeKeys to their raw
// values; the variable of key k is "--" + k on :root.
type Values map[string]string

// Equal reports whether two value sets hold the same settings.
func (v Values) Equal(o Values) bool { return maps.Equal(v, o) }

// CSSVars turns the settings into CSS custom properties for :root. Colours
// are kept only when they consist of colour syntax alone (letters, digits,
// '#', '(', ')', ',', '.', '%', '/', '-', '+' and spaces, at most 64 bytes),
// so a setting cannot smuggle other declarations in; the logo becomes
// url("…") and the texts CSS strings. Empty settings are left out.
func (v Values) CSSVars() map[string]string {
	out := map[string]string{}
	for _, k := range []string{botpkg.ThemeColor1, botpkg.ThemeColor2} {
		if c := v[k]; c != "" && isColor(c) {
			out["--"+k] = c
		}
	}
	if l := v[botpkg.ThemeLogo]; l != "" {
		out["--"+botpkg.ThemeLogo] = "url(" + cssString(l) + ")"
	}
	for _, k := range []string{botpkg.ThemeTitle, botpkg.ThemeLogoText} {
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
