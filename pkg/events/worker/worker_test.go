package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

func TestBackoff(t *testing.T) {
	cfg := worker.Config{MinBackoff: time.Second, MaxBackoff: 10 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		if got := cfg.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, want)
		}
	}
}

// run publishes one change per path, runs a worker over a fresh consumer
// and returns once stop says so or the deadline passes.
func run(t *testing.T, paths []string, h worker.Handler, cfg worker.Config, stop func() bool) jetstream.JetStream {
	t.Helper()
	return runWith(t, paths, cfg, func(cons worker.Consumer, js jetstream.JetStream, cfg worker.Config) *worker.Worker {
		return worker.New(cons, js, h, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}, stop)
}

// runWith publishes one change per path on a fresh server and runs the
// worker newWorker makes over consumer "test" until stop says so.
func runWith(t *testing.T, paths []string, cfg worker.Config, newWorker func(worker.Consumer, jetstream.JetStream, worker.Config) *worker.Worker, stop func() bool) jetstream.JetStream {
	t.Helper()
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range paths {
		c := events.NewChange("bot", events.OpCreated, p)
		c.ETag, c.Source, c.DetectedBy = "e", events.SourceDir, events.DetectedByWatch
		if _, err := bus.Publish(ctx, js, &c); err != nil {
			t.Fatal(err)
		}
	}
	runOn(t, ctx, js, cfg, newWorker, stop)
	return js
}

// runOn runs the worker newWorker makes over consumer "test" of js until
// stop says so, and then a moment more (nothing further may happen).
func runOn(t *testing.T, ctx context.Context, js jetstream.JetStream, cfg worker.Config, newWorker func(worker.Consumer, jetstream.JetStream, worker.Config) *worker.Worker, stop func() bool) {
	t.Helper()
	cc := bus.WorkQueueConsumer("test", events.FilterKind(events.KindDialog))
	cc.MaxDeliver = cfg.MaxDeliver
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, cc)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Name = "test"
	w := newWorker(cons, js, cfg)
	wctx, wcancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	for !stop() {
		if ctx.Err() != nil {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	wcancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func deadLetters(t *testing.T, js jetstream.JetStream) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, events.StreamDead)
	if err != nil {
		t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := uint64(1); seq <= s.CachedInfo().State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) inc(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[k]++
	return c.n[k]
}

func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}

func TestIntegrationWorker(t *testing.T) {
	fast := worker.Config{MaxDeliver: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond}
	t.Run("transient errors are retried, then acked", func(t *testing.T) {
		var calls counter
		h := func(ctx context.Context, m jetstream.Msg) error {
			if calls.inc(m.Subject()) < 3 {
				return errors.New("database down")
			}
			return nil
		}
		js := run(t, []string{"a.bas"}, h, fast, func() bool { return calls.get(subject("a.bas")) >= 3 })
		time.Sleep(200 * time.Millisecond) // no further redelivery after the ack
		if n := calls.get(subject("a.bas")); n != 3 {
			t.Fatalf("handler ran %d times, want 3", n)
		}
		if dl := deadLetters(t, js); len(dl) != 0 {
			t.Fatalf("%d dead letters, want none", len(dl))
		}
	})
	t.Run("exhausted tries are parked with the reason", func(t *testing.T) {
		var calls, parked counter
		cfg := fast
		cfg.Observe = func(subject string, _ time.Duration, result string) {
			if result == worker.ResultDead {
				parked.inc(subject)
			}
		}
		h := func(ctx context.Context, m jetstream.Msg) error {
			calls.inc(m.Subject())
			return errors.New("still down")
		}
		js := run(t, []string{"b.bas"}, h, cfg, func() bool { return parked.get(subject("b.bas")) == 1 })
		waitFor(t, func() bool { return len(deadLetters(t, js)) == 1 })
		dl := deadLetters(t, js)[0]
		if calls.get(subject("b.bas")) != 3 {
			t.Fatalf("handler ran %d times, want MaxDeliver=3", calls.get(subject("b.bas")))
		}
		if dl.Subject != events.DeadSubject("test", subject("b.bas")) || dl.Header.Get(worker.HeaderError) != "still down" || dl.Header.Get(worker.HeaderDeliveries) != "3" {
			t.Fatalf("dead letter %s %v", dl.Subject, dl.Header)
		}
		if _, err := events.DecodeData(dl.Data); err != nil {
			t.Fatalf("dead letter body is not the original change: %v", err)
		}
	})
	t.Run("permanent errors and panics are parked at once, others go on", func(t *testing.T) {
		var calls counter
		h := func(ctx context.Context, m jetstream.Msg) error {
			calls.inc(m.Subject())
			switch m.Subject() {
			case subject("bad.bas"):
				return worker.Permanent(errors.New("malformed"))
			case subject("panic.bas"):
				panic("boom")
			}
			return nil
		}
		js := run(t, []string{"bad.bas", "panic.bas", "good.bas"}, h, fast, func() bool { return calls.get(subject("good.bas")) == 1 })
		waitFor(t, func() bool { return len(deadLetters(t, js)) == 2 })
		if calls.get(subject("bad.bas")) != 1 || calls.get(subject("panic.bas")) != 1 {
			t.Fatalf("parked messages were retried: %v", calls.n)
		}
	})
}

// observations records what Config.Observe is told.
type observations struct {
	mu   sync.Mutex
	byID map[string][]string
	took map[string]time.Duration
}

func (o *observations) observe(subject string, took time.Duration, result string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.byID == nil {
		o.byID, o.took = map[string][]string{}, map[string]time.Duration{}
	}
	o.byID[subject] = append(o.byID[subject], result)
	o.took[subject] = max(o.took[subject], took)
}

func (o *observations) results(subject string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.byID[subject]...)
}

