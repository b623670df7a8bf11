package compiler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/compiler/store"
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

// readCounter counts the store reads a knowledge base appearing or going
// may make: every artefact of the bot, or its references of a kind.
type readCounter struct {
	store.Store
	effects, references atomic.Int64
}

func (c *readCounter) Effects(ctx context.Context, bot string) (*store.BotEffects, error) {
	c.effects.Add(1)
	return c.Store.Effects(ctx, bot)
}

func (c *readCounter) References(ctx context.Context, bot, kind string) ([]store.RefRow, error) {
	c.references.Add(1)
	return c.Store.References(ctx, bot, kind)
}

// A KB change reads the bot's KB references, once, only when its
// knowledge base may have appeared or gone (on every change while the
// store does not know the bot's knowledge bases), and never the bot's
// other artefacts: its cost does not grow with the bot's dialogs (the
// 100 000-object start re-read every schedule on each of its 5 000
// documents).
func TestKBChangeReadsOnlyKBReferences(t *testing.T) {
	u := newUnit(t, Config{})
	reads := &readCounter{Store: u.store}
	svc, err := New(Config{}, Deps{JS: settingsOnly{KVEnsurer: u.js}, Storage: u.files, Store: reads})
	if err != nil {
		t.Fatal(err)
	}
	u.svc = svc
	for i := range 3 {
		u.mustRun(t, u.files.write(t, "harbor", fmt.Sprintf("harbor.gbdialog/tool%d.bas", i), "PARAM city AS STRING\nDESCRIPTION \"Weather\"\nSET SCHEDULE \"0 8 * * *\"\n"))
	}
	step := func(what string, c events.Change, wantRefs int64) {
		t.Helper()
		reads.effects.Store(0)
		reads.references.Store(0)
		u.mustRun(t, c)
		if e, r := reads.effects.Load(), reads.references.Load(); e != 0 || r != wantRefs {
			t.Fatalf("%s: %d reads of every artefact, %d of the KB references; want 0 and %d", what, e, r, wantRefs)
		}
	}
	// The store does not know harbor's knowledge bases: every change may
	// have made one appear or go.
	step("faq's first document, KBs unknown", u.files.write(t, "harbor", "harbor.gbkb/faq/a.md", "a"), 1)
	step("a second one, KBs unknown", u.files.write(t, "harbor", "harbor.gbkb/faq/b.md", "b"), 1)
	step("one deleted, KBs unknown", u.files.remove(t, "harbor", "harbor.gbkb/faq/a.md"), 1)
	if _, known, err := u.store.KBNames(context.Background(), "harbor"); err != nil || known {
		t.Fatalf("KBNames known = %v, %v before any script names a KB", known, err)
	}
	// A script naming a KB makes the store list them (SeedKBs).
	if o := u.mustRun(t, u.files.write(t, "harbor", "harbor.gbdialog/start.bas", "USE KB \"faq\"\n")); len(o.Diagnostics) != 0 {
		t.Fatalf("start.bas with faq present: %+v", o.Diagnostics)
	}
	step("faq gets another document", u.files.write(t, "harbor", "harbor.gbkb/faq/c.md", "c"), 0)
	step("manuals' first document", u.files.write(t, "harbor", "harbor.gbkb/manuals/m.md", "m"), 1)
	step("manuals' second", u.files.write(t, "harbor", "harbor.gbkb/manuals/n.md", "n"), 0)
	step("faq loses one of two", u.files.remove(t, "harbor", "harbor.gbkb/faq/b.md"), 0)
	step("faq loses its last", u.files.remove(t, "harbor", "harbor.gbkb/faq/c.md"), 1)
	if sc, err := u.store.Script(context.Background(), "harbor", "harbor.gbdialog/start.bas"); err != nil || len(sc.Diagnostics) != 1 {
		t.Fatalf("start.bas after faq's last document went: %+v, %v", sc, err)
	}
}
