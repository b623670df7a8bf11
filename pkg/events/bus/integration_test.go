package bus_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

func change(bot, path, etag string) *events.Change {
	c := events.NewChange(bot, events.OpCreated, path)
	c.ETag, c.Size, c.Source, c.DetectedBy = etag, 1, events.SourceDir, events.DetectedByWatch
	return &c
}

func TestIntegrationStreamsIdempotent(t *testing.T) {
	n, js := testinfra.JetStream(t)
	nc, _ := n.Connect(t)
	ctx := context.Background()
	// A second start (another process, a restart) must not fail or change
	// anything; a changed setting is applied.
	updates, err := nc.SubscribeSync("$JS.EVENT.ADVISORY.STREAM.UPDATED.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		t.Fatalf("second EnsureStreams: %v", err)
	}
	if m, err := updates.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("an unchanged stream was updated: %s", m.Subject)
	}
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{DriveHistory: 4}); err != nil {
		t.Fatal(err)
	}
	if m, err := updates.NextMsg(2 * time.Second); err != nil || m.Subject != "$JS.EVENT.ADVISORY.STREAM.UPDATED.DRIVE" {
		t.Fatalf("no update advisory for the changed stream: %v", err)
	}
	if s, _ := js.Stream(ctx, events.StreamDrive); s.CachedInfo().Config.MaxMsgsPerSubject != 4 {
		t.Fatalf("changed history not applied: %d", s.CachedInfo().Config.MaxMsgsPerSubject)
	}
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range bus.Streams(bus.StreamOptions{}) {
		s, err := js.Stream(ctx, want.Name)
		if err != nil {
			t.Fatalf("stream %s: %v", want.Name, err)
		}
		got := s.CachedInfo().Config
		if got.Duplicates != bus.DefaultDuplicates || got.Subjects[0] != want.Subjects[0] || got.Storage != jetstream.FileStorage {
			t.Fatalf("stream %s config = %+v", want.Name, got)
		}
	}
}

func TestIntegrationPublishDedupesAndFilters(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// The same change seen by a watch and by a reconciliation: stored once.
	a := change("harbor", "harbor.gbdialog/start.bas", "e1")
	b := change("harbor", "harbor.gbdialog/start.bas", "e1")
	b.Op, b.DetectedBy = events.OpUpdated, events.DetectedByReconcile
	ack1, err := bus.Publish(ctx, js, a)
	if err != nil {
		t.Fatal(err)
	}
	ack2, err := bus.Publish(ctx, js, b)
	if err != nil {
		t.Fatal(err)
	}
	if ack1.Duplicate || !ack2.Duplicate || ack1.Sequence != ack2.Sequence {
		t.Fatalf("acks %+v then %+v; want the second to be a duplicate of the first", ack1, ack2)
	}
	// Same content again after a delete (a new Base): a new change.
	c := change("harbor", "harbor.gbdialog/start.bas", "e1")
	c.Base = ack1.Sequence
	if ack3, err := bus.Publish(ctx, js, c); err != nil || ack3.Duplicate {
		t.Fatalf("recreate after delete: %+v, %v; want a new message", ack3, err)
	}
	for _, ch := range []*events.Change{
		change("harbor", "harbor.gbkb/faq/a.md", "k1"),
		change("harbor", "harbor.gbtheme/css/main.css", "t1"),
		change("other", "other.gbkb/faq/b.md", "k2"),
	} {
		if _, err := bus.Publish(ctx, js, ch); err != nil {
			t.Fatal(err)
		}
	}
	// Rejected before it reaches the stream.
	bad := change("harbor", "harbor.gbkb/faq/a.md", "k1")
	bad.Path = "harbor.gbkb/../../etc/passwd"
	if _, err := bus.Publish(ctx, js, bad); err == nil {
		t.Fatal("published a traversal path")
	}

	for _, tt := range []struct {
		name   string
		filter string
		want   []string
	}{
		{"all kb", events.FilterKind(events.KindKB), []string{"harbor.gbkb/faq/a.md", "other.gbkb/faq/b.md"}},
		{"one bot", events.FilterBot("other"), []string{"other.gbkb/faq/b.md"}},
		{"bot and kind", events.FilterBotKind("harbor", events.KindTheme), []string{"harbor.gbtheme/css/main.css"}},
		{"dialogs", events.FilterKind(events.KindDialog), []string{"harbor.gbdialog/start.bas", "harbor.gbdialog/start.bas"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cons, err := js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{FilterSubjects: []string{tt.filter}})
			if err != nil {
				t.Fatal(err)
			}
			batch, err := cons.FetchNoWait(100)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for m := range batch.Messages() {
				c, err := bus.Decode(m)
				if err != nil {
					t.Fatal(err)
				}
				if c.Seq == 0 || m.Headers().Get(jetstream.MsgIDHeader) != c.ID {
					t.Fatalf("decoded change lacks seq or id header: %+v", c)
				}
				got = append(got, c.Path)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("filter %s got %v, want %v", tt.filter, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("filter %s got %v, want %v", tt.filter, got, tt.want)
				}
			}
		})
	}
}

