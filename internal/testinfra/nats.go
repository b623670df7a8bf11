package testinfra

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/natsembed"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// NATS is an embedded JetStream server for one test: random port, store in
// t.TempDir(), shut down at the end of the test.
type NATS struct {
	Server *natsembed.Server
	URL    string
	// addr and dir are set for a server on a fixed address, which Restart
	// starts again with the same store.
	addr, dir string
}

// StartNATS starts an embedded JetStream server for t.
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	srv, err := natsembed.Start(natsembed.Config{Addr: "127.0.0.1:-1", StoreDir: t.TempDir()})
	if err != nil {
		t.Fatalf("starting embedded NATS: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	return &NATS{Server: srv, URL: srv.ClientURL()}
}

// Connect opens a client connection and a JetStream context, closed at the
// end of the test.
func (n *NATS) Connect(t testing.TB) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(n.URL, nats.Name(t.Name()))
	if err != nil {
		t.Fatalf("connecting to %s: %v", n.URL, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// JetStream starts a server, connects, creates drivemon's streams and
// returns the JetStream context: the common start of an integration test.
func JetStream(t testing.TB) (*NATS, jetstream.JetStream) {
	t.Helper()
	n := StartNATS(t)
	_, js := n.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		t.Fatalf("creating streams: %v", err)
	}
	return n, js
}

// StartNATSAt starts an embedded JetStream server on a fixed address (the
// one MinIO notifies). Tests of several packages (run in parallel by go
// test) want that address, so it is held under a file lock for the whole
// test: they take turns, waiting up to 10 minutes.
func StartNATSAt(t testing.TB, addr string) *NATS {
	t.Helper()
	lockAddress(t, addr, 10*time.Minute)
	n := &NATS{addr: addr, dir: t.TempDir()}
	n.start(t)
	t.Cleanup(func() { n.Server.Shutdown() })
	return n
}

// Restart stops a server started by StartNATSAt, keeps it down for down,
// and starts it again on the same address with the same store, as a NATS
// outage does.
func (n *NATS) Restart(t testing.TB, down time.Duration) {
	t.Helper()
	if n.addr == "" {
		t.Fatal("Restart: only a server on a fixed address (StartNATSAt) can be restarted")
	}
	n.Server.Shutdown()
	time.Sleep(down)
	n.start(t)
}

// start starts the server on n.addr, retrying for 10 s while the address
// is still held (by the previous run of the server).
func (n *NATS) start(t testing.TB) {
	t.Helper()
	var lastErr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		srv, err := natsembed.Start(natsembed.Config{Addr: n.addr, StoreDir: n.dir, ReadyTimeout: 2 * time.Second})
		if err == nil {
			n.Server, n.URL = srv, srv.ClientURL()
			return
		}
		lastErr = err
	}
	t.Fatalf("starting embedded NATS on %s: %v", n.addr, lastErr)
}

// lockAddress takes an exclusive lock named after addr, released when the
// test ends (after its other cleanups, so the server is down by then).
func lockAddress(t testing.TB, addr string, wait time.Duration) {
	t.Helper()
	name := filepath.Join(os.TempDir(), "drivemon-test-"+strings.NewReplacer(":", "_", "/", "_").Replace(addr)+".lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("lock for %s: %v", addr, err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			f.Close()
			t.Fatalf("%s is held by another test package for more than %s", addr, wait)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Registered first, so it runs last.
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}
