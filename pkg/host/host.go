package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/events/bus"
)

// Service is what a drivemon service gives its host.
type Service interface {
	// Run works until ctx ends; nil on a clean stop.
	Run(ctx context.Context) error
	// Routes is the service's HTTP API.
	Routes() http.Handler
}

// Check is one readiness check: nil when the dependency is usable.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Env is what a service is built from.
type Env struct {
	Common
	Lookup Lookup
	// Log has the configured level and format; each service adds its own
	// "service" attribute.
	Log     *slog.Logger
	NC      *nats.Conn
	JS      jetstream.JetStream
	Storage Storage
	Metrics *Metrics

	cleanup *[]func() error
}

// Get is the value of the variable k ("" when unset): a getenv-style
// function for configuration loaders.
func (l Lookup) Get(k string) string {
	v, _ := l(k)
	return v
}

// AtExit registers fn (closing a database, say) to run once the service
// stopped, or when the build fails; the last registered runs first.
func (e Env) AtExit(fn func() error) {
	if e.cleanup != nil {
		*e.cleanup = append(*e.cleanup, fn)
	}
}

// Build makes a service from its environment, with any readiness checks of
// its own (NATS and storage are checked already).
type Build func(ctx context.Context, env Env) (Service, []Check, error)

// Main is the whole main function of a service: name, default HTTP address,
// the service's own settings (CommonSettings are added), and how to build
// it. Every setting is read from its environment variable or, winning over
// it, from its flag; "<name> healthcheck" checks the instance beside it
// and "<name> --help" lists the settings. It exits 1 with the reason on
// failure.
func Main(name, httpAddr string, settings []Setting, build Build) {
	all := append(slices.Clone(CommonSettings), settings...)
	for i := range all {
		if all[i].Env == EnvHTTPAddr {
			all[i].Default = httpAddr // for --help; LoadCommon has it too
		}
	}
	args, err := ParseArgs(name, all, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, prefixed(name, err))
		os.Exit(2)
	}
	if args.Help {
		Usage(os.Stdout, name, all)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := args.Lookup(os.LookupEnv)
	if args.Healthcheck {
		err = Healthcheck(ctx, httpAddr, env)
	} else {
		err = Run(ctx, name, httpAddr, env, build)
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, prefixed(name, args.Explain(err)))
		os.Exit(1)
	}
}

// prefixed is err's message with each line starting with "name: ", once:
// a settings error (Load) already names its service.
func prefixed(name string, err error) string {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, name+": ") {
			lines[i] = name + ": " + l
		}
	}
	return strings.Join(lines, "\n")
}

// Run loads the settings, connects, builds the service (a service's
// settings are read there, before anything waits for NATS), creates the
// streams and serves the service until ctx ends. The consumers the build registered with Metrics.WatchConsumer
// are polled for the metrics while the service runs.
func Run(ctx context.Context, name, httpAddr string, env Lookup, build Build) error {
	common, err := LoadCommon(name, httpAddr, env)
	if err != nil {
		return err
	}
	base := common.Logger(os.Stderr)
	log := base.With("service", name)
	// Every stream and KV bucket the service creates gets these replicas.
	ctx = bus.WithReplicas(ctx, common.StreamReplicas)
	store, err := common.OpenStorage()
	if err != nil {
		return err
	}
	nc, err := nats.Connect(common.NATSURL, nats.Name("drivemon-"+name),
		nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", common.NATSURL, err)
	}
	defer nc.Drain()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	var cleanup []func() error
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			if cerr := cleanup[i](); cerr != nil {
				log.Warn("cleanup", "err", cerr)
			}
		}
	}()
	e := Env{Common: common, Lookup: env, Log: base, NC: nc, JS: js, Storage: store, Metrics: NewMetrics(), cleanup: &cleanup}
	// Build first: a bad setting fails at once, even while NATS is down.
	svc, checks, err := build(ctx, e)
	if err != nil {
		return err
	}
	if err := waitStreams(ctx, js, log); err != nil {
		return err
	}
	svc = polled{Service: svc, m: e.Metrics, js: js, log: log}
	checks = append([]Check{NATSCheck(nc), StorageCheck(store)}, checks...)
	ln, err := net.Listen("tcp", common.HTTPAddr)
	if err != nil {
		return fmt.Errorf("%s=%s: %w", EnvHTTPAddr, common.HTTPAddr, err)
	}
	log.Info("started", "http", ln.Addr().String(), "nats", common.NATSURL)
	return Serve(ctx, ln, svc, checks, e.Metrics, log)
}

// polled runs a service together with its consumers' metrics poller.
type polled struct {
	Service
	m   *Metrics
	js  ConsumerSource
	log *slog.Logger
}

func (p polled) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.m.PollConsumers(ctx, p.js, DefaultConsumerPoll, p.log)
	}()
	err := p.Service.Run(ctx)
	cancel()
	<-done
	return err
}

// waitStreams creates the streams, waiting (bounded) for NATS to come up.
func waitStreams(ctx context.Context, js jetstream.JetStream, log *slog.Logger) error {
	var err error
	for try := 1; try <= 30; try++ {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = bus.EnsureStreams(cctx, js, bus.StreamOptions{})
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
		log.Warn("waiting for JetStream", "try", try, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return fmt.Errorf("JetStream not available after 30 tries: %w", err)
}

// StreamGrace is how long requests still running when the server stops
// keep their context: then it is cancelled, which ends the streams that
// never finish by themselves (server-sent events), so a stop is prompt.
const StreamGrace = time.Second

// Serve runs svc and its HTTP server (routes plus /healthz, /readyz,
// /metrics) on ln until ctx ends or either fails, then stops both.
func Serve(ctx context.Context, ln net.Listener, svc Service, checks []Check, m *Metrics, log *slog.Logger) error {
	reqs, endRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer endRequests()
	srv := &http.Server{Handler: Handler(svc.Routes(), checks, m), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return reqs }}
	srv.RegisterOnShutdown(func() { time.AfterFunc(StreamGrace, endRequests) })
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return svc.Run(gctx) })
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	err := g.Wait()
	log.Info("stopped", "err", err)
	return err
}

// Handler mounts the operational routes next to a service's routes. The
// service routes are not wrapped in any timeout or compression (server-sent
// event streams must flush as they go).
func Handler(routes http.Handler, checks []Check, m *Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		status, body := http.StatusOK, ""
		for _, c := range checks {
			if err := c.Fn(ctx); err != nil {
				status = http.StatusServiceUnavailable
				body += fmt.Sprintf("%s: %v\n", c.Name, err)
			} else {
				body += c.Name + ": ok\n"
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	})
	if m != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	}
	if routes != nil {
		mux.Handle("/", routes)
	}
	return mux
}

// NATSCheck is ready while the connection is up.
func NATSCheck(nc *nats.Conn) Check {
	return Check{Name: "nats", Fn: func(context.Context) error {
		if s := nc.Status(); s != nats.CONNECTED {
			return fmt.Errorf("connection %s", s)
		}
		return nil
	}}
}

// StorageCheck is ready while the storage answers a listing of bots.
func StorageCheck(s interface {
	Bots(context.Context) ([]string, error)
}) Check {
	return Check{Name: "storage", Fn: func(ctx context.Context) error {
		_, err := s.Bots(ctx)
		return err
	}}
}
