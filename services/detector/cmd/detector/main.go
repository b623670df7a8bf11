// Command detector watches bot packages in a local folder and/or an
// S3-compatible store and publishes every change on the DRIVE stream.
//
// Configuration comes from the environment (see detector.FromEnv) plus
// DRIVEMON_NATS_URL (default nats://127.0.0.1:4222) and DRIVEMON_HTTP_ADDR
// (default 127.0.0.1:8083, serving /api/detector/status).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/services/detector"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, log); err != nil {
		log.Error("detector stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	cfg, err := detector.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	url := envOr("DRIVEMON_NATS_URL", nats.DefaultURL)
	nc, err := nats.Connect(url, nats.Name("drivemon-detector"), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	defer nc.Drain()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(256))
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	svc, err := detector.New(cfg, detector.Deps{JS: js, Log: log})
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: envOr("DRIVEMON_HTTP_ADDR", "127.0.0.1:8083"), Handler: svc.Routes(), ReadHeaderTimeout: 10 * time.Second}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return svc.Run(ctx) })
	g.Go(func() error {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http %s: %w", srv.Addr, err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	return g.Wait()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
