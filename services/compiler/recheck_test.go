package compiler

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
)

// Issue 12: start.bas names the tool pay-fee; its warning goes when
// pay-fee.bas is created and comes back when it is deleted, as the read
// API shows, without start.bas changing.
func TestReferencesRecheckedWhenToolChanges(t *testing.T) {
	u := newUnit(t, Config{InventoryTTL: time.Nanosecond})
	const start, tool = "harbor.gbdialog/start.bas", "harbor.gbdialog/pay-fee.bas"
	srv := httptest.NewServer(u.svc.Routes())
	defer srv.Close()
	diagnostics := func() []events.Diagnostic {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + "/api/bots/harbor/scripts/" + start)
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
