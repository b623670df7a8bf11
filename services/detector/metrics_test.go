package detector

import (
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/host"
)

// TestIntegrationDetectedMetrics runs a detector with the metrics hook its
// main wires and scrapes /metrics: every published change is counted once
// under its bot, kind, op and detection.
func TestIntegrationDetectedMetrics(t *testing.T) {
	_, js := testinfra.JetStream(t)
	root := filepath.Join(t.TempDir(), "root")
	write(t, filepath.Join(root, "harbor.gbai", "harbor.gbdialog", "start.bas"), "TALK \"hi\"\n")
	rec := record(t, js, "harbor")
	m := host.NewMetrics()
	svc := runService(t, Config{Dir: root, Settle: 30 * time.Millisecond}, Deps{JS: js, Detected: m.ChangeDetected})
	<-svc.Scanned()
	write(t, filepath.Join(root, "harbor.gbai", "harbor.gbkb", "docs", "a.txt"), "hello")
	rec.waitOp(t, events.OpCreated, "harbor.gbkb/docs/a.txt")

	want := map[string]int{}
	for _, c := range rec.all() {
		want[fmt.Sprintf(`drivemon_changes_detected_total{bot=%q,detected_by=%q,kind=%q,op=%q}`, c.Bot, c.DetectedBy, c.Kind, c.Op)]++
	}
	if len(want) < 2 {
		t.Fatalf("want changes of two kinds at least, recorded:\n%s", dump(rec.all()))
	}
	srv := httptest.NewServer(host.Handler(svc.Routes(), nil, m))
	defer srv.Close()
	var body string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := srv.Client().Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		missing := ""
		for series, n := range want {
			if line := fmt.Sprintf("%s %d", series, n); !strings.Contains(body, line+"\n") {
				missing = line
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %s; recorded:\n%s\nmetrics:\n%s", missing, dump(rec.all()), grep(body, "drivemon_changes_detected"))
		}
	}
	if !strings.Contains(body, `kind="kb",op="created"`) {
		t.Fatalf("the KB document's creation is not counted:\n%s", grep(body, "drivemon_changes_detected"))
	}
}

func grep(body, prefix string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