func TestIntegrationWorkerObserve(t *testing.T) {
	var obs observations
	var calls counter
	cfg := worker.Config{MaxDeliver: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Observe: obs.observe}
	h := func(ctx context.Context, m jetstream.Msg) error {
		n := calls.inc(m.Subject())
		switch m.Subject() {
		case subject("flaky.bas"):
			if n == 1 {
				return errors.New("database down")
			}
			time.Sleep(30 * time.Millisecond)
			return nil
		case subject("broken.bas"):
			return errors.New("still down")
		case subject("bad.bas"):
			return worker.Permanent(errors.New("malformed"))
		}
		return nil
	}
	done := func() bool {
		return len(obs.results(subject("flaky.bas"))) == 2 && len(obs.results(subject("broken.bas"))) == 2 && len(obs.results(subject("bad.bas"))) == 1
	}
	run(t, []string{"flaky.bas", "broken.bas", "bad.bas"}, h, cfg, done)
	for _, tt := range []struct {
		name, path string
		want       []string
	}{
		{"retried then acknowledged", "flaky.bas", []string{worker.ResultRetry, worker.ResultOK}},
		{"exhausted tries", "broken.bas", []string{worker.ResultRetry, worker.ResultDead}},
		{"permanent error", "bad.bas", []string{worker.ResultDead}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := obs.results(subject(tt.path))
			if len(got) != len(tt.want) {
				t.Fatalf("observed %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("observed %v, want %v", got, tt.want)
				}
			}
		})
	}
	obs.mu.Lock()
	took := obs.took[subject("flaky.bas")]
	obs.mu.Unlock()
	if took < 30*time.Millisecond {
		t.Fatalf("observed handler time %s, the handler slept 30ms", took)
	}
}

func subject(path string) string {
	c := events.NewChange("bot", events.OpCreated, path)
	return events.ChangeSubject(&c)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIntegrationParkDropsServerHeaders: a change published with
// Nats-Expected-Stream (or any Nats-* instruction) is still parked.
func TestIntegrationParkDropsServerHeaders(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := events.NewChange("bot", events.OpCreated, "x.bas")
	c.ETag, c.Source, c.DetectedBy = "e", events.SourceDir, events.DetectedByWatch
	msg, err := bus.ChangeMsg(&c)
	if err != nil {
		t.Fatal(err)
	}
	msg.Header.Set("Nats-Expected-Stream", events.StreamDrive)
	msg.Header.Set("X-Trace", "abc")
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, bus.WorkQueueConsumer("hdr", events.FilterKind(events.KindDialog)))
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go worker.New(cons, js, func(context.Context, jetstream.Msg) error {
		return worker.Permanent(errors.New("bad"))
	}, worker.Config{Name: "hdr"}, slog.New(slog.NewTextHandler(io.Discard, nil))).Run(wctx)
	waitFor(t, func() bool { return len(deadLetters(t, js)) == 1 })
	dl := deadLetters(t, js)[0]
	if dl.Header.Get("X-Trace") != "abc" || dl.Header.Get("Nats-Expected-Stream") != "" {
		t.Fatalf("dead letter headers %v", dl.Header)
	}
}