func TestIntegrationOutcome(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx := context.Background()
	c := change("harbor", "harbor.gbkb/faq/a.md", "k1")
	c.SetID()
	o := events.OutcomeFor("indexer", c)
	o.Status = events.StatusOK
	n := 3
	o.ChunksTotal = &n
	if err := bus.PublishOutcome(ctx, js, &o); err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, events.StreamOutcomes)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.GetLastMsgForSubject(ctx, "outcome.indexer.harbor")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw.Data, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"path", "etag", "status", "error", "chunks_total"} {
		if _, ok := m[f]; !ok {
			t.Errorf("outcome lacks %q: %s", f, raw.Data)
		}
	}
	bad := events.OutcomeFor("indexer", c)
	bad.Status = events.StatusFailed
	if err := bus.PublishOutcome(ctx, js, &bad); err == nil {
		t.Fatal("published a failed outcome without an error")
	}
}

func TestIntegrationOrigins(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx := context.Background()
	kv, err := bus.EnsureOrigins(ctx, js, bus.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bus.EnsureOrigins(ctx, js, bus.StreamOptions{}); err != nil {
		t.Fatalf("second EnsureOrigins: %v", err)
	}
	if err := bus.MarkOrigin(ctx, kv, "harbor", "harbor.gbdrive/report.txt", "e1", "bot:harbor"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path, etag, want string
	}{
		{"our write", "harbor.gbdrive/report.txt", "e1", "bot:harbor"},
		{"an author's later edit", "harbor.gbdrive/report.txt", "e2", ""},
		{"another file", "harbor.gbdrive/other.txt", "e1", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bus.LookupOrigin(ctx, kv, "harbor", tt.path, tt.etag)
			if err != nil || got != tt.want {
				t.Fatalf("LookupOrigin = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestIntegrationEnsureKeyValue(t *testing.T) {
	n, js := testinfra.JetStream(t)
	nc, _ := n.Connect(t)
	ctx := context.Background()
	cfg := jetstream.KeyValueConfig{Bucket: "TESTKV", Description: "test", History: 1, TTL: time.Minute}
	if _, err := bus.EnsureKeyValue(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	updates, err := nc.SubscribeSync("$JS.EVENT.ADVISORY.STREAM.UPDATED.>")
	if err != nil {
		t.Fatal(err)
	}
	kv, err := bus.EnsureKeyValue(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := updates.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("an unchanged bucket was updated: %s", m.Subject)
	}
	if _, err := kv.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	cfg.TTL = 2 * time.Minute
	if _, err := bus.EnsureKeyValue(ctx, js, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := updates.NextMsg(2 * time.Second); err != nil {
		t.Fatalf("no update for a changed TTL: %v", err)
	}
	if e, err := kv.Get(ctx, "k"); err != nil || string(e.Value()) != "v" {
		t.Fatalf("the update lost data: %v", err)
	}
}

// TestIntegrationEnsureConcurrentCreate: processes starting together all
// open a stream and a KV bucket that does not exist yet; one creates each
// and none sends an update (nats-server races a stream update against
// consumers being created, so a start must never update an equal stream).
func TestIntegrationEnsureConcurrentCreate(t *testing.T) {
	n, js := testinfra.JetStream(t)
	nc, _ := n.Connect(t)
	ctx := context.Background()
	updates, err := nc.SubscribeSync("$JS.EVENT.ADVISORY.STREAM.UPDATED.>")
	if err != nil {
		t.Fatal(err)
	}
	stream := jetstream.StreamConfig{Name: "RACE", Subjects: []string{"race.>"}, Description: "test", MaxAge: time.Hour, Duplicates: 2 * time.Minute}
	bucket := jetstream.KeyValueConfig{Bucket: "RACEKV", Description: "test", History: 1}
	start := make(chan struct{})
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			<-start
			_, err := bus.EnsureStream(ctx, js, stream)
			errs <- err
			_, err = bus.EnsureKeyValue(ctx, js, bucket)
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if m, err := updates.NextMsg(500 * time.Millisecond); err == nil {
		t.Fatalf("a concurrent start updated a stream: %s", m.Subject)
	}
	if _, err := js.Stream(ctx, "RACE"); err != nil {
		t.Fatalf("stream not created: %v", err)
	}
	if _, err := js.KeyValue(ctx, "RACEKV"); err != nil {
		t.Fatalf("bucket not created: %v", err)
	}
}
