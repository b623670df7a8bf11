package reliability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/natsembed"
	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/compiler"
	"github.com/drivemon/drivemon/services/compiler/store"
	"github.com/drivemon/drivemon/services/detector"
	"github.com/drivemon/drivemon/services/files"
	"github.com/drivemon/drivemon/services/indexer"
	"github.com/drivemon/drivemon/services/indexer/embed"
	"github.com/drivemon/drivemon/services/indexer/vector"
	"github.com/drivemon/drivemon/services/themer"
)

// Storage is what the rig needs of a bot storage: the services read it,
// the convergence check lists and reads it, the scenarios write it.
type Storage interface {
	drive.Storage
	drive.Writer
}

// writeToken is the bearer token the rig's file service requires.
const writeToken = "reliability-token"

// rigOptions choose the storage and tune the detector.
type rigOptions struct {
	// dir runs the stack on a local folder instead of MinIO.
	dir bool
	// detector adjusts the detectors' configuration.
	detector func(*detector.Config)
	// minioNotify puts the embedded NATS server on MinIO's notification
	// target address (held under testinfra's lock, so it cannot be
	// restarted); otherwise the server takes a free port.
	minioNotify bool
	// natsDir is the embedded server's store folder (default a fresh
	// temporary folder).
	natsDir string
	// natsURLs, if set, is the NATS the rig connects to instead of a
	// server of its own (a cluster: comma-separated URLs).
	natsURLs string
	// replicas of every stream and KV bucket (bus.WithReplicas).
	replicas int
}

// rig is one bot on the real servers: an embedded JetStream server that
// can be restarted on the same address and store, a MinIO bucket (or a
// folder), a fresh PostgreSQL database reached through a TCP proxy the test
// can cut, and the services, started and stopped replica by replica.
type rig struct {
	t    *testing.T
	ctx  context.Context
	opts rigOptions
	logs *logSink

	nats *natsServer
	nc   *nats.Conn
	js   jetstream.JetStream

	bot     string
	storage Storage
	s3env   *testinfra.S3Env // nil on a folder
	s3      *drive.S3        // nil on a folder
	bucket  string
	root    string // the folder of <bot>.gbai packages, on a folder

	pg         *tcpProxy
	dsn        string      // the compiler's DSN, through the proxy
	checkStore store.Store // direct, for the convergence check and the read API
	index      *vector.Embedded

	// front are instances that are never Run: they serve the read APIs
	// (over the shared store and index) for the checks and the combined
	// router.
	frontCompiler *compiler.Service
	frontIndexer  *indexer.Service
	files         *files.Service

	mu       sync.Mutex
	themers  []*themerReplica
	replicas []*replica
	content  map[string]cached // convergence check's reads, by path

	changes  *recorder[events.Change]
	outcomes *recorder[events.Outcome]
	dead     *recorder[deadLetter]
}

