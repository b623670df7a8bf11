package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/indexer/embed"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// TestConsumerSetting: the consumer comes from INDEXER_CONSUMER or, as
// docs/REPLAY.md runs it, from "indexer --consumer NAME" (which wins).
func TestConsumerSetting(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string // the command line, read as host.Main reads it
		want    string
		wantErr string
	}{
		{name: "flag", env: map[string]string{"INDEXER_DATA": "d"}, args: []string{"--consumer", "replay-harbor"}, want: "replay-harbor"},
		{name: "flag wins", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_CONSUMER": "other"}, args: []string{"--consumer=replay-harbor"}, want: "replay-harbor"},
		{name: "bad flag value", env: map[string]string{"INDEXER_DATA": "d"}, args: []string{"--consumer", "a.b"}, wantErr: "--consumer sets INDEXER_CONSUMER"},
		{name: "default", env: map[string]string{"INDEXER_DATA": "d"}, want: bus.ConsumerIndexer},
		{name: "replay", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_CONSUMER": "replay-harbor"}, want: "replay-harbor"},
		{name: "dotted", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_CONSUMER": "replay.harbor"}, wantErr: "INDEXER_CONSUMER"},
		{name: "wildcard", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_CONSUMER": "replay->"}, wantErr: "INDEXER_CONSUMER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args, err := host.ParseArgs(ServiceName, append(slices.Clone(host.CommonSettings), Settings...), tc.args)
			if err != nil {
				t.Fatal(err)
			}
			lookup := args.Lookup(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			c, err := FromEnv(host.Lookup(lookup).Get)
			err = args.Explain(err)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("FromEnv = %+v, %v; want an error naming %s", c, err, tc.wantErr)
				}
				return
			}
			if err != nil || c.withDefaults().Consumer != tc.want {
				t.Fatalf("FromEnv: Consumer = %q, %v; want %q", c.withDefaults().Consumer, err, tc.want)
			}
		})
	}
}

func TestIntegrationNamedConsumerMustExist(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	if _, err := f.js.CreateConsumer(ctx, events.StreamDrive, jetstream.ConsumerConfig{Durable: "pushed", DeliverSubject: "somewhere"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.js.CreateConsumer(ctx, events.StreamDrive, jetstream.ConsumerConfig{Durable: "unacked", AckPolicy: jetstream.AckNonePolicy}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, consumer string
		want           error
		errHas         []string
	}{
		{"missing", "replay-harbr", jetstream.ErrConsumerNotFound, []string{`"replay-harbr"`, "INDEXER_CONSUMER", "does not exist", "nats consumer add DRIVE replay-harbr"}},
		{"push", "pushed", jetstream.ErrNotPullConsumer, []string{`"pushed"`, "INDEXER_CONSUMER", "--pull"}},
		{"no acks", "unacked", nil, []string{`"unacked"`, "INDEXER_CONSUMER", "--ack explicit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := f.replica(t, "r-"+tc.name, func(c *Config) { c.Consumer = tc.consumer })
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			err := s.Run(rctx)
			if err == nil || rctx.Err() != nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("Run = %v, want a start failure", err)
			}
			for _, want := range tc.errHas {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("Run error %q lacks %q", err, want)
				}
			}
		})
	}
	for _, name := range []string{"replay-harbr", bus.ConsumerIndexer} {
		if _, err := f.js.Consumer(ctx, events.StreamDrive, name); !errors.Is(err, jetstream.ErrConsumerNotFound) {
			t.Fatalf("consumer %s: %v, want none created", name, err)
		}
	}
}

// drained waits until consumer has delivered and acknowledged every
// message its filter selects.
func drained(t *testing.T, js jetstream.JetStream, consumer string) {
	t.Helper()
	ctx := context.Background()
	var info *jetstream.ConsumerInfo
	waitFor(t, "consumer "+consumer+" to drain", 30*time.Second, func() bool {
		cons, err := js.Consumer(ctx, events.StreamDrive, consumer)
		if err != nil {
			return false
		}
		if info, err = cons.Info(ctx); err != nil {
			t.Fatal(err)
		}
		return info.NumPending == 0 && info.NumAckPending == 0 && info.Delivered.Consumer > 0
	})
}

