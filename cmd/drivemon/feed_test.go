package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

func change(bot, path string, seq uint64) events.Change {
	c := events.NewChange(bot, events.OpCreated, path)
	c.ETag, c.Seq, c.ID = fmt.Sprintf("e%d", seq), seq, fmt.Sprintf("id%d", seq)
	return c
}

func compiled(c events.Change, diags ...events.Diagnostic) events.Outcome {
	o := events.OutcomeFor("compiler", &c)
	o.Status, o.Diagnostics = events.StatusOK, diags
	return o
}

func statusOf(t *testing.T, f *feed, key string) fileStatus {
	t.Helper()
	for _, st := range f.snapshot() {
		if events.Key(st.Bot, st.Path) == key {
			return st
		}
	}
	t.Fatalf("%s not in the snapshot", key)
	return fileStatus{}
}

// TestFeedOrdersBySequence: outcomes are placed by their change's stream
// sequence, not by arrival.
func TestFeedOrdersBySequence(t *testing.T) {
	var out syncBuffer
	f := newFeed(&out, func(string) (string, error) { return "", fmt.Errorf("no folder") }, newProgress(&out))
	const key = "harbor/harbor.gbdialog/start.bas"
	c1, c2 := change("harbor", "harbor.gbdialog/start.bas", 10), change("harbor", "harbor.gbdialog/start.bas", 20)

	// The outcome overtakes its change (both history): kept.
	f.outcome(compiled(c1), false)
	f.change(c1, false)
	if st := statusOf(t, f, key); st.Status != statusOK || st.Outcomes["compiler"].ChangeSeq != 10 {
		t.Fatalf("outcome before its change: %+v", st)
	}
	// The next change drops it (pending); an outcome of the older change
	// arriving late does not come back.
	f.change(c2, false)
	f.outcome(compiled(c1), false)
	if st := statusOf(t, f, key); st.Status != statusPending || len(st.Outcomes) != 0 {
		t.Fatalf("after a newer change: %+v", st)
	}
	// A compile error makes the file red whatever the outcome's status.
	f.outcome(compiled(c2, events.Diagnostic{Severity: "warning", Line: 1, Col: 1, Message: "w"}, events.Diagnostic{Severity: "error", Line: 2, Col: 8, Message: "e"}), false)
	if st := statusOf(t, f, key); st.Status != statusError || st.Errors != 1 || st.Warnings != 1 {
		t.Fatalf("with an error diagnostic: %+v", st)
	}

	// Live: an outcome ahead of its change is printed after it.
	c3 := change("harbor", "harbor.gbdialog/start.bas", 30)
	f.outcome(compiled(c3), true)
	if strings.Contains(out.String(), "compiled") {
		t.Fatalf("printed before its change:\n%s", out.String())
	}
	f.change(c3, true)
	log := out.String()
	created, done := strings.Index(log, "created  harbor.gbdialog/start.bas\n"), strings.Index(log, "start.bas  compiled")
	if created < 0 || done < created {
		t.Fatalf("log order:\n%s", log)
	}
}

// TestFeedFailureLines: a failing file is one line when it first fails,
// not one per try.
func TestFeedFailureLines(t *testing.T) {
	var out syncBuffer
	f := newFeed(&out, func(string) (string, error) { return "", fmt.Errorf("no folder") }, newProgress(&out))
	c := change("harbor", "harbor.gbkb/faq/a.md", 5)
	c.Kind = events.KindKB
	f.change(c, true)
	for attempt := 1; attempt <= 3; attempt++ {
		o := events.OutcomeFor("indexer", &c)
		o.Status, o.Error, o.Attempt = events.StatusFailed, "pdf: missing %EOF", attempt
		f.outcome(o, true)
	}
	if n := strings.Count(out.String(), "indexer failed: pdf: missing %EOF (retrying)"); n != 1 {
		t.Fatalf("%d failure lines, want 1:\n%s", n, out.String())
	}
}

// TestIntegrationFeedRestart: after a restart the feed rebuilds every
// file's outcome from the streams, whichever of its two readers runs
// ahead (issue 19: 190–479 of 5 001 files lost theirs).
func TestIntegrationFeedRestart(t *testing.T) {
	const n = 5000
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := range n {
		c := events.NewChange(fmt.Sprintf("bot%d", i%50), events.OpCreated, fmt.Sprintf("bot%d.gbdialog/f%d.bas", i%50, i))
		c.ETag, c.Source, c.DetectedBy = fmt.Sprintf("e%d", i), events.SourceDir, events.DetectedByWatch
		ack, err := bus.Publish(ctx, js, &c)
		if err != nil {
			t.Fatal(err)
		}
		c.Seq = ack.Sequence
		o := compiled(c)
		if err := bus.PublishOutcome(ctx, js, &o); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 3 { // three restarts
		var out syncBuffer
		f := newFeed(&out, func(string) (string, error) { return "", fmt.Errorf("no folder") }, newProgress(&out))
		if err := f.start(ctx, js); err != nil {
			t.Fatal(err)
		}
		var ok, seen int
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
			ok, seen = 0, 0
			for _, st := range f.snapshot() {
				seen++
				if st.Status == statusOK {
					ok++
				}
			}
			if ok == n || time.Now().After(deadline) {
				break
			}
		}
		fctx, stop := context.WithCancel(ctx)
		stop()
		f.run(fctx)
		if ok != n || seen != n {
			t.Fatalf("restart %d: %d files, %d with their outcome; want %d and %d", round, seen, ok, n, n)
		}
		if out.String() != "" {
			t.Fatalf("restart %d printed the history:\n%s", round, out.String())
		}
	}
}

// TestIntegrationFeedGivenUp: a change a consumer gives up on is one
// line with the reason and the tries, printed as written.
func TestIntegrationFeedGivenUp(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out syncBuffer
	f := newFeed(&out, func(string) (string, error) { return "", fmt.Errorf("no folder") }, newProgress(&out))
	if err := f.start(ctx, js); err != nil {
		t.Fatal(err)
	}
	defer func() {
		fctx, stop := context.WithCancel(ctx)
		stop()
		f.run(fctx)
	}()
	c := events.NewChange("harbor", events.OpCreated, "harbor.gbkb/faq/broken.pdf")
	c.ETag, c.Source, c.DetectedBy = "e1", events.SourceDir, events.DetectedByWatch
	data, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	dl := nats.NewMsg(events.DeadSubject("indexer", events.ChangeSubject(&c)))
	dl.Data = data
	dl.Header.Set(worker.HeaderError, "not a PDF file: missing %EOF")
	dl.Header.Set(worker.HeaderDeliveries, "10")
	dl.Header.Set(worker.HeaderConsumer, "indexer")
	if _, err := js.PublishMsg(ctx, dl); err != nil {
		t.Fatal(err)
	}
	want := "harbor       created  harbor.gbkb/faq/broken.pdf  given up by indexer after 10 tries: not a PDF file: missing %EOF\n"
	eventually(t, "the given-up line", func() bool { return strings.Contains(out.String(), want) })
}
