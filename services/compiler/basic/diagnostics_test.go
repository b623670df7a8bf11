package basic

import (
	"fmt"
	"strings"
	"testing"
)

// TestDiagnostics pins the position and wording of common mistakes, and
// that one mistake gives one diagnostic (recovery does not cascade).
func TestDiagnostics(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      []string // "line:col: message" prefixes, in order
	}{
		{"missing operand before THEN", "TALK \"hello\"\nIF x = THEN\n  TALK \"y\"\nEND IF\n", []string{`2:8: expected an expression, found "THEN"`}},
		{"missing THEN", "IF x = 1\n  TALK \"y\"\nEND IF\n", []string{"1:9: expected THEN after the IF condition"}},
		{"AND is no variable", "y = AND\n", []string{`1:5: expected an expression, found "AND"`}},
		{"step is a variable", "step = 1\nstep = step + 1\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse([]byte(tt.src))
			var got []string
			for _, d := range diags {
				got = append(got, fmt.Sprintf("%d:%d: %s", d.Line, d.Col, d.Message))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("diagnostics %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Fatalf("diagnostic %q, want %q", got[i], tt.want[i])
				}
			}
		})
	}
}