// indexSnapshot is what the index and the state hold for paths of bot,
// as JSON: every point's id, chunk index, hash, text and vector, each
// collection's point count, and each document's state.
func indexSnapshot(t *testing.T, s *Service, ix vector.Index, bot string, paths []string) string {
	t.Helper()
	ctx := context.Background()
	type point struct {
		ID     string
		Index  int
		Hash   string
		Text   string
		Vector []float32
	}
	type doc struct {
		Path   string
		Points []point
		State  DocState
	}
	snap := struct {
		Docs        []doc
		Collections map[string]int
	}{Collections: map[string]int{}}
	st, err := s.state(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states, err := st.list(ctx, bot)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		col := collectionOf(bot, p)
		pts, err := ix.Document(ctx, col, p)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(pts))
		for i, pt := range pts {
			ids[i] = pt.ID
		}
		vecs, err := ix.Vectors(ctx, col, ids)
		if err != nil && len(ids) > 0 {
			t.Fatal(err)
		}
		d := doc{Path: p}
		for _, pt := range pts {
			d.Points = append(d.Points, point{pt.ID, pt.ChunkIndex, pt.Hash, pt.Text, vecs[pt.ID]})
		}
		for _, ds := range states {
			if ds.Path == p {
				ds.UpdatedAt = 0
				d.State = ds
			}
		}
		snap.Docs = append(snap.Docs, d)
		n, err := ix.Count(ctx, col, "")
		if err != nil {
			t.Fatal(err)
		}
		snap.Collections[col.KB] = n
	}
	b, err := json.MarshalIndent(snap, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestIntegrationReplayBotFromHistory follows docs/REPLAY.md: after a live
// run, a consumer made as the nats CLI makes it delivers one bot's whole
// KB history to a fresh indexer with an empty index, which ends with the
// very documents, points and states the live indexer has.
func TestIntegrationReplayBotFromHistory(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	run(t, f.svc)
	const (
		manualPath = "harbor.gbkb/ops/manual.md"
		oldPath    = "harbor.gbkb/ops/old.txt"
		faqA       = "harbor.gbkb/faq/a.md"
		faqB       = "harbor.gbkb/faq/b.md"
		faqC       = "harbor.gbkb/faq/c.md"
		ferryPath  = "ferry.gbkb/x/doc.md"
	)
	put := func(bot, path, content string, op events.Op) {
		f.reader.put(bot, path, []byte(content))
		f.publish(t, bot, op, path)
	}
	del := func(bot, path string) {
		f.reader.remove(bot, path)
		f.publish(t, bot, events.OpDeleted, path)
	}
	put("harbor", manualPath, manual(12, 4, nil), events.OpCreated)
	put("harbor", faqA, "# A\n\nHow do I moor a ship? Slowly.", events.OpCreated)
	put("ferry", ferryPath, "# Ferry\n\nTimetables.", events.OpCreated)
	put("harbor", oldPath, "outdated notes", events.OpCreated)
	put("harbor", manualPath, manual(12, 4, func(s, p int) string {
		if s == 3 && p == 2 {
			return "A new paragraph about bollard loads."
		}
		return ""
	}), events.OpUpdated)
	del("harbor", oldPath)
	put("harbor", faqB, "# B\n\nFirst answer.", events.OpCreated)
	put("harbor", faqB, "# B\n\nSecond answer, longer than the first one.", events.OpUpdated)
	put("harbor", "harbor.gbdialog/start.bas", "TALK \"hi\"", events.OpCreated) // not the indexer's
	// A move inside the KBs: one change on the new path's subject.
	data, _, err := f.reader.Read(ctx, "harbor", faqA, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	f.reader.remove("harbor", faqA)
	f.reader.put("harbor", faqC, data)
	mv := events.NewChange("harbor", events.OpMoved, faqC)
	mv.From, mv.ETag, mv.Source, mv.DetectedBy = faqA, etagOf(data), events.SourceDir, events.DetectedByWatch
	if _, err := bus.Publish(ctx, f.js, &mv); err != nil {
		t.Fatal(err)
	}
	drained(t, f.js, bus.ConsumerIndexer)

	paths := []string{manualPath, oldPath, faqA, faqB, faqC}
	want := indexSnapshot(t, f.svc, f.index, "harbor", paths)
	if f.count(t, "harbor", manualPath) < 5 || f.count(t, "harbor", faqC) != 1 || f.count(t, "harbor", faqA) != 0 || f.count(t, "harbor", oldPath) != 0 ||
		!strings.Contains(want, "bollard loads") || !strings.Contains(want, "Second answer") || strings.Contains(want, "First answer") {
		t.Fatalf("the live run did not index the final state:\n%s", want)
	}
	ferryState := indexSnapshot(t, f.svc, f.index, "ferry", []string{ferryPath})

	// 1. nats consumer add DRIVE replay-harbor --filter 'drive.harbor.kb.>' --deliver all --ack explicit --pull --max-deliver 10 --defaults
	const name = "replay-harbor"
	if _, err := f.js.CreateConsumer(ctx, events.StreamDrive, jetstream.ConsumerConfig{
		Durable: name, FilterSubject: events.FilterBotKind("harbor", events.KindKB), DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: 10, ReplayPolicy: jetstream.ReplayInstantPolicy,
	}); err != nil {
		t.Fatal(err)
	}
	// 2. (Nothing to forget: the indexer's document states say harbor is
	//    indexed, but the fresh index holds none of it, and an index that
	//    disagrees with the state is re-indexed.)
	// 3. A fresh indexer with an empty index on the replay consumer
	//    (INDEXER_CONSUMER=replay-harbor).
	fresh, err := vector.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fresh.Close() })
	rs, err := New(Config{DataDir: t.TempDir(), Consumer: name}, Deps{JetStream: f.js, Reader: f.reader, Index: fresh, Embedder: embed.NewHashed(0), Logger: quiet(), Owner: "replay"})
	if err != nil {
		t.Fatal(err)
	}
	run(t, rs)
	drained(t, f.js, name)
	if got := indexSnapshot(t, rs, fresh, "harbor", paths); got != want {
		t.Fatalf("the replay built another index:\n%s\nwant\n%s", got, want)
	}
	if n, err := fresh.Count(ctx, collectionOf("ferry", ferryPath), ""); err != nil || n != 0 {
		t.Fatalf("the replay of harbor indexed %d points of ferry (%v)", n, err)
	}
	if got := indexSnapshot(t, f.svc, f.index, "ferry", []string{ferryPath}); got != ferryState {
		t.Fatalf("the replay of harbor touched ferry:\n%s\nwant\n%s", got, ferryState)
	}
	// 4. nats consumer rm DRIVE replay-harbor -f
	if err := f.js.DeleteConsumer(ctx, events.StreamDrive, name); err != nil {
		t.Fatal(err)
	}
	drive, err := f.js.Stream(ctx, events.StreamDrive)
	if err != nil {
		t.Fatal(err)
	}
	names := drive.ConsumerNames(ctx)
	var left []string
	for n := range names.Name() {
		left = append(left, n)
	}
	if !slices.Equal(left, []string{bus.ConsumerIndexer}) {
		t.Fatalf("consumers left on DRIVE: %v", left)
	}
}
