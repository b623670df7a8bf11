package indexer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// outcomes collects the indexer's outcomes for bot.
type outcomes struct {
	mu  sync.Mutex
	all []events.Outcome
}

func collectOutcomes(t *testing.T, js jetstream.JetStream, bot string) *outcomes {
	t.Helper()
	ctx := context.Background()
	c, err := js.OrderedConsumer(ctx, events.StreamOutcomes, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.OutcomeSubject(ServiceName, bot)}})
	if err != nil {
		t.Fatal(err)
	}
	o := &outcomes{}
	cc, err := c.Consume(func(m jetstream.Msg) {
		out, err := events.DecodeOutcome(m.Data())
		if err != nil {
			t.Errorf("bad outcome %s: %v", m.Data(), err)
			return
		}
		o.mu.Lock()
		o.all = append(o.all, out)
		o.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)
	return o
}

// last returns the latest outcome for path with the given status.
func (o *outcomes) last(path string, status events.Status) (events.Outcome, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.all) - 1; i >= 0; i-- {
		if o.all[i].Path == path && o.all[i].Status == status {
			return o.all[i], true
		}
	}
	return events.Outcome{}, false
}

func (o *outcomes) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.all)
}

func run(t *testing.T, s *Service) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestIntegrationConsumer(t *testing.T) {
	f := newFixture(t, nil)
	const bot, path = "harbor", "harbor.gbkb/ops/manual.md"
	outs := collectOutcomes(t, f.js, bot)
	run(t, f.svc)

	steps := []struct {
		name        string
		apply       func() events.Op
		status      events.Status
		maxEmbedded int
	}{
		{"created", func() events.Op { f.reader.put(bot, path, []byte(manual(20, 4, nil))); return events.OpCreated }, events.StatusOK, 1000},
		{"one paragraph edited", func() events.Op {
			f.reader.put(bot, path, []byte(manual(20, 4, func(s, p int) string {
				if s == 5 && p == 1 {
					return "A new paragraph about flange torque values."
				}
				return ""
			})))
			return events.OpUpdated
		}, events.StatusOK, 3},
		{"deleted", func() events.Op { f.reader.remove(bot, path); return events.OpDeleted }, events.StatusDeleted, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before := outs.len()
			f.publish(t, bot, st.apply(), path)
			waitFor(t, "an outcome", 15*time.Second, func() bool { return outs.len() > before })
			o, ok := outs.last(path, st.status)
			if !ok {
				t.Fatalf("no %s outcome; got %+v", st.status, outs.all[before:])
			}
			n := f.count(t, bot, path)
			if o.ChunksTotal == nil || o.ChunksEmbedded == nil || o.ChunksDeleted == nil {
				t.Fatalf("outcome lacks chunk counts: %+v", o)
			}
			if *o.ChunksTotal != n || *o.ChunksEmbedded > st.maxEmbedded || o.KB != "ops" || o.ChangeSeq == 0 {
				t.Fatalf("outcome %+v (total %d, embedded %d) vs %d points in the index", o, *o.ChunksTotal, *o.ChunksEmbedded, n)
			}
			if st.status == events.StatusDeleted && (n != 0 || *o.ChunksDeleted == 0) {
				t.Fatalf("after delete: %d points, outcome deleted %d", n, *o.ChunksDeleted)
			}
		})
	}
	t.Run("moved to another KB", func(t *testing.T) {
		// A move's subject is the new path's: moves out of the KBs never
		// reach the indexer's consumer (see the report to the lead).
		from, to := "harbor.gbkb/ops/a.md", "harbor.gbkb/faq/a.md"
		f.reader.put(bot, from, []byte("# A\n\nsome text"))
		f.publish(t, bot, events.OpCreated, from)
		waitFor(t, "indexing a.md", 15*time.Second, func() bool { _, ok := outs.last(from, events.StatusOK); return ok })
		data, _, _ := f.reader.Read(context.Background(), bot, from, 1<<20)
		f.reader.remove(bot, from)
		f.reader.put(bot, to, data)
		c := events.NewChange(bot, events.OpMoved, to)
		c.From, c.Source, c.DetectedBy, c.ETag = from, events.SourceDir, events.DetectedByWatch, etagOf(data)
		ack, err := bus.Publish(context.Background(), f.js, &c)
		if err != nil {
			t.Fatal(err)
		}
		// One outcome for the move: the new path's, counting the old
		// path's deleted point.
		waitFor(t, "the move", 15*time.Second, func() bool { _, ok := outs.last(to, events.StatusOK); return ok })
		o, _ := outs.last(to, events.StatusOK)
		if o.ChangeSeq != ack.Sequence || *o.ChunksTotal != 1 || *o.ChunksDeleted != 1 || o.KB != "faq" {
			t.Fatalf("move outcome %+v (total %d, deleted %d), want seq %d, 1 chunk, 1 deleted, KB faq", o, *o.ChunksTotal, *o.ChunksDeleted, ack.Sequence)
		}
		if old, ok := outs.last(from, events.StatusDeleted); ok {
			t.Fatalf("an outcome for the old path: %+v", old)
		}
		if n := f.count(t, bot, from); n != 0 {
			t.Fatalf("%d points left at the old path", n)
		}
		if n := f.count(t, bot, to); n != 1 {
			t.Fatalf("%d points at the new path, want 1", n)
		}
	})
}