// newRig builds the servers and the front instances for a fresh bot; no
// service runs yet.
func newRig(t *testing.T, opts rigOptions) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ctx = bus.WithReplicas(ctx, opts.replicas)
	r := &rig{t: t, ctx: ctx, opts: opts, logs: newLogSink(t), content: map[string]cached{}}
	if opts.dir {
		r.root = t.TempDir()
		r.bot = randomBot()
		if err := os.Mkdir(filepath.Join(r.root, r.bot+events.PackageSuffix), 0o755); err != nil {
			t.Fatal(err)
		}
		r.storage = drive.NewDir(r.root)
	} else {
		r.s3env = testinfra.S3(t)
		r.bot, r.bucket = r.s3env.Bucket(t)
		s3, err := drive.NewS3(drive.S3Config{Endpoint: r.s3env.Endpoint, AccessKey: r.s3env.AccessKey, SecretKey: r.s3env.SecretKey})
		if err != nil {
			t.Fatal(err)
		}
		r.s3, r.storage = s3, s3
	}
	admin := testinfra.Postgres(t)
	if opts.minioNotify {
		if r.s3env == nil {
			t.Fatal("minioNotify needs the MinIO storage")
		}
		n := testinfra.StartNATSAt(t, r.s3env.NATSAddr)
		r.nats = &natsServer{addr: r.s3env.NATSAddr, srv: n.Server, shared: true}
	} else if opts.natsURLs != "" {
		r.nats = &natsServer{urls: opts.natsURLs, shared: true}
	} else {
		r.nats = startNATS(t, opts.natsDir)
	}
	r.nc, r.js = r.connect("observer")
	if err := bus.EnsureStreams(ctx, r.js, bus.StreamOptions{}); err != nil {
		t.Fatalf("creating streams: %v", err)
	}

	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	r.pg = startProxy(t, u.Host)
	u.Host = r.pg.addr()
	r.dsn = u.String()
	if r.checkStore, err = store.OpenPostgres(ctx, admin); err != nil {
		t.Fatalf("opening the compiler store: %v", err)
	}
	t.Cleanup(func() { _ = r.checkStore.Close() })
	if r.index, err = vector.OpenEmbedded(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.index.Close() })

	if r.frontCompiler, err = compiler.New(compiler.Config{PostgresDSN: admin}, compiler.Deps{JS: r.js, Storage: r.storage, Store: r.checkStore, Log: r.logs.logger("front-compiler")}); err != nil {
		t.Fatal(err)
	}
	if r.frontIndexer, err = indexer.New(indexer.Config{DataDir: t.TempDir()}, indexer.Deps{JetStream: r.js, Reader: r.storage, Index: r.index, Logger: r.logs.logger("front-indexer"), Owner: "front"}); err != nil {
		t.Fatal(err)
	}
	if r.files, err = files.New(ctx, files.Config{Token: writeToken}, files.Deps{JS: r.js, Store: r.storage, Log: r.logs.logger("files")}); err != nil {
		t.Fatal(err)
	}

	r.changes = record(r, events.StreamDrive, events.FilterBot(r.bot), func(m jetstream.Msg) (events.Change, error) { return bus.Decode(m) })
	r.outcomes = record(r, events.StreamOutcomes, events.OutcomePrefix+".*."+r.bot, func(m jetstream.Msg) (events.Outcome, error) {
		return events.DecodeOutcome(m.Data())
	})
	r.dead = record(r, events.StreamDead, events.DeadPrefix+".>", decodeDead)
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("RELIABILITY_LOGS") != "" {
			r.logs.dump()
		}
	})
	return r
}

// randomBot is a fresh bot name for a folder storage (MinIO's come from
// testinfra's buckets).
func randomBot() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "d" + hex.EncodeToString(b)
}

// connect opens a NATS connection that reconnects forever (every 100 ms),
// closed at the end of the test.
func (r *rig) connect(name string) (*nats.Conn, jetstream.JetStream) {
	r.t.Helper()
	nc, err := nats.Connect(r.nats.url(), nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond),
		nats.RetryOnFailedConnect(true))
	if err != nil {
		r.t.Fatalf("connecting %s: %v", name, err)
	}
	r.t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		r.t.Fatal(err)
	}
	return nc, js
}

// replica is one running service instance with its own NATS connection.
type replica struct {
	name   string
	nc     *nats.Conn
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	after  []func()
}

// run starts fn in the background on a context of its own.
func (r *rig) run(name string, nc *nats.Conn, fn func(ctx context.Context) error, after ...func()) *replica {
	ctx, cancel := context.WithCancel(r.ctx)
	p := &replica{name: name, nc: nc, cancel: cancel, done: make(chan error, 1), after: after}
	go func() { p.done <- fn(ctx) }()
	r.mu.Lock()
	r.replicas = append(r.replicas, p)
	r.mu.Unlock()
	r.t.Cleanup(func() { p.stop(r.t) })
	return p
}

// stop cancels the replica, waits for it (at most 30 s) and closes its
// connection: a clean shutdown.
func (p *replica) stop(t *testing.T) {
	p.once.Do(func() {
		p.cancel()
		select {
		case err := <-p.done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("%s ended with %v", p.name, err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%s did not stop within 30 s", p.name)
		}
		for _, f := range p.after {
			f()
		}
		p.nc.Close()
	})
}

// kill closes the replica's connection first, abruptly, while it may hold
// unacknowledged messages (the in-process kill -9: nothing it does after
// reaches NATS), then stops what is left of it.
func (p *replica) kill(t *testing.T) {
	p.once.Do(func() {
		p.nc.Close()
		p.cancel()
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Errorf("%s did not end within 30 s of its kill", p.name)
		}
		for _, f := range p.after {
			f()
		}
	})
}

