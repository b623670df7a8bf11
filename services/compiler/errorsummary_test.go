package compiler

import (
	"testing"

	"github.com/drivemon/drivemon/services/compiler/diag"
)

func TestErrorSummary(t *testing.T) {
	warn := diag.Warningf(1, 1, "odd")
	first := diag.Errorf(2, 8, "expected an expression, found %q", "THEN")
	for _, tt := range []struct {
		ds   []diag.Diagnostic
		want string
	}{
		{nil, ""},
		{[]diag.Diagnostic{warn}, ""},
		{[]diag.Diagnostic{warn, first}, `1 error, at 2:8: error: expected an expression, found "THEN"`},
		{[]diag.Diagnostic{first, warn, diag.Errorf(5, 1, "later")}, `2 errors, the first at 2:8: error: expected an expression, found "THEN"`},
	} {
		if got := errorSummary(tt.ds); got != tt.want {
			t.Errorf("errorSummary(%v) = %q, want %q", tt.ds, got, tt.want)
		}
	}
}
