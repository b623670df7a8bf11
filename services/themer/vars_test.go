package themer

import (
	"testing"
)

func TestCSSVars(t *testing.T) {
	tests := []struct {
		name   string
		values Values
		want   map[string]string
	}{
		{
			name:   "colours kept",
			values: Values{"theme-color1": "#0a7", "theme-color2": "rgb(1, 2, 3)"},
			want:   map[string]string{"--theme-color1": "#0a7", "--theme-color2": "rgb(1, 2, 3)"},
		},
		{
			name:   "a colour smuggling declarations is dropped",
			values: Values{"theme-color1": "red; background: url(x)", "theme-color2": "red}body{x:y"},
			want:   map[string]string{},
		},
		{
			name:   "logo becomes url, texts become strings",
			values: Values{"theme-logo": "https://x/l.png", "theme-title": "Harbor", "theme-logo-text": "H"},
			want:   map[string]string{"--theme-logo": `url("https://x/l.png")`, "--theme-title": `"Harbor"`, "--theme-logo-text": `"H"`},
		},
		{
			name:   "quotes, backslashes and tags escaped",
			values: Values{"theme-title": "a\"b\\c</style>"},
			want:   map[string]string{"--theme-title": `"a\22 b\5c c\3c /style\3e "`},
		},
		{
			name:   "control characters escaped, NUL replaced",
			values: Values{"theme-title": "a\nb\x00"},
			want:   map[string]string{"--theme-title": `"a\a b\fffd "`},
		},
		{name: "empty values left out", values: Values{"theme-color1": "", "theme-title": ""}, want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.values.CSSVars()
			if len(got) != len(tt.want) {
				t.Fatalf("CSSVars = %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
