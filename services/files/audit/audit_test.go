package audit_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/files/audit"
)

func change(path string) events.Change {
	c := events.NewChange("harbor", events.OpUpdated, path)
	c.ETag, c.Size, c.Source, c.DetectedBy = "e1", 3, events.SourceDir, events.DetectedByWatch
	return c
}

func TestDaysAndFormats(t *testing.T) {
	dir := t.TempDir()
	l, err := audit.New(audit.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	day1 := time.Date(2026, 11, 20, 23, 59, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Minute)
	if err := l.Change(change("harbor.gbdialog/start.bas"), day1, 1); err != nil {
		t.Fatal(err)
	}
	if err := l.Change(change("harbor.gbkb/faq/a b.md"), day2, 2); err != nil {
		t.Fatal(err)
	}
	o := events.OutcomeFor("compiler", &events.Change{Bot: "harbor", Path: "harbor.gbdialog/start.bas", ETag: "e1"})
	o.Status, o.Error = events.StatusFailed, "line 3: boom"
	if err := l.Outcome(o, day2, 3); err != nil {
		t.Fatal(err)
	}
	bad := change("x.bas")
	bad.Bot = "../../etc"
	if err := l.Change(bad, day2, 4); err == nil {
		t.Fatal("wrote an audit line for a bot name that leaves the directory")
	}
	l.Close()
	d1, _ := os.ReadFile(filepath.Join(dir, "harbor", "2026-11-20.log"))
	d2, _ := os.ReadFile(filepath.Join(dir, "harbor", "2026-11-21.log"))
	if !strings.Contains(string(d1), "seq=1 change harbor updated harbor.gbdialog/start.bas etag=e1") || strings.Count(string(d1), "\n") != 1 {
		t.Fatalf("day 1 log:\n%s", d1)
	}
	if !strings.Contains(string(d2), `change harbor updated "harbor.gbkb/faq/a b.md"`) || !strings.Contains(string(d2), `outcome harbor compiler failed harbor.gbdialog/start.bas etag=e1 error="line 3: boom"`) {
		t.Fatalf("day 2 log:\n%s", d2)
	}

	jdir := t.TempDir()
	jl, _ := audit.New(audit.Config{Dir: jdir, Format: audit.FormatJSON})
	jl.Change(change("harbor.gbdialog/start.bas"), day1, 7)
	jl.Close()
	data, err := os.ReadFile(filepath.Join(jdir, "harbor", "2026-11-20.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var line struct {
		Seq    uint64
		Type   string
		Change events.Change
	}
	if err := json.Unmarshal(data, &line); err != nil || line.Seq != 7 || line.Type != "change" || line.Change.Path != "harbor.gbdialog/start.bas" {
		t.Fatalf("JSON line %s: %v", data, err)
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	l, _ := audit.New(audit.Config{Dir: dir, MaxMB: 1, MaxBackups: 2})
	day := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	long := "harbor.gbdrive/" + strings.Repeat("x", 200) + ".txt"
	for i := range 12000 { // ~3 MB
		if err := l.Change(change(long), day, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	// Old backups are removed in the background: allow it a moment.
	var entries []os.DirEntry
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		entries, _ = os.ReadDir(filepath.Join(dir, "harbor"))
		if len(entries) == 3 || time.Now().After(deadline) {
			break
		}
	}
	if len(entries) != 3 { // the current file and MaxBackups rotated ones
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("files after rotation: %v", names)
	}
	for _, e := range entries {
		fi, _ := e.Info()
		if fi.Size() > 1<<20 {
			t.Fatalf("%s is %d bytes, over the 1 MB limit", e.Name(), fi.Size())
		}
	}
}

func TestIntegrationAuditConsumers(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	l, _ := audit.New(audit.Config{Dir: dir})
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, js, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	c := change("harbor.gbdialog/start.bas")
	if _, err := bus.Publish(ctx, js, &c); err != nil {
		t.Fatal(err)
	}
	o := events.OutcomeFor("compiler", &c)
	o.Status = events.StatusOK
	if err := bus.PublishOutcome(ctx, js, &o); err != nil {
		t.Fatal(err)
	}
	today := filepath.Join(dir, "harbor", time.Now().UTC().Format("2006-01-02")+".log")
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(today)
		if strings.Contains(string(data), " change harbor updated ") && strings.Contains(string(data), " outcome harbor compiler ok ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit log after 10 s:\n%s", data)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
