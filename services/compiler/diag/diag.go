package diag

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/drivemon/drivemon/pkg/botpkg"
)

// Severity grades a diagnostic.
type Severity string

const (
	// Error marks a problem that makes the file (or a part of it) invalid.
	Error Severity = "error"
	// Warning marks a suspicious construct that still compiles.
	Warning Severity = "warning"
)

// Diagnostic is one finding at a source position. Line and Col are 1-based;
// Col counts Unicode code points.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Line     int      `json:"line"`
	Col      int      `json:"col"`
	Message  string   `json:"message"`
}

// String formats the diagnostic as line:col: severity: message.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%d:%d: %s: %s", d.Line, d.Col, d.Severity, d.Message)
}

// Errorf builds an error diagnostic.
func Errorf(line, col int, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Error, Line: line, Col: col, Message: fmt.Sprintf(format, args...)}
}

// Warningf builds a warning diagnostic.
func Warningf(line, col int, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: Warning, Line: line, Col: col, Message: fmt.Sprintf(format, args...)}
}

// HasErrors reports whether any diagnostic is an error.
func HasErrors(ds []Diagnostic) bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == Error })
}

// Count returns the number of diagnostics with the given severity.
func Count(ds []Diagnostic, s Severity) int {
	n := 0
	for _, d := range ds {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Sort orders diagnostics by position, errors before warnings at the same
// position; equal diagnostics keep their relative order.
func Sort(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col), cmp.Compare(a.Severity, b.Severity))
	})
}

// FromConfig turns the problems botpkg finds in a config.csv into
// diagnostics, in the same order.
func FromConfig(ps []botpkg.Problem) []Diagnostic {
	ds := make([]Diagnostic, 0, len(ps))
	for _, p := range ps {
		ds = append(ds, Diagnostic{Severity: Severity(p.Severity), Line: p.Line, Col: p.Col, Message: p.Message})
	}
	return ds
}