// startDetector runs a detector replica on the rig's storage: listing
// every 300 ms (S3) or watching (folder).
func (r *rig) startDetector(name string) (*replica, *detector.Service) {
	r.t.Helper()
	nc, js := r.connect(name)
	cfg := detector.Config{Settle: 20 * time.Millisecond}
	deps := detector.Deps{JS: js, Log: r.logs.logger(name)}
	if r.opts.dir {
		cfg.Dir = r.root
		deps.Dir = drive.NewDir(r.root)
		cfg.Rescan = 2 * time.Second
	} else {
		cfg.S3 = drive.S3Config{Endpoint: r.s3env.Endpoint, AccessKey: r.s3env.AccessKey, SecretKey: r.s3env.SecretKey}
		cfg.Bots = []string{r.bot}
		cfg.BotsInterval = time.Second
		cfg.ReconcileDefault = 300 * time.Millisecond
		deps.S3 = r.s3
	}
	if r.opts.detector != nil {
		r.opts.detector(&cfg)
	}
	svc, err := detector.New(cfg, deps)
	if err != nil {
		r.t.Fatalf("detector: %v", err)
	}
	return r.run(name, nc, svc.Run), svc
}

// compilerOptions adjust one compiler replica.
type compilerOptions struct {
	cfg     func(*compiler.Config)
	js      func(jetstream.JetStream) compiler.JetStream
	storage func(Storage) compiler.Storage
}

// startCompiler runs a compiler replica with its own connection and its
// own PostgreSQL pool, through the proxy.
func (r *rig) startCompiler(name string, o compilerOptions) *replica {
	r.t.Helper()
	nc, js := r.connect(name)
	cfg := compiler.Config{PostgresDSN: r.dsn, RetryMin: 200 * time.Millisecond, RetryMax: 2 * time.Second}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	st, err := store.OpenPostgres(r.ctx, r.dsn)
	if err != nil {
		r.t.Fatalf("%s: opening the store: %v", name, err)
	}
	var cjs compiler.JetStream = js
	if o.js != nil {
		cjs = o.js(js)
	}
	var storage compiler.Storage = r.storage
	if o.storage != nil {
		storage = o.storage(r.storage)
	}
	svc, err := compiler.New(cfg, compiler.Deps{JS: cjs, Storage: storage, Store: st, Log: r.logs.logger(name)})
	if err != nil {
		r.t.Fatalf("%s: %v", name, err)
	}
	return r.run(name, nc, svc.Run, func() { _ = st.Close() })
}

// indexerOptions adjust one indexer replica.
type indexerOptions struct {
	cfg      func(*indexer.Config)
	js       func(jetstream.JetStream) indexer.JetStream
	embedder embed.Embedder
	// built, if set, is given the service (for its readiness checks).
	built func(*indexer.Service)
}

// startIndexer runs an indexer replica with its own connection on the
// shared vector index (the embedded index stands for the Qdrant server
// every replica would share).
func (r *rig) startIndexer(name string, o indexerOptions) *replica {
	r.t.Helper()
	nc, js := r.connect(name)
	cfg := indexer.Config{DataDir: r.t.TempDir(), LeaseWait: 2 * time.Second}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	var ijs indexer.JetStream = js
	if o.js != nil {
		ijs = o.js(js)
	}
	svc, err := indexer.New(cfg, indexer.Deps{JetStream: ijs, Reader: r.storage, Index: r.index, Embedder: o.embedder, Logger: r.logs.logger(name), Owner: name})
	if err != nil {
		r.t.Fatalf("%s: %v", name, err)
	}
	if o.built != nil {
		o.built(svc)
	}
	return r.run(name, nc, svc.Run)
}

// themerReplica is a running themer and the HTTP server of its routes.
type themerReplica struct {
	*replica
	svc *themer.Service
	srv *httptest.Server
}

