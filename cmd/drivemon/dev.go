package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/internal/natsembed"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/compiler"
	"github.com/drivemon/drivemon/services/detector"
	"github.com/drivemon/drivemon/services/files"
	"github.com/drivemon/drivemon/services/files/audit"
	"github.com/drivemon/drivemon/services/indexer"
	"github.com/drivemon/drivemon/services/themer"
)

// devConfig is the configuration of `drivemon dev`.
type devConfig struct {
	NATSAddr string
	HTTPAddr string
	DataDir  string
	Dir      string
	Settle   time.Duration
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
	if c.Settle < 0 || c.Settle > 10*time.Second {
		return fmt.Errorf("--settle %s: want 0 to 10s", c.Settle)
	}
	return nil
}

func parseDevFlags(args []string, stderr io.Writer) (devConfig, error) {
	cfg := devConfig{}
	fs := flagSet("drivemon dev", stderr)
	fs.StringVar(&cfg.NATSAddr, "nats", "127.0.0.1:4222", "address of the embedded NATS server (the nats CLI can attach)")
	fs.StringVar(&cfg.HTTPAddr, "http", "127.0.0.1:8080", "address of the HTTP server (dashboard, APIs, /healthz)")
	fs.StringVar(&cfg.DataDir, "data", "./.drivemon", "folder for all state (JetStream store, compiled scripts, vector index, audit log)")
	fs.StringVar(&cfg.Dir, "dir", "./examples/bots", "folder of <bot>.gbai packages to watch")
	fs.DurationVar(&cfg.Settle, "settle", 50*time.Millisecond, "how long a file must be quiet before its change is reported")
	fs.TextVar(&cfg.LogLevel, "log-level", slog.LevelWarn, "level of the services' logs on stderr: debug, info, warn, error")
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, usagef("unexpected arguments %q", fs.Args())
	}
	if err := cfg.validate(); err != nil {
		return cfg, usageError{err.Error()}
	}
	return cfg, nil
}