// TestIntegrationReplicas: three replicas (one worker each on the shared
// durable consumer) under rapid rewrites and deletes of the same documents
// end with an index equal to the final documents.
func TestIntegrationReplicas(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Workers = 1 })
	f.reader.delay = 40 * time.Millisecond
	run(t, f.svc)
	for i := 1; i < 3; i++ {
		run(t, f.replica(t, fmt.Sprintf("r%d", i), func(c *Config) { c.Workers = 1 }))
	}
	const bot = "harbor"
	paths := []string{"harbor.gbkb/ops/a.md", "harbor.gbkb/faq/c.md", "harbor.gbkb/d.txt"}
	final := map[string]string{}
	const rounds = 15
	for round := range rounds {
		for i, p := range paths {
			if round == rounds-1 && i == 2 {
				f.reader.remove(bot, p)
				f.publish(t, bot, events.OpDeleted, p)
				delete(final, p)
				continue
			}
			content := manual(2+round%3, 2, func(s, q int) string {
				if s == 1 && q == 0 {
					return fmt.Sprintf("round %d of %s", round, p)
				}
				return ""
			})
			f.reader.put(bot, p, []byte(content))
			f.publish(t, bot, events.OpUpdated, p)
			final[p] = content
		}
		// Rewrites arrive about as fast as a sync takes, so syncs of
		// one document overlap on different replicas.
		time.Sleep(time.Duration(10+rand.IntN(20)) * time.Millisecond)
	}
	waitFor(t, "convergence", 60*time.Second, func() bool {
		for _, p := range paths {
			pts, _ := f.index.Document(context.Background(), collectionOf(bot, p), p)
			content, ok := final[p]
			if !ok {
				if len(pts) != 0 {
					return false
				}
				continue
			}
			if !matches(pts, content, p) {
				return false
			}
		}
		return true
	})
	for p, content := range final {
		assertIndexed(t, f, bot, p, content)
	}
}

// TestIntegrationOverlappingSyncs: a sync that read older content and is
// still running when a newer change arrives on another replica must not
// leave the older content in the index.
func TestIntegrationOverlappingSyncs(t *testing.T) {
	f := newFixture(t, nil)
	r2 := f.replica(t, "r2", nil)
	const bot, path = "harbor", "harbor.gbkb/ops/a.md"
	v1, v2 := manual(3, 2, nil), manual(4, 2, func(s, p int) string {
		if p == 0 {
			return fmt.Sprintf("version two, section %d", s)
		}
		return ""
	})
	f.reader.put(bot, path, []byte(v1))
	gate := make(chan struct{})
	f.reader.hold.Store(&gate) // the first read returns v1, then waits
	first := make(chan error, 1)
	go func() { _, err := f.svc.Sync(context.Background(), bot, path, 1); first <- err }()
	waitFor(t, "the first read", 5*time.Second, func() bool { return f.reader.hold.Load() == nil })
	f.reader.put(bot, path, []byte(v2))
	second := make(chan error, 1)
	go func() { _, err := r2.Sync(context.Background(), bot, path, 2); second <- err }()
	time.Sleep(200 * time.Millisecond) // the second sync is under way (or waiting)
	close(gate)
	if err := <-first; err != nil {
		t.Fatalf("first sync: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second sync: %v", err)
	}
	assertIndexed(t, f, bot, path, v2)
}
