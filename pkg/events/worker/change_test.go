package worker_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// published records the outcomes a Changes worker publishes, by path.
type published struct {
	mu     sync.Mutex
	byPath map[string][]events.Outcome
	// fail, while above zero, refuses that many publishes.
	fail int
}

func (p *published) publish(_ context.Context, o *events.Outcome) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail > 0 {
		p.fail--
		return errors.New("outcome stream full")
	}
	if p.byPath == nil {
		p.byPath = map[string][]events.Outcome{}
	}
	p.byPath[o.Path] = append(p.byPath[o.Path], *o)
	return nil
}

func (p *published) of(path string) []events.Outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]events.Outcome(nil), p.byPath[path]...)
}

// runChanges publishes one change per path and runs a Changes worker over
// them until stop says so.
func runChanges(t *testing.T, paths []string, ch worker.Changes, cfg worker.Config, stop func() bool) jetstream.JetStream {
	t.Helper()
	return runWith(t, paths, cfg, changesWorker(ch), stop)
}

func changesWorker(ch worker.Changes) func(worker.Consumer, jetstream.JetStream, worker.Config) *worker.Worker {
	return func(cons worker.Consumer, js jetstream.JetStream, cfg worker.Config) *worker.Worker {
		return worker.NewChanges(cons, js, ch, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
}

// TestIntegrationChangesOutcomePolicy: a change's outcome is published on
// its final verdict and on a first try that failed and is retried; the
// tries in between publish nothing.
func TestIntegrationChangesOutcomePolicy(t *testing.T) {
	fast := worker.Config{MaxDeliver: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	var pub published
	var calls counter
	handle := func(ctx context.Context, c events.Change) (events.Outcome, error) {
		n := calls.inc(c.Path)
		o := events.OutcomeFor("svc", &c)
		o.KB = "set-by-handler"
		o.Status = events.StatusOK
		switch c.Path {
		case "flaky.bas":
			if n < 3 {
				return o, errors.New("database down")
			}
			time.Sleep(20 * time.Millisecond)
		case "broken.bas":
			return o, errors.New("still down")
		case "bad.bas":
			return o, worker.Permanent(errors.New("malformed"))
		case "own.bas":
			o.Status, o.Error = events.StatusFailed, "file too large"
			return o, worker.Permanent(errors.New("reading own.bas: file too large"))
		case "early.bas":
			return events.Outcome{}, errors.New("failed before any outcome")
		case "panic.bas":
			panic("boom")
		case "quiet.bas":
			return events.Outcome{}, nil
		}
		return o, nil
	}
	paths := []string{"flaky.bas", "broken.bas", "bad.bas", "own.bas", "early.bas", "panic.bas", "quiet.bas", "good.bas"}
	js := runChanges(t, paths, worker.Changes{Service: "svc", Handle: handle, Publish: pub.publish}, fast, func() bool {
		return len(pub.of("flaky.bas")) == 2 && len(pub.of("broken.bas")) == 2 &&
			len(pub.of("early.bas")) == 2 && len(pub.of("own.bas")) == 1 && len(pub.of("panic.bas")) == 1 && calls.get("quiet.bas") == 1
	})
	type want struct {
		status  events.Status
		kb, err string
		attempt int
	}
	okFromHandler := func(attempt int) want { return want{events.StatusOK, "set-by-handler", "", attempt} }
	for path, wants := range map[string][]want{
		"flaky.bas":  {{events.StatusFailed, "set-by-handler", "database down", 1}, okFromHandler(3)},
		"good.bas":   {okFromHandler(1)},
		"broken.bas": {{events.StatusFailed, "set-by-handler", "still down", 1}, {events.StatusFailed, "set-by-handler", "still down", 3}},
		"bad.bas":    {{events.StatusFailed, "set-by-handler", "permanent failure: malformed", 1}},
		"own.bas":    {{events.StatusFailed, "set-by-handler", "file too large", 1}},
		"early.bas":  {{events.StatusFailed, "", "failed before any outcome", 1}, {events.StatusFailed, "", "failed before any outcome", 3}},
		"panic.bas":  {{events.StatusFailed, "", "permanent failure: handler panic: boom", 1}},
	} {
		t.Run(path, func(t *testing.T) {
			got := pub.of(path)
			if len(got) != len(wants) {
				t.Fatalf("%d outcomes %+v, want %d", len(got), got, len(wants))
			}
			for i, w := range wants {
				o := got[i]
				if o.Status != w.status || o.KB != w.kb || o.Error != w.err || o.Attempt != w.attempt || o.Service != "svc" || o.Bot != "bot" || o.ChangeID == "" {
					t.Fatalf("outcome %d: %+v, want status %s kb %q error %q attempt %d", i, o, w.status, w.kb, w.err, w.attempt)
				}
			}
		})
	}
	if o := pub.of("flaky.bas")[1]; o.Millis < 20 {
		t.Errorf("flaky outcome took %d ms, the handler slept 20", o.Millis)
	}
	if got := pub.of("quiet.bas"); len(got) != 0 {
		t.Errorf("a handler's zero outcome was published: %+v", got)
	}
	if n := len(deadLetters(t, js)); n != 5 {
		t.Errorf("%d dead letters, want 5 (broken, bad, own, early, panic)", n)
	}
}

// TestIntegrationChangesPublishFailureRetries: a change whose outcome
// cannot be published is not acknowledged; the retry publishes it.
func TestIntegrationChangesPublishFailureRetries(t *testing.T) {
	pub := published{fail: 1}
	var calls counter
	handle := func(ctx context.Context, c events.Change) (events.Outcome, error) {
		calls.inc(c.Path)
		o := events.OutcomeFor("svc", &c)
		o.Status = events.StatusOK
		return o, nil
	}
	cfg := worker.Config{MaxDeliver: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	runChanges(t, []string{"a.bas"}, worker.Changes{Service: "svc", Handle: handle, Publish: pub.publish}, cfg, func() bool {
		return len(pub.of("a.bas")) == 1
	})
	if n := calls.get("a.bas"); n != 2 {
		t.Fatalf("handler ran %d times, want 2 (the first outcome was refused)", n)
	}
	if o := pub.of("a.bas")[0]; o.Attempt != 2 || o.Status != events.StatusOK {
		t.Fatalf("outcome %+v, want ok on attempt 2", o)
	}
}

// TestIntegrationChangesUndecodable: a message that is not a change is
// parked at once; its failed outcome goes to the bot its subject names,
// on the OUTCOMES stream (the default publisher).
func TestIntegrationChangesUndecodable(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := events.NewChange("harbor", events.OpCreated, "x.bas")
	msg := nats.NewMsg(events.ChangeSubject(&c))
	msg.Data = []byte("{not json")
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	var calls counter
	handle := func(ctx context.Context, c events.Change) (events.Outcome, error) {
		calls.inc(c.Path)
		return events.Outcome{}, nil
	}
	outcomes := func() []events.Outcome {
		s, err := js.Stream(ctx, events.StreamOutcomes)
		if err != nil {
			t.Fatal(err)
		}
		var out []events.Outcome
		for seq := uint64(1); seq <= s.CachedInfo().State.LastSeq; seq++ {
			m, err := s.GetMsg(ctx, seq)
			if err != nil {
				t.Fatal(err)
			}
			o, err := events.DecodeOutcome(m.Data)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, o)
		}
		return out
	}
	runOn(t, ctx, js, worker.Config{}, changesWorker(worker.Changes{Service: "svc", Handle: handle}), func() bool {
		return len(deadLetters(t, js)) == 1 && len(outcomes()) == 1
	})
	o := outcomes()[0]
	if o.Service != "svc" || o.Bot != "harbor" || o.Kind != events.KindDialog || o.Status != events.StatusFailed || o.Attempt != 1 || o.ChangeSeq != 1 {
		t.Fatalf("outcome %+v, want svc's failed outcome for harbor's dialog, seq 1, attempt 1", o)
	}
	if len(calls.n) != 0 {
		t.Fatalf("the handler was called on an undecodable message: %v", calls.n)
	}
}
