package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/natsembed"
)

// devConfig is the configuration of `drivemon dev`.
type devConfig struct {
	NATSAddr string
	HTTPAddr string
	DataDir  string
	Dir      string
	LogLevel slog.Level
}

func (c devConfig) validate() error {
	for name, addr := range map[string]string{"--nats": c.NATSAddr, "--http": c.HTTPAddr} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%s %q: want host:port: %w", name, addr, err)
		}
	}
	if c.DataDir == "" {
		return errors.New("--data is empty")
	}
	if c.Dir == "" {
		return errors.New("--dir is empty")
	}
	return nil
}

func parseDevFlags(args []string, stderr io.Writer) (devConfig, error) {
	cfg := devConfig{}
	fs := flag.NewFlagSet("drivemon dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.NATSAddr, "nats", "127.0.0.1:4222", "address of the embedded NATS server (the nats CLI can attach)")
	fs.StringVar(&cfg.HTTPAddr, "http", "127.0.0.1:8080", "address of the HTTP server (APIs, dashboard, /healthz)")
	fs.StringVar(&cfg.DataDir, "data", "./.drivemon", "folder for all state (JetStream store, compiled scripts, vector index)")
	fs.StringVar(&cfg.Dir, "dir", "./examples/bots", "folder of <bot>.gbai packages to watch")
	fs.TextVar(&cfg.LogLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return cfg, cfg.validate()
}

// runDev wires and runs everything until ctx ends.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseDevFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("creating --data %s: %w", cfg.DataDir, err)
	}

	ns, err := natsembed.Start(natsembed.Config{Addr: cfg.NATSAddr, StoreDir: filepath.Join(cfg.DataDir, "nats"), Log: log})
	if err != nil {
		return fmt.Errorf("starting embedded NATS: %w", err)
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL(), nats.Name("drivemon dev"))
	if err != nil {
		return fmt.Errorf("connecting to embedded NATS: %w", err)
	}
	defer nc.Drain()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if err := events.EnsureStreams(ctx, js, events.StreamOptions{}); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("--http %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: devRoutes(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("drivemon dev ready", "nats", ns.ClientURL(), "http", "http://"+ln.Addr().String(), "dir", cfg.Dir, "data", cfg.DataDir)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	g.Go(func() error {
		n, err := initialScan(gctx, drive.NewDir(cfg.Dir), js, log)
		log.Info("initial scan done", "published", n)
		return err
	})
	err = g.Wait()
	log.Info("drivemon dev stopped")
	return err
}

func devRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// initialScan publishes a created event for every file under dir. It is the
// skeleton's stand-in for the detector's reconciliation.
func initialScan(ctx context.Context, store *drive.Dir, js events.MsgPublisher, log *slog.Logger) (int, error) {
	bots, err := store.Bots(ctx)
	if err != nil {
		if errors.Is(err, drive.ErrNotFound) {
			log.Warn("watched folder does not exist yet", "dir", store.Root())
			return 0, nil
		}
		return 0, err
	}
	n := 0
	for _, bot := range bots {
		for obj, err := range store.List(ctx, bot, "") {
			if err != nil {
				log.Warn("skipping", "bot", bot, "err", err)
				continue
			}
			full, err := store.Stat(ctx, bot, obj.Path)
			if err != nil {
				log.Warn("skipping", "bot", bot, "path", obj.Path, "err", err)
				continue
			}
			c := events.NewChange(bot, events.OpCreated, obj.Path)
			c.ETag, c.Size, c.MTime = full.ETag, full.Size, full.MTime
			c.Source, c.DetectedBy = events.SourceDir, events.DetectedByReconcile
			if _, err := events.Publish(ctx, js, &c); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
