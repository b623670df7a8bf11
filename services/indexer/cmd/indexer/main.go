// Command indexer keeps the vector index of bots' knowledge bases in line
// with their documents and serves the KB search API (see package indexer).
//
// Configuration comes from the environment (see indexer.FromEnv) plus
// DRIVEMON_NATS_URL (default nats://127.0.0.1:4222), DRIVEMON_HTTP_ADDR
// (default 127.0.0.1:8083), and the storage documents are read from:
// DRIVEMON_DIR (a folder of <bot>.gbai packages) or DRIVEMON_S3_ENDPOINT
// with DRIVEMON_S3_ACCESS_KEY, DRIVEMON_S3_SECRET_KEY, DRIVEMON_S3_REGION,
// DRIVEMON_S3_SECURE and DRIVEMON_S3_BUCKET.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/indexer"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, log); err != nil {
		log.Error("indexer stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	cfg, err := indexer.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	storage, err := storageFromEnv()
	if err != nil {
		return err
	}
	url := envOr("DRIVEMON_NATS_URL", nats.DefaultURL)
	nc, err := nats.Connect(url, nats.Name("drivemon-indexer"), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", url, err)
	}
	defer nc.Drain()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if err := events.EnsureStreams(ctx, js, events.StreamOptions{}); err != nil {
		return err
	}
	svc, err := indexer.New(cfg, indexer.Deps{JetStream: js, Reader: storage, Logger: log})
	if err != nil {
		return err
	}
	defer svc.Close()
	srv := &http.Server{Addr: envOr("DRIVEMON_HTTP_ADDR", "127.0.0.1:8083"), Handler: svc.Routes(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return svc.Run(ctx) })
	g.Go(func() error {
		log.Info("indexer listening", "addr", srv.Addr)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http %s: %w", srv.Addr, err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	return g.Wait()
}

// storageFromEnv opens the folder or S3 storage the environment names.
func storageFromEnv() (indexer.Reader, error) {
	if dir := os.Getenv("DRIVEMON_DIR"); dir != "" {
		return drive.NewDir(dir), nil
	}
	if ep := os.Getenv("DRIVEMON_S3_ENDPOINT"); ep != "" {
		secure := false
		if v := os.Getenv("DRIVEMON_S3_SECURE"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("DRIVEMON_S3_SECURE=%q: %w", v, err)
			}
			secure = b
		}
		return drive.NewS3(drive.S3Config{
			Endpoint: ep, AccessKey: os.Getenv("DRIVEMON_S3_ACCESS_KEY"), SecretKey: os.Getenv("DRIVEMON_S3_SECRET_KEY"),
			Region: os.Getenv("DRIVEMON_S3_REGION"), Secure: secure, Bucket: os.Getenv("DRIVEMON_S3_BUCKET"),
		})
	}
	return nil, errors.New("indexer: no storage: set DRIVEMON_DIR or DRIVEMON_S3_ENDPOINT")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
