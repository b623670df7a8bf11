// Command compiler compiles the dialogs and config.csv files of bot
// packages as they change and serves the results (see package compiler).
//
// Configuration comes from the environment: compiler.FromEnv
// (COMPILER_PG_DSN for PostgreSQL or COMPILER_DATA_DIR for the embedded
// store, COMPILER_CONCURRENCY, …), DRIVEMON_NATS_URL (default
// nats://127.0.0.1:4222), DRIVEMON_HTTP_ADDR (default 127.0.0.1:8082), and
// the storage files are read from: DRIVEMON_DIR (a folder of <bot>.gbai
// packages) or DRIVEMON_S3_ENDPOINT with DRIVEMON_S3_ACCESS_KEY,
// DRIVEMON_S3_SECRET_KEY, DRIVEMON_S3_REGION, DRIVEMON_S3_SECURE and
// DRIVEMON_S3_BUCKET. Flags override the environment.
package main

import (
	"context"
	"errors"
	"flag"
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
	"github.com/drivemon/drivemon/services/compiler"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(ctx, log, os.Args[1:]); err != nil {
		log.Error("compiler stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	cfg, err := compiler.FromEnv(os.LookupEnv)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("compiler", flag.ContinueOnError)
	natsURL := fs.String("nats", envOr("DRIVEMON_NATS_URL", nats.DefaultURL), "NATS server URL")
	addr := fs.String("http", envOr("DRIVEMON_HTTP_ADDR", "127.0.0.1:8082"), "HTTP listen address of the read API")
	fs.StringVar(&cfg.PostgresDSN, "pg", cfg.PostgresDSN, "PostgreSQL DSN of the store")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "folder of the embedded store (when no PostgreSQL DSN)")
	dir := fs.String("dir", os.Getenv("DRIVEMON_DIR"), "storage: a folder of <bot>.gbai packages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	storage, err := openStorage(*dir)
	if err != nil {
		return err
	}
	st, err := compiler.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	nc, err := nats.Connect(*natsURL, nats.Name("drivemon-compiler"), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", *natsURL, err)
	}
	defer nc.Drain()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if err := events.EnsureStreams(ctx, js, events.StreamOptions{}); err != nil {
		return err
	}
	svc, err := compiler.New(cfg, compiler.Deps{JS: js, Storage: storage, Store: st, Log: log})
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: svc.Routes(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return svc.Run(ctx) })
	g.Go(func() error {
		log.Info("compiler listening", "addr", srv.Addr)
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

// openStorage opens the folder, or the S3 store the environment names.
func openStorage(dir string) (compiler.Storage, error) {
	if dir != "" {
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
	return nil, errors.New("compiler: no storage: set -dir, DRIVEMON_DIR or DRIVEMON_S3_ENDPOINT")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
