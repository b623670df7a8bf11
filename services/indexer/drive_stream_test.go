package indexer

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
)

// driveCounter counts the lookups of a stream and the last-message
// requests made through the handles it returns, and fails the next
// failLast of those requests.
type driveCounter struct {
	jetstream.JetStream
	opens, lasts, failLast atomic.Int64
}

func (d *driveCounter) Stream(ctx context.Context, name string) (jetstream.Stream, error) {
	d.opens.Add(1)
	st, err := d.JetStream.Stream(ctx, name)
	if err != nil {
		return nil, err
	}
	return &countedStream{Stream: st, d: d}, nil
}

type countedStream struct {
	jetstream.Stream
	d *driveCounter
}

func (c *countedStream) GetLastMsgForSubject(ctx context.Context, subject string) (*jetstream.RawStreamMsg, error) {
	c.d.lasts.Add(1)
	if c.d.failLast.Add(-1) >= 0 {
		return nil, errors.New("no responders")
	}
	c.d.failLast.Store(0)
	return c.Stream.GetLastMsgForSubject(ctx, subject)
}

// A change-driven sync's settings wait looks DRIVE up once for the
// service's life, then makes one request per governing config.csv (one
// here: the document is under the bot's own .gbkb); a request that fails
// fails the sync and drops the handle, so the next sync looks it up again.
func TestSyncLooksUpDriveOnce(t *testing.T) {
	f := newFixture(t, nil)
	d := &driveCounter{JetStream: f.js}
	svc, err := New(Config{DataDir: t.TempDir()}, Deps{JetStream: d, Reader: f.reader, Index: f.index, Embedder: f.emb, Logger: quiet(), Owner: "counted"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	ctx := context.Background()
	const bot, path, cfgPath = "harbor", "harbor.gbkb/ops/valves.md", "harbor.gbot/config.csv"
	f.reader.put(bot, cfgPath, []byte("kb-language,pt\n"))
	f.publish(t, bot, events.OpCreated, cfgPath)
	f.seq = lastSeq(t, f, bot, cfgPath) - 1
	f.settings(t, svc, bot, cfgPath, "kb-language,pt\n")
	f.reader.put(bot, path, []byte("# Valves\n\nPenalties for late inspection of relief valves.\n"))
	sync := func(seq uint64) error {
		_, err := svc.Sync(ctx, bot, path, seq)
		return err
	}
	check := func(when string, opens, lasts int64) {
		t.Helper()
		if o, l := d.opens.Load(), d.lasts.Load(); o != opens || l != lasts {
			t.Fatalf("%s: %d lookups of DRIVE, %d last-change requests; want %d and %d", when, o, l, opens, lasts)
		}
	}
	for i := range 3 {
		if err := sync(f.seq + 1 + uint64(i)); err != nil {
			t.Fatalf("sync %d: %v", i+1, err)
		}
	}
	check("after 3 syncs", 1, 3)
	if err := sync(0); err != nil {
		t.Fatal(err)
	}
	check("after a sync not from a change", 1, 3)
	d.failLast.Store(1)
	if err := sync(f.seq + 10); err == nil {
		t.Fatal("a sync whose last-change request failed succeeded")
	}
	check("after the failed request", 1, 4)
	if err := sync(f.seq + 11); err != nil {
		t.Fatalf("the sync after the failure: %v", err)
	}
	check("after the next sync", 2, 5)
}
