package detector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
)

// TestIntegrationShutdownMidScan cancels the detector's context (what
// SIGTERM does through host.Serve and drivemon dev) while its initial scan
// of 4 000 files is publishing: Run must return within 5 s. A new detector
// on the same store then finishes the job: every file has exactly one
// created change in the stream, whether the first run published it or not.
func TestIntegrationShutdownMidScan(t *testing.T) {
	const files = 4000
	_, js := testinfra.JetStream(t)
	root := filepath.Join(t.TempDir(), "root")
	pkg := filepath.Join(root, "harbor.gbai")
	for i := range files {
		p := filepath.Join(pkg, fmt.Sprintf("d%02d.gbdrive", i%40), fmt.Sprintf("f%04d.txt", i))
		if i < 40 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{Dir: root, Settle: 30 * time.Millisecond}
	svc, err := New(cfg, Deps{JS: js, Log: testLog()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	for svc.Status().Published < files/10 {
		select {
		case err := <-done:
			t.Fatalf("Run ended before the scan: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	at := svc.Status()
	if at.Scanned || at.Published >= files {
		t.Fatalf("the scan ended before the cancel (%+v); the test needs more files", at)
	}
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		t.Logf("FIGURES shutdown: cancelled after %d of %d published; Run returned in %s", at.Published, files, time.Since(start).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatalf("Run did not return within 5 s of the cancel (cancelled after %d of %d published)", at.Published, files)
	}
	if svc.Status().Scanned {
		t.Error("a scan cut short by the cancel was reported complete")
	}

	runService(t, cfg, Deps{JS: js})
	rec := record(t, js, "harbor")
	created := map[string]int{}
	rec.wait(t, "a created change for every file", func(cs []events.Change) bool {
		clear(created)
		for _, c := range cs {
			if c.Op == events.OpCreated {
				created[c.Path]++
			}
		}
		return len(created) == files
	})
	time.Sleep(200 * time.Millisecond) // anything published twice would be here by now
	for _, c := range rec.all() {
		if c.Op != events.OpCreated && c.Op != events.OpTargetFound {
			t.Errorf("unexpected %s %s", c.Op, c.Path)
		}
	}
	clear(created)
	for _, c := range rec.all() {
		if c.Op == events.OpCreated {
			created[c.Path]++
		}
	}
	for p, n := range created {
		if n != 1 {
			t.Errorf("%s: %d created changes, want 1", p, n)
		}
	}
}
