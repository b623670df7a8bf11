package detector

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// testLog is silent unless DRIVEMON_TEST_LOG is set.
func testLog() *slog.Logger {
	if os.Getenv("DRIVEMON_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// recorder collects every change on drive.<bot>.> with its Nats-Msg-Id.
type recorder struct {
	mu      sync.Mutex
	changes []events.Change
	ids     []string
}

func record(t testing.TB, js jetstream.JetStream, bot string) *recorder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.FilterBot(bot)}})
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	r := &recorder{}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		c, err := bus.Decode(msg)
		if err != nil {
			t.Errorf("bad change on %s: %v", msg.Subject(), err)
			return
		}
		r.mu.Lock()
		r.changes = append(r.changes, c)
		r.ids = append(r.ids, msg.Headers().Get(jetstream.MsgIDHeader))
		r.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	t.Cleanup(cc.Stop)
	return r
}

func (r *recorder) all() []events.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.changes)
}

// of returns the changes to path, in order.
func (r *recorder) of(path string) []events.Change {
	var out []events.Change
	for _, c := range r.all() {
		if c.Path == path || (c.Op == events.OpMoved && c.From == path) {
			out = append(out, c)
		}
	}
	return out
}

// wait waits until ok holds for the recorded changes.
func (r *recorder) wait(t testing.TB, what string, ok func([]events.Change) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok(r.all()) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; saw:\n%s", what, dump(r.all()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitOp waits for a change with op to path and returns it.
func (r *recorder) waitOp(t testing.TB, op events.Op, path string) events.Change {
	t.Helper()
	var got events.Change
	r.wait(t, string(op)+" "+path, func(cs []events.Change) bool {
		for _, c := range cs {
			if c.Op == op && c.Path == path {
				got = c
				return true
			}
		}
		return false
	})
	return got
}

func dump(cs []events.Change) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString("  " + string(c.Op) + " " + c.Bot + " " + events.DisplayPath(c.Path))
		if c.From != "" {
			b.WriteString(" from " + c.From)
		}
		b.WriteString(" etag=" + c.ETag + " by=" + string(c.DetectedBy) + "\n")
	}
	return b.String()
}

// runService starts a detector, waits for its initial scan, and stops it
// at the end of the test.
func runService(t testing.TB, cfg Config, deps Deps) *Service {
	t.Helper()
	svc, stop := startService(t, cfg, deps)
	t.Cleanup(stop)
	return svc
}

// startService starts a detector and waits for its initial scan; stop ends
// it and waits until it ended.
func startService(t testing.TB, cfg Config, deps Deps) (svc *Service, stop func()) {
	t.Helper()
	if deps.Log == nil {
		deps.Log = testLog()
	}
	svc, err := New(cfg, deps)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("Run did not stop")
		}
	})
	select {
	case <-svc.Scanned():
	case err := <-done:
		cancel()
		t.Fatalf("Run ended before the initial scan: %v", err)
	case <-time.After(60 * time.Second):
		stop()
		t.Fatal("initial scan did not finish")
	}
	return svc, stop
}