// TestIntegrationPrefetchOne: with Prefetch 1, a worker stuck on a slow
// message holds only that one; another replica takes the rest at once.
func TestIntegrationPrefetchOne(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, bus.WorkQueueConsumer("pf", events.FilterKind(events.KindDialog)))
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	stuck := make(chan struct{})
	release := make(chan struct{})
	var slowOnce sync.Once
	go worker.New(cons, js, func(ctx context.Context, m jetstream.Msg) error {
		slowOnce.Do(func() { close(stuck) })
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}, worker.Config{Name: "pf", Prefetch: 1}, quiet).Run(ctx)
	publish := func(p string) {
		c := events.NewChange("bot", events.OpCreated, p)
		c.ETag, c.Source, c.DetectedBy = "e", events.SourceDir, events.DetectedByWatch
		if _, err := bus.Publish(ctx, js, &c); err != nil {
			t.Fatal(err)
		}
	}
	publish("slow.bas")
	<-stuck
	for i := range 3 {
		publish(fmt.Sprintf("f%d.bas", i))
	}
	var fast counter
	go worker.New(cons, js, func(ctx context.Context, m jetstream.Msg) error {
		fast.inc("n")
		return nil
	}, worker.Config{Name: "pf", Prefetch: 1}, quiet).Run(ctx)
	waitFor(t, func() bool { return fast.get("n") >= 2 })
	close(release)
}

// brokenDead refuses dead letters while broken is set (a DEAD stream on a
// full disk).
type brokenDead struct {
	bus.MsgPublisher
	broken  atomic.Bool
	refused atomic.Int64
}

func (b *brokenDead) PublishMsg(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	if b.broken.Load() {
		b.refused.Add(1)
		return nil, errors.New("no space left on device")
	}
	return b.MsgPublisher.PublishMsg(ctx, msg, opts...)
}

// TestIntegrationParkWaitsForTheDeadStream: on the last delivery the
// DEAD stream refuses the letter. A nak would lose the message (the
// server delivers it no more); the worker holds it and parks it once the
// stream takes writes again.
func TestIntegrationParkWaitsForTheDeadStream(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := events.NewChange("bot", events.OpCreated, "x.bas")
	c.ETag, c.Source, c.DetectedBy = "e", events.SourceDir, events.DetectedByWatch
	if _, err := bus.Publish(ctx, js, &c); err != nil {
		t.Fatal(err)
	}
	cc := bus.WorkQueueConsumer("full", events.FilterKind(events.KindDialog))
	cc.MaxDeliver = 2
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, cc)
	if err != nil {
		t.Fatal(err)
	}
	dead := &brokenDead{MsgPublisher: js}
	dead.broken.Store(true)
	var calls atomic.Int64
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go worker.New(cons, dead, func(context.Context, jetstream.Msg) error {
		calls.Add(1)
		return errors.New("store unavailable")
	}, worker.Config{Name: "full", MaxDeliver: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond},
		slog.New(slog.NewTextHandler(io.Discard, nil))).Run(wctx)
	waitFor(t, func() bool { return dead.refused.Load() >= 3 })
	if n := calls.Load(); n != 2 {
		t.Fatalf("handler called %d times, want 2 (MaxDeliver)", n)
	}
	if n := len(deadLetters(t, js)); n != 0 {
		t.Fatalf("%d dead letters while the stream refused them", n)
	}
	dead.broken.Store(false)
	waitFor(t, func() bool { return len(deadLetters(t, js)) == 1 })
	waitFor(t, func() bool { // the term follows the letter
		info, err := cons.Info(ctx)
		return err == nil && info.NumAckPending == 0
	})
	if n := calls.Load(); n != 2 {
		t.Fatalf("after parking: %d handler calls, want 2", n)
	}
	if n := len(deadLetters(t, js)); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}
}
