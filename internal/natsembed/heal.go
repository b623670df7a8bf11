package natsembed

import (
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// healFree is the free space the store's file system needs before
// JetStream is reloaded after write errors.
const healFree = 8 << 20

// healer brings JetStream back after its store ran out of space. When a
// write to a stream's files fails (a full disk), nats-server keeps that
// error for the stream and refuses every later write to it, even once
// space is back, until the stream is loaded again. So once a critical
// write error was logged, the healer watches the free space of the store
// and, when there is room again, reloads JetStream: streams and
// consumers are read back from disk (nothing stored is lost), clients see
// a short interruption and carry on.
type healer struct {
	ns       *server.Server
	dir      string
	maxMem   int64
	log      *slog.Logger
	broken   atomic.Bool
	done     chan struct{}
	running  sync.WaitGroup
	stopOnce sync.Once
	// Reloads counts reloads done (tests, logs).
	reloads atomic.Int64
}

func newHealer(ns *server.Server, dir string, maxMem int64, log *slog.Logger) *healer {
	return &healer{ns: ns, dir: dir, maxMem: maxMem, log: log, done: make(chan struct{})}
}

// noteError looks at an error the server logged.
func (h *healer) noteError(msg string) {
	m := strings.ToLower(msg)
	if strings.Contains(m, "critical write error") {
		h.broken.Store(true)
	}
}

func (h *healer) start() { h.running.Go(h.run) }

func (h *healer) run() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
			if h.broken.Load() && freeSpace(h.dir) >= healFree {
				h.reload()
			}
		}
	}
}

func (h *healer) reload() {
	h.broken.Store(false)
	if err := h.ns.ShutdownJetStream(); err != nil {
		h.log.Warn("JetStream reload after storage errors: shutting down", "err", err)
		h.broken.Store(true)
		return
	}
	if err := h.ns.EnableJetStream(&server.JetStreamConfig{StoreDir: h.dir, MaxMemory: h.maxMem}); err != nil {
		h.log.Error("JetStream reload after storage errors: starting", "err", err)
		h.broken.Store(true)
		return
	}
	h.reloads.Add(1)
	h.log.Warn("JetStream reloaded after storage write errors: space is back", "store", h.dir)
}

// stop ends the watch and waits for a reload under way.
func (h *healer) stop() {
	h.stopOnce.Do(func() { close(h.done) })
	h.running.Wait()
}

// freeSpace is the space available to the server under dir (0 if unknown).
func freeSpace(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// Reloads is how many times JetStream was reloaded after storage errors.
func (s *Server) Reloads() int64 { return s.heal.reloads.Load() }
