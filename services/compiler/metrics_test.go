package compiler

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/host"
)

// TestIntegrationProcessedMetrics runs a compiler with the metrics hook
// its main wires, compiles a change that fails once, and scrapes /metrics:
// one retry and one success under the change's bot and kind.
func TestIntegrationProcessedMetrics(t *testing.T) {
	r := newRig(t, openSQLite(t))
	var failures atomic.Int32
	failures.Store(1)
	r.files.setFailing(func(bot, path string) error {
		if failures.Add(-1) >= 0 {
			return errors.New("storage down")
		}
		return nil
	})
	m := host.NewMetrics()
	svc, err := New(testConfig(), Deps{JS: r.js, Storage: r.files, Store: r.store, Observe: m.Observer(Name)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	c := r.publish(t, r.files.write(t, "harbor", "harbor.gbdialog/start.bas", "TALK \"hi\"\n"))
	firstFailure(t, r.outcome(t, c.Seq))
	if o := r.outcome(t, c.Seq); o.Status != events.StatusOK {
		t.Fatalf("outcome %+v", o)
	}

	srv := httptest.NewServer(host.Handler(svc.Routes(), nil, m))
	defer srv.Close()
	want := []string{
		`drivemon_changes_processed_total{bot="harbor",kind="dialog",result="retry",service="compiler"} 1`,
		`drivemon_changes_processed_total{bot="harbor",kind="dialog",result="ok",service="compiler"} 1`,
		`drivemon_processing_seconds_count{kind="dialog",service="compiler"} 2`,
	}
	var body string
	// The worker reports a message after acknowledging it, just after
	// the outcome was published.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := srv.Client().Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body = string(b); containsLines(body, want) {
			return
		}
	}
	t.Fatalf("/metrics lacks some of\n%s\ngot:\n%s", strings.Join(want, "\n"), body)
}

func containsLines(body string, lines []string) bool {
	for _, l := range lines {
		if !strings.Contains(body, l+"\n") {
			return false
		}
	}
	return true
}