// startThemer runs a themer replica and serves its routes.
func (r *rig) startThemer(name string, cfg themer.Config) *themerReplica {
	r.t.Helper()
	nc, js := r.connect(name)
	svc, err := themer.New(cfg, themer.Deps{JS: js, Storage: r.storage, Log: r.logs.logger(name)})
	if err != nil {
		r.t.Fatalf("%s: %v", name, err)
	}
	srv := httptest.NewServer(svc.Routes())
	r.t.Cleanup(srv.Close)
	tr := &themerReplica{replica: r.run(name, nc, svc.Run), svc: svc, srv: srv}
	r.mu.Lock()
	r.themers = append(r.themers, tr)
	r.mu.Unlock()
	return tr
}

// stack starts one detector, the given numbers of compiler and indexer
// replicas and one themer: the usual shape of a scenario.
func (r *rig) stack(compilers, indexers int) {
	r.t.Helper()
	r.startDetector("detector")
	for i := range compilers {
		r.startCompiler(fmt.Sprintf("compiler-%d", i+1), compilerOptions{})
	}
	for i := range indexers {
		r.startIndexer(fmt.Sprintf("indexer-%d", i+1), indexerOptions{})
	}
	r.startThemer("themer", themer.Config{})
}

// routes is every service's HTTP API on one router, as drivemon dev
// mounts them: the front compiler and indexer, the first themer, the file
// service (token required).
func (r *rig) routes() http.Handler {
	r.t.Helper()
	top := chi.NewRouter()
	seen := map[string]bool{}
	r.mu.Lock()
	th := r.themers[0]
	r.mu.Unlock()
	for _, h := range []http.Handler{r.frontCompiler.Routes(), r.frontIndexer.Routes(), th.svc.Routes(), r.files.Routes()} {
		err := chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			if seen[method+" "+route] {
				return fmt.Errorf("route %s %s claimed twice", method, route)
			}
			seen[method+" "+route] = true
			top.Method(method, route, h)
			return nil
		})
		if err != nil {
			r.t.Fatal(err)
		}
	}
	return top
}

// write puts a file into the bot's package.
func (r *rig) write(path string, data []byte) drive.Object {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 60*time.Second)
	defer cancel()
	obj, err := r.storage.Write(ctx, r.bot, path, data)
	if err != nil {
		r.t.Fatalf("writing %s: %v", path, err)
	}
	return obj
}

// remove deletes a file of the bot's package.
func (r *rig) remove(path string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	if err := r.storage.Delete(ctx, r.bot, path); err != nil {
		r.t.Fatalf("deleting %s: %v", path, err)
	}
}

// natsServer is an embedded JetStream server on a fixed address and store
// folder, so it can be stopped and started again as the same server.
type natsServer struct {
	addr, dir string
	urls      string // a cluster the rig did not start: its URLs
	shared    bool   // testinfra's server on MinIO's target, or a cluster: not restartable
	mu        sync.Mutex
	srv       *natsembed.Server
}

// startNATS starts a server on a free port, storing in dir (default a
// temporary folder).
func startNATS(t *testing.T, dir string) *natsServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	if dir == "" {
		dir = t.TempDir()
	}
	n := &natsServer{addr: addr, dir: dir}
	n.start(t, 30*time.Second)
	t.Cleanup(n.stop)
	return n
}

// restart stops the server, keeps it down for down, and starts it again
// on the same address and store.
func (n *natsServer) restart(t *testing.T, down time.Duration) {
	t.Helper()
	if n.shared {
		t.Fatal("the server on MinIO's target address cannot be restarted")
	}
	n.stop()
	time.Sleep(down)
	n.start(t, 30*time.Second)
}

// start starts the server, retrying while the address is still held (by
// the previous run of the server) for at most wait.
func (n *natsServer) start(t *testing.T, wait time.Duration) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(wait); ; time.Sleep(200 * time.Millisecond) {
		var srv *natsembed.Server
		if srv, err = natsembed.Start(natsembed.Config{Addr: n.addr, StoreDir: n.dir, ReadyTimeout: 2 * time.Second}); err == nil {
			n.mu.Lock()
			n.srv = srv
			n.mu.Unlock()
			return
		}
		if time.Now().After(deadline) {
			break
		}
	}
	t.Fatalf("starting NATS on %s: %v", n.addr, err)
}

func (n *natsServer) stop() {
	n.mu.Lock()
	srv := n.srv
	n.srv = nil
	n.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
	}
}

func (n *natsServer) url() string {
	if n.urls != "" {
		return n.urls
	}
	return "nats://" + n.addr
}
