package basic

import (
	"fmt"

	"github.com/drivemon/drivemon/services/compiler/diag"
)

// reporter collects diagnostics and stops the parse after too many errors.
type reporter struct {
	diags   []diag.Diagnostic
	errors  int
	max     int
	stopped bool
	// demote turns errors into warnings (for interpolations in text blocks).
	demote bool
	// silent drops everything (for interpolations in string literals).
	silent bool
	failed bool
	seen   map[Pos]bool // positions that already have an error
}

func (r *reporter) add(sev diag.Severity, p Pos, format string, args ...any) {
	if sev == diag.Error {
		r.failed = true
	}
	if r.silent || r.stopped {
		return
	}
	if r.demote && sev == diag.Error {
		sev = diag.Warning
	}
	if sev == diag.Error {
		if r.seen[p] {
			return // one error per position: later ones are consequences
		}
		if r.seen == nil {
			r.seen = map[Pos]bool{}
		}
		r.seen[p] = true
		r.errors++
		if r.errors > r.max {
			r.stopped = true
			r.diags = append(r.diags, diag.Errorf(p.Line, p.Col, "too many errors (more than %d); stopping here", r.max))
			return
		}
	}
	r.diags = append(r.diags, diag.Diagnostic{Severity: sev, Line: p.Line, Col: p.Col, Message: fmt.Sprintf(format, args...)})
}

func (r *reporter) errorf(p Pos, format string, args ...any) { r.add(diag.Error, p, format, args...) }

func (r *reporter) warnf(p Pos, format string, args ...any) { r.add(diag.Warning, p, format, args...) }
