// Package natsembed runs a NATS server with JetStream inside the process: the
// broker of `drivemon dev` and of the tests. It is a real nats-server, so the
// nats CLI and any client can attach to it.
//
// nats-server keeps the first write error of a stream's files (a full
// disk) and refuses every later write to that stream until it loads the
// stream again. The embedded server heals that by itself (heal.go): once
// such an error was logged and the store's file system has 8 MiB free
// again, JetStream is reloaded from disk; Reloads counts the reloads.
package natsembed

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Config says where the server listens and stores.
type Config struct {
	// Addr is host:port; port 0 or -1 picks a free port.
	Addr string
	// StoreDir holds JetStream's files.
	StoreDir string
	// Log receives the server's notices and errors (nil: silent).
	Log *slog.Logger
	// ReadyTimeout bounds the wait for the server to accept clients.
	ReadyTimeout time.Duration
}

// Server is a running embedded server.
type Server struct {
	ns   *server.Server
	heal *healer
}

// Start starts the server and waits until it accepts connections.
func Start(cfg Config) (*Server, error) {
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("nats address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < -1 || port > 65535 {
		return nil, fmt.Errorf("nats address %q: bad port", cfg.Addr)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	if cfg.StoreDir == "" {
		return nil, fmt.Errorf("nats: no JetStream store directory")
	}
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = 10 * time.Second
	}
	opts := &server.Options{
		Host:               host,
		Port:               port,
		JetStream:          true,
		StoreDir:           cfg.StoreDir,
		NoSigs:             true,
		MaxPayload:         8 << 20,
		JetStreamMaxMemory: 256 << 20,
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := newHealer(ns, cfg.StoreDir, opts.JetStreamMaxMemory, log)
	ns.SetLoggerV2(&slogAdapter{log: log.With("component", "nats-server"), onError: h.noteError}, false, false, false)
	go ns.Start()
	if !ns.ReadyForConnections(cfg.ReadyTimeout) {
		ns.Shutdown()
		return nil, fmt.Errorf("nats server on %s not ready after %s (port taken?)", cfg.Addr, cfg.ReadyTimeout)
	}
	h.start()
	return &Server{ns: ns, heal: h}, nil
}

// ClientURL is the nats:// URL clients connect to.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// Shutdown stops the server and waits for it to end.
func (s *Server) Shutdown() {
	s.heal.stop()
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

type slogAdapter struct {
	log     *slog.Logger
	onError func(msg string)
}

func (a *slogAdapter) Noticef(format string, v ...any) { a.log.Debug(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Warnf(format string, v ...any)   { a.log.Warn(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Fatalf(format string, v ...any)  { a.log.Error(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Errorf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	a.log.Error(msg)
	a.onError(msg)
}
func (a *slogAdapter) Debugf(format string, v ...any) { a.log.Debug(fmt.Sprintf(format, v...)) }
func (a *slogAdapter) Tracef(format string, v ...any) {}
