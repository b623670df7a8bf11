package themer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// stuckWriter is a client connection that takes its first writes and then
// stops reading: every later Write blocks until release is closed.
type stuckWriter struct {
	header  http.Header
	free    int
	release chan struct{}

	mu     sync.Mutex
	writes int
}

func (w *stuckWriter) Header() http.Header { return w.header }
func (w *stuckWriter) WriteHeader(int)     {}
func (w *stuckWriter) Flush()              {}

func (w *stuckWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	w.writes++
	n := w.writes
	w.mu.Unlock()
	if n > w.free {
		<-w.release
		return 0, http.ErrHandlerTimeout
	}
	return len(b), nil
}

func TestIntegrationSlowClientIsDroppedOthersUnaffected(t *testing.T) {
	r := newRig(t, Config{ClientBuffer: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The stuck client takes the retry field and the snapshot, then stalls.
	stuck := &stuckWriter{header: http.Header{}, free: 2, release: make(chan struct{})}
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/bots/harbor/theme/events", nil)
	handlerDone := make(chan struct{})
	go func() {
		defer close(handlerDone)
		r.svc.Routes().ServeHTTP(stuck, req)
	}()
	fast := openStream(t, r.srv.URL+"/bots/harbor/theme/events", nil)
	fast.next(t)
	deadline := time.Now().Add(5 * time.Second)
	for r.svc.hub.subscribers("harbor") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the stuck client never subscribed")
		}
		time.Sleep(5 * time.Millisecond)
	}

	const n = 8 // more than the stuck client's handler write plus its buffer
	for i := range n {
		seq := r.write(t, "harbor", "harbor.gbtheme/a.css", "v"+strconv.Itoa(i))
		if ev := fast.next(t); ev.id != strconv.FormatUint(seq, 10) {
			t.Fatalf("fast client got id %s, want %d", ev.id, seq)
		}
	}
	if got := r.svc.hub.dropped.Load(); got != 1 {
		t.Fatalf("%d clients dropped, want the stuck one", got)
	}
	if got := r.svc.hub.subscribers("harbor"); got != 1 {
		t.Fatalf("%d subscribers left, want 1", got)
	}
	close(stuck.release) // its blocked write fails, as a write deadline would make it
	select {
	case <-handlerDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the dropped client's handler did not return")
	}
}