// runDev runs every service in one process until ctx ends. Ctrl-C during
// the start is a clean stop too.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	defer func() {
		if ctx.Err() != nil && errors.Is(err, context.Canceled) {
			err = nil
		}
	}()
	cfg, err := parseDevFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	lock, err := lockData(cfg.DataDir)
	if err != nil {
		return err
	}
	defer lock.release()
	ln, err := listen("--http", cfg.HTTPAddr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if err := portFree("--nats", cfg.NATSAddr); err != nil {
		return err
	}
	if noteDir(stdout, cfg.Dir) {
		notePackages(stdout, cfg.Dir, cfg.DataDir)
	}
	ns, err := natsembed.Start(natsembed.Config{Addr: cfg.NATSAddr, StoreDir: filepath.Join(cfg.DataDir, "nats"), Log: log})
	if err != nil {
		return fmt.Errorf("starting embedded NATS (--nats %s): %w", cfg.NATSAddr, err)
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL(), nats.Name("drivemon dev"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("connecting to embedded NATS: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		return err
	}
	// The compiler publishes settings there, the themer and indexer watch
	// it; each opens it too, so the order they start in does not matter.
	if _, err := bus.EnsureSettings(ctx, js); err != nil {
		return err
	}
	metrics := host.NewMetrics()
	app, err := newDevApp(ctx, cfg, nc, js, log, stdout, metrics)
	if err != nil {
		return err
	}
	defer app.close()
	fmt.Fprintf(stdout, "drivemon dev: watching %s · dashboard http://%s/ · NATS %s · state in %s\n", cfg.Dir, ln.Addr(), ns.ClientURL(), cfg.DataDir)
	checks := []host.Check{host.NATSCheck(nc), host.StorageCheck(app.store), {Name: "index", Fn: app.indexer.Ping}, app.indexer.WritesCheck()}
	return host.Serve(ctx, ln, app, checks, metrics, log)
}

//go:embed dashboard.html
var dashboardHTML []byte

// devApp is every service of drivemon wired in one process.
type devApp struct {
	store    *drive.Dir
	detector *detector.Service
	compiler *compiler.Service
	indexer  *indexer.Service
	themer   *themer.Service
	files    *files.Service
	feed     *feed
	progress *progress
	js       jetstream.JetStream
	metrics  *host.Metrics
	log      *slog.Logger
	routes   http.Handler
	closers  []func() error

	sseMu sync.Mutex
	sse   map[string]int // bot → open theme streams
}

func newDevApp(ctx context.Context, cfg devConfig, nc *nats.Conn, js jetstream.JetStream, log *slog.Logger, stdout io.Writer, m *host.Metrics) (a *devApp, err error) {
	a = &devApp{store: drive.NewDir(cfg.Dir), js: js, metrics: m, log: log}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	dataAbs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if a.detector, err = detector.New(detector.Config{Dir: cfg.Dir, Settle: cfg.Settle, IgnorePaths: []string{dataAbs}},
		detector.Deps{JS: js, Log: log.With("service", "detector"), Dir: a.store, Detected: m.ChangeDetected}); err != nil {
		return nil, err
	}
	ccfg := compiler.Config{DataDir: filepath.Join(cfg.DataDir, "compiler")}
	cstore, err := compiler.OpenStore(ctx, ccfg)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, cstore.Close)
	if a.compiler, err = compiler.New(ccfg, compiler.Deps{JS: js, Storage: a.store, Store: cstore, Log: log.With("service", "compiler"), Observe: m.Observer(compiler.Name)}); err != nil {
		return nil, err
	}
	if a.indexer, err = indexer.New(indexer.Config{DataDir: filepath.Join(cfg.DataDir, "indexer")},
		indexer.Deps{JetStream: js, Reader: a.store, Logger: log.With("service", "indexer"), Observe: m.Observer(indexer.ServiceName)}); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.indexer.Close)
	if a.themer, err = themer.New(themer.Config{}, themer.Deps{JS: js, Storage: a.store, Log: log.With("service", "themer"), SSEClients: a.countClients}); err != nil {
		return nil, err
	}
	fcfg := files.Config{AllowLoopback: true, LoopbackNATS: files.LoopbackAddr(cfg.NATSAddr), Token: os.Getenv(files.EnvToken), ServeNATS: true, Audit: audit.Config{Dir: filepath.Join(cfg.DataDir, "audit")}}
	if a.files, err = files.New(ctx, fcfg, files.Deps{JS: js, NC: nc, Store: a.store, Log: log.With("service", "files")}); err != nil {
		return nil, err
	}
	m.WatchConsumer(compiler.Name, events.StreamDrive, bus.ConsumerCompiler)
	m.WatchConsumer(indexer.ServiceName, events.StreamDrive, bus.ConsumerIndexer)
	a.progress = newProgress(stdout)
	a.feed = newFeed(stdout, a.store.PackageDir, a.progress)
	a.feed.clients = a.themeClients

	dev := chi.NewRouter()
	dev.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(dashboardHTML)
	})
	dev.Get("/api/dev/files", a.feed.serveFiles)
	dev.Get("/api/dev/events", a.feed.serveEvents)
	if a.routes, err = mergeRoutes(map[string]http.Handler{
		"dev": dev, "detector": a.detector.Routes(), "compiler": a.compiler.Routes(),
		"indexer": a.indexer.Routes(), "themer": a.themer.Routes(), "files": a.files.Routes(),
	}, devGuard(cfg.HTTPAddr), knownBots(a.store)); err != nil {
		return nil, err
	}
	return a, nil
}

// countClients follows the themer's open streams per bot: for the
// metrics, and for "pushed to N clients" in the change log.
func (a *devApp) countClients(bot string, delta int) {
	a.metrics.SSEClients(bot, delta)
	a.sseMu.Lock()
	defer a.sseMu.Unlock()
	if a.sse == nil {
		a.sse = map[string]int{}
	}
	a.sse[bot] += delta
}

func (a *devApp) themeClients(bot string) int {
	a.sseMu.Lock()
	defer a.sseMu.Unlock()
	return a.sse[bot]
}

// Routes implements host.Service.
func (a *devApp) Routes() http.Handler { return a.routes }

// Run implements host.Service: the change log starts first, so it sees
// the initial scan, then every service.
func (a *devApp) Run(ctx context.Context) error {
	// Before any service runs: what their consumers left unfinished.
	bl, err := newBacklog(ctx, a.js, bus.ConsumerCompiler, bus.ConsumerIndexer)
	if err != nil {
		return err
	}
	a.progress.backlogLeft = len(bl.upTo) > 0
	if err := a.feed.start(ctx, a.js); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		bl.watch(ctx, 250*time.Millisecond, a.progress.backlogDrained)
		return nil
	})
	g.Go(func() error { return a.feed.run(ctx) })
	for _, svc := range []interface{ Run(context.Context) error }{a.detector, a.compiler, a.indexer, a.themer, a.files} {
		g.Go(func() error { return svc.Run(ctx) })
	}
	g.Go(func() error {
		a.metrics.PollConsumers(ctx, a.js, host.DefaultConsumerPoll, a.log)
		return nil
	})
	g.Go(func() error {
		select {
		case <-a.detector.Scanned():
			a.progress.scanned()
		case <-ctx.Done():
		}
		return nil
	})
	return g.Wait()
}

func (a *devApp) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
}
