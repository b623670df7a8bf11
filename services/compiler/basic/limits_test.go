package basic

import (
	"strings"
	"testing"

	"github.com/drivemon/drivemon/services/compiler/diag"
)

func messages(ds []diag.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

// TestStatementSizeLimit: a statement of exactly MaxStmtNodes expression
// nodes parses; one more is an error naming the statement, the limit and
// what to do, and the next statement is parsed as usual.
func TestStatementSizeLimit(t *testing.T) {
	lim := Limits{MaxStmtNodes: 10}
	// x, five a and four + : 10 nodes.
	if _, ds := ParseWithLimits([]byte("x = a+a+a+a+a\n"), lim); len(ds) != 0 {
		t.Errorf("10 nodes at a limit of 10: %s", messages(ds))
	}
	// The unary minus makes 11; the 11th is the last a, at 2:14.
	file, ds := ParseWithLimits([]byte("TALK 1\nx = -a+a+a+a+a\nTALK 2\n"), lim)
	want := "2:14: error: the statement at 2:1 is too large: more than 10 operands and operators; split it into several statements"
	if len(ds) != 1 || !strings.HasPrefix(ds[0].String(), want) {
		t.Errorf("11 nodes at a limit of 10: got\n%swant one diagnostic starting %q", messages(ds), want)
	}
	if len(file.Body) != 3 {
		t.Errorf("got %d statements, want 3 (the one after the large one parsed)", len(file.Body))
	}

	// The default: 8 192 terms are 16 384 nodes with the target.
	if _, ds := Parse(chain(8192)); len(ds) != 0 {
		t.Errorf("8 192 terms: %s", messages(ds))
	}
	_, ds = Parse(chain(8193))
	if len(ds) != 1 || !strings.Contains(ds[0].Message, "more than 16384 operands and operators") {
		t.Errorf("8 193 terms: got %s", messages(ds))
	}
}

// TestFileNodeLimit: a file of exactly MaxNodes nodes parses; one more
// stops the parse with one error.
func TestFileNodeLimit(t *testing.T) {
	lim := Limits{MaxNodes: 10}
	// Each TALK n is two nodes.
	if _, ds := ParseWithLimits([]byte(strings.Repeat("TALK 1\n", 5)), lim); len(ds) != 0 {
		t.Errorf("10 nodes at a limit of 10: %s", messages(ds))
	}
	file, ds := ParseWithLimits([]byte(strings.Repeat("TALK 1\n", 5)+"TALK 2, 3\nTALK 4\n"), lim)
	want := "6:1: error: the file is too large: more than 10 syntax nodes, the most the parser builds; the rest is not parsed"
	if len(ds) != 1 || ds[0].String() != want {
		t.Errorf("11 nodes at a limit of 10: got\n%swant %q", messages(ds), want)
	}
	if len(file.Body) > 6 {
		t.Errorf("parsed %d statements after the limit", len(file.Body))
	}
}
