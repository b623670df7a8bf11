package themer

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// rig is a themer wired to embedded JetStream and a folder storage, served
// by an httptest server.
type rig struct {
	js    jetstream.JetStream
	store *dirStorage
	svc   *Service
	srv   *httptest.Server
	stop  context.CancelFunc
	done  chan error
	base  atomic.Uint64
	// lastTheme is the sequence of the last change published that the
	// themer follows on DRIVE.
	lastTheme atomic.Uint64
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	_, js := testinfra.JetStream(t)
	return startRig(t, js, newDirStorage(t), cfg)
}

func startRig(t *testing.T, js jetstream.JetStream, store *dirStorage, cfg Config) *rig {
	t.Helper()
	svc, err := New(cfg, Deps{JS: js, Storage: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &rig{js: js, store: store, svc: svc, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- svc.Run(ctx) }()
	r.srv = httptest.NewServer(svc.Routes())
	t.Cleanup(func() {
		cancel()
		<-r.done
		r.srv.CloseClientConnections()
		r.srv.Close()
	})
	select {
	case <-svc.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("themer not ready after 10s")
	}
	return r
}

// publish sends a change to DRIVE and returns its stream sequence. Base
// is made unique so a file written back to older content is a new change.
func (r *rig) publish(t testing.TB, c events.Change) uint64 {
	t.Helper()
	c.Base = r.base.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ack, err := bus.Publish(ctx, r.js, &c)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Duplicate {
		t.Fatalf("change %s was a duplicate", c.Path)
	}
	if c.Kind != events.KindConfig {
		r.lastTheme.Store(ack.Sequence)
	}
	return ack.Sequence
}

// write changes a file in storage and publishes the change; it returns
// the change's stream sequence. A config.csv is then compiled as the
// compiler does it (its settings published in the settings bucket with
// that sequence) once the themer has applied every change published
// before, and write returns when the themer holds the settings, with the
// position it was at: the id of the theme.vars it sent, if any.
func (r *rig) write(t testing.TB, bot, path, content string) uint64 {
	t.Helper()
	seq := r.publish(t, r.store.put(t, bot, path, content))
	if events.Classify(path).Kind != events.KindConfig {
		return seq
	}
	r.waitApplied(t, r.lastTheme.Load())
	cfg, problems := botpkg.Validate([]byte(content))
	if botpkg.HasErrors(problems) {
		t.Fatalf("%q: %v", content, problems)
	}
	st := cfg.Settings()
	st.Bot, st.Path, st.Seq = bot, path, seq
	ctx := context.Background()
	kv, err := bus.EnsureSettings(ctx, r.js)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bus.PutSettings(ctx, kv, st); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.svc.hub.theme(bot).Settings != seq {
		if time.Now().After(deadline) {
			t.Fatalf("the themer did not apply the settings of %s at %d", path, seq)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return r.svc.hub.applied.Load()
}

// waitApplied waits until the themer applied seq.
func (r *rig) waitApplied(t testing.TB, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.svc.hub.applied.Load() < seq {
		if time.Now().After(deadline) {
			t.Fatalf("themer applied %d, want %d", r.svc.hub.applied.Load(), seq)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sseEvent is one parsed event (or comment) of a stream.
type sseEvent struct {
	id, name, data, comment, retry string
}

// stream is an open SSE connection read by a goroutine.
type stream struct {
	resp   *http.Response
	events chan sseEvent
	closed chan struct{}
}

func openStream(t testing.TB, url string, header map[string]string) *stream {
	t.Helper()
	s, status, body := tryStream(t, url, header)
	if s == nil {
		t.Fatalf("GET %s: status %d: %s", url, status, body)
	}
	return s
}

// tryStream opens a stream; on a status other than 200 it returns nil,
// the status and the body.
func tryStream(t testing.TB, url string, header map[string]string) (*stream, int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode, string(b)
	}
	s := &stream{resp: resp, events: make(chan sseEvent, 1024), closed: make(chan struct{})}
	go func() {
		defer close(s.closed)
		readSSE(resp.Body, s.events)
	}()
	t.Cleanup(func() { cancel(); resp.Body.Close(); <-s.closed })
	return s, 200, ""
}

// readSSE parses frames until the body ends.
func readSSE(body io.Reader, out chan<- sseEvent) {
	sc := bufio.NewScanner(body)
	var ev sseEvent
	var any bool
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if any {
				out <- ev
			}
			ev, any = sseEvent{}, false
			continue
		}
		any = true
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			ev.comment = value
		case "id":
			ev.id = value
		case "event":
			ev.name = value
		case "data":
			ev.data = value
		case "retry":
			ev.retry = value
		}
	}
}

// next returns the next event, skipping comments and retry fields.
func (s *stream) next(t testing.TB) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.events:
			if ev.name != "" {
				return ev
			}
		case <-s.closed:
			select {
			case ev := <-s.events:
				if ev.name != "" {
					return ev
				}
				continue
			default:
			}
			t.Fatal("stream closed while waiting for an event")
		case <-timeout:
			t.Fatal("no event within 10s")
		}
	}
}

// quiet asserts no event arrives for d.
func (s *stream) quiet(t testing.TB, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev := <-s.events:
			if ev.name != "" {
				t.Fatalf("unexpected event %s id %s: %s", ev.name, ev.id, ev.data)
			}
		case <-timeout:
			return
		}
	}
}

func decode[T any](t testing.TB, ev sseEvent) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(ev.data), &v); err != nil {
		t.Fatalf("event %s: %v: %s", ev.name, err, ev.data)
	}
	return v
}
