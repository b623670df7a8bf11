package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// TestBacklogHoldsTheReadyLine: the indexer's consumer holds changes a
// killed replica had pulled and not acknowledged (and the stream ends
// with a change of another kind). The scan is done and this run saw no
// change, yet the ready line waits until the last of them is
// acknowledged; a compiler consumer with nothing outstanding and an
// absent one hold nothing.
func TestBacklogHoldsTheReadyLine(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, bus.IndexerConsumer())
	if err != nil {
		t.Fatal(err)
	}
	compiler, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, bus.CompilerConsumer())
	if err != nil {
		t.Fatal(err)
	}
	publish := func(path string) uint64 {
		c := events.NewChange("harbor", events.OpCreated, path)
		c.ETag, c.Source, c.DetectedBy = "e-"+path, events.SourceDir, events.DetectedByWatch
		msg, err := bus.ChangeMsg(&c)
		if err != nil {
			t.Fatal(err)
		}
		ack, err := js.PublishMsg(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		return ack.Sequence
	}
	var lastKB uint64
	for _, p := range []string{"harbor.gbkb/faq/a.md", "harbor.gbkb/faq/b.md", "harbor.gbkb/faq/c.md"} {
		lastKB = publish(p)
	}
	publish("harbor.gbtheme/main.css") // the stream's last change, not the indexer's
	batch, err := cons.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var pulled []jetstream.Msg // the killed replica's: never acknowledged by it
	for m := range batch.Messages() {
		pulled = append(pulled, m)
	}
	if len(pulled) != 3 {
		t.Fatalf("pulled %d changes, want 3", len(pulled))
	}

	// The compiler learns KB names from the same changes: it has
	// acknowledged them, so it holds nothing.
	cbatch, err := compiler.Fetch(3, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	acked := 0
	for m := range cbatch.Messages() {
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
		acked++
	}
	if acked != 3 {
		t.Fatalf("the compiler acknowledged %d changes, want 3", acked)
	}

	bl, err := newBacklog(ctx, js, bus.ConsumerCompiler, bus.ConsumerIndexer, "absent")
	if err != nil {
		t.Fatal(err)
	}
	if len(bl.upTo) != 1 || bl.upTo[bus.ConsumerIndexer] != lastKB {
		t.Fatalf("backlog %v, want indexer up to %d", bl.upTo, lastKB)
	}
	var out bytes.Buffer
	p := newProgress(&out)
	p.backlogLeft = true
	p.scanned()
	go bl.watch(ctx, 20*time.Millisecond, p.backlogDrained)

	for i, m := range pulled {
		time.Sleep(200 * time.Millisecond)
		p.mu.Lock()
		printed := out.String()
		p.mu.Unlock()
		if printed != "" {
			t.Fatalf("the ready line came with %d of 3 redelivered changes acknowledged: %q", i, printed)
		}
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		printed := out.String()
		p.mu.Unlock()
		if strings.Count(printed, "\n") == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready line after the backlog was acknowledged; printed %q", printed)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBacklogEmptyOnAFreshStore: no consumer yet, nothing to wait for.
func TestBacklogEmptyOnAFreshStore(t *testing.T) {
	_, js := testinfra.JetStream(t)
	bl, err := newBacklog(context.Background(), js, bus.ConsumerCompiler, bus.ConsumerIndexer)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := bl.drained(context.Background()); !ok || err != nil || len(bl.upTo) != 0 {
		t.Fatalf("drained %v, err %v, backlog %v on a fresh store", ok, err, bl.upTo)
	}
}
