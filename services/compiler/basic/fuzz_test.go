package basic

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	for _, tc := range goldenCases {
		f.Add(tc.src)
	}
	for _, s := range []string{"", "\"", "${", "BEGIN TALK\n${", "IF", "((((", "#{", "{\n", "TABLE t\n", "x = 'a", "\xff\xfe", "ON x\nEND ON", "IF a {\n}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		start := time.Now()
		file, diags := Parse([]byte(src))
		if file == nil {
			t.Fatal("Parse returned a nil file")
		}
		for _, d := range diags {
			if d.Line < 1 || d.Col < 1 || d.Message == "" {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
		b, err := file.MarshalJSON()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if !json.Valid(b) {
			t.Fatalf("the AST encodes to invalid JSON: %.200s", b)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("parse took %v for %d bytes", el, len(src))
		}
	})
}

// TestLimits checks that hostile input ends in a diagnostic, not a hang,
// panic or stack overflow.
func TestLimits(t *testing.T) {
	cases := []struct {
		name string
		src  string
		lim  Limits
		want string
	}{
		{"file too large", strings.Repeat("x", 200), Limits{MaxFileSize: 100}, "larger than the 100-byte limit"},
		{"too many tokens", strings.Repeat("TALK 1\n", 100), Limits{MaxTokens: 50}, "more than 50 tokens"},
		{"deep parentheses", "x = " + strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000), Limits{}, "nesting is deeper than 64"},
		{"deep unary", "x = " + strings.Repeat("-", 10000) + "1", Limits{}, "nesting is deeper than 64"},
		{"deep NOT", "x = " + strings.Repeat("NOT ", 10000) + "1", Limits{}, "nesting is deeper than 64"},
		{"deep blocks", strings.Repeat("IF a THEN\n", 5000) + strings.Repeat("END IF\n", 5000), Limits{}, "nesting is deeper than 64"},
		{"deep maps", "x = " + strings.Repeat("#{a: ", 5000), Limits{}, "nesting is deeper than 64"},
		{"many errors", strings.Repeat(")\n", 1000), Limits{MaxErrors: 10}, "too many errors"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan []string, 1)
			go func() {
				_, diags := ParseWithLimits([]byte(tc.src), tc.lim)
				var msgs []string
				for _, d := range diags {
					msgs = append(msgs, d.Message)
				}
				done <- msgs
			}()
			select {
			case msgs := <-done:
				if !strings.Contains(strings.Join(msgs, "\n"), tc.want) {
					t.Errorf("diagnostics %q do not mention %q", msgs, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("parse did not finish")
			}
		})
	}
}
