package compiler

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/pkg/events"
)

// apiDiagnostics returns a function reading the diagnostics of bot
// harbor's script path from the read API.
func apiDiagnostics(t *testing.T, u *unit, path string) func() []events.Diagnostic {
	srv := httptest.NewServer(u.svc.Routes())
	t.Cleanup(srv.Close)
	return func() []events.Diagnostic {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + "/api/bots/harbor/scripts/" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var sc struct {
			Diagnostics []events.Diagnostic `json:"diagnostics"`
		}
		if err := json.NewDecoder(res.Body).Decode(&sc); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET script: %d, %v", res.StatusCode, err)
		}
		return sc.Diagnostics
	}
}

// Issue 12: start.bas names the tool pay-fee; its warning goes when
// pay-fee.bas is created and comes back when it is deleted, as the read
// API shows, without start.bas changing.
func TestReferencesRecheckedWhenToolChanges(t *testing.T) {
	u := newUnit(t, Config{})
	const start, tool = "harbor.gbdialog/start.bas", "harbor.gbdialog/pay-fee.bas"
	diagnostics := apiDiagnostics(t, u, start)
	noTool := func(ds []events.Diagnostic) bool {
		return len(ds) == 1 && ds[0].Severity == "warning" && strings.Contains(ds[0].Message, "pay-fee")
	}

	o := u.mustRun(t, u.files.write(t, "harbor", start, "ADD TOOL \"pay-fee\"\nTALK \"hi\"\n"))
	if !noTool(o.Diagnostics) || !noTool(diagnostics()) {
		t.Fatalf("before the tool exists: outcome %+v, API %+v", o.Diagnostics, diagnostics())
	}
	u.mustRun(t, u.files.write(t, "harbor", tool, "PARAM amount AS NUMBER\nDESCRIPTION \"Pays a fee\"\nTALK amount\n"))
	if ds := diagnostics(); len(ds) != 0 {
		t.Fatalf("after pay-fee.bas is created, start.bas still has %+v", ds)
	}
	u.mustRun(t, u.files.remove(t, "harbor", tool))
	if ds := diagnostics(); !noTool(ds) {
		t.Fatalf("after pay-fee.bas is deleted, start.bas has %+v", ds)
	}
	if sc, err := u.store.Script(context.Background(), "harbor", start); err != nil || sc.Seq != 1 {
		t.Fatalf("start.bas was recompiled as a new version: %+v, %v", sc, err)
	}
}

// Issue 12: start.bas uses the knowledge base faq; its warning goes when
// faq gets its first document and comes back when its last one is
// deleted or moved away, without start.bas changing. Documents coming and
// going while others remain change nothing.
func TestReferencesRecheckedWhenKBChanges(t *testing.T) {
	u := newUnit(t, Config{})
	const start, whole = "harbor.gbdialog/start.bas", "harbor.gbdialog/all.bas"
	diagnostics := apiDiagnostics(t, u, start)
	wholeDiagnostics := apiDiagnostics(t, u, whole)
	noKB := func(ds []events.Diagnostic) bool {
		return len(ds) == 1 && ds[0].Severity == "warning" && strings.Contains(ds[0].Message, `"faq"`)
	}
	o := u.mustRun(t, u.files.write(t, "harbor", start, "USE KB \"faq\"\nTALK \"hi\"\n"))
	if !noKB(o.Diagnostics) || !noKB(diagnostics()) {
		t.Fatalf("before faq exists: outcome %+v, API %+v", o.Diagnostics, diagnostics())
	}
	if o := u.mustRun(t, u.files.write(t, "harbor", whole, "USE KB \"harbor.gbkb\"\n")); len(o.Diagnostics) != 1 {
		t.Fatalf("USE KB of the whole folder with no KB: %+v", o.Diagnostics)
	}
	steps := []struct {
		what   string
		change func() events.Change
		warned bool
	}{
		{"a document in another KB", func() events.Change { return u.files.write(t, "harbor", "harbor.gbkb/other/o.md", "o") }, true},
		{"faq's first document", func() events.Change { return u.files.write(t, "harbor", "harbor.gbkb/faq/a.md", "a") }, false},
		{"a second one", func() events.Change { return u.files.write(t, "harbor", "harbor.gbkb/faq/deep/b.md", "b") }, false},
		{"the first deleted", func() events.Change { return u.files.remove(t, "harbor", "harbor.gbkb/faq/a.md") }, false},
		{"the last deleted", func() events.Change { return u.files.remove(t, "harbor", "harbor.gbkb/faq/deep/b.md") }, true},
		{"one back", func() events.Change { return u.files.write(t, "harbor", "harbor.gbkb/faq/c.md", "c") }, false},
		{"the last moved to other", func() events.Change {
			u.files.write(t, "harbor", "harbor.gbkb/other/c.md", "c")
			u.files.remove(t, "harbor", "harbor.gbkb/faq/c.md")
			c := events.NewChange("harbor", events.OpMoved, "harbor.gbkb/other/c.md")
			c.From = "harbor.gbkb/faq/c.md"
			return c
		}, true},
	}
	for _, st := range steps {
		u.mustRun(t, st.change())
		if ds := diagnostics(); noKB(ds) != st.warned {
			t.Fatalf("after %s: start.bas has %+v, want the faq warning: %v", st.what, ds, st.warned)
		}
		if ds := wholeDiagnostics(); len(ds) != 0 {
			t.Fatalf("after %s: all.bas (the whole folder, other has documents) has %+v", st.what, ds)
		}
	}
	if sc, err := u.store.Script(context.Background(), "harbor", start); err != nil || sc.Seq != 1 {
		t.Fatalf("start.bas was recompiled as a new version: %+v, %v", sc, err)
	}
}
