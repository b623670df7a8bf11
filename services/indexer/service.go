package indexer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/indexer/chunk"
	"github.com/drivemon/drivemon/services/indexer/embed"
	"github.com/drivemon/drivemon/services/indexer/extract"
	"github.com/drivemon/drivemon/services/indexer/lexical"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// ServiceName is the indexer's name in outcomes and logs.
const ServiceName = "indexer"

// Reader reads files of bot packages (drive.Reader).
type Reader interface {
	Read(ctx context.Context, bot, path string, max int64) ([]byte, drive.Object, error)
}

// JetStream is the part of jetstream.JetStream the indexer uses: its
// durable consumer (created, or looked up when Config.Consumer names
// another), its KV buckets, and publishing outcomes and dead letters.
type JetStream interface {
	KVCreator
	bus.MsgPublisher
	CreateOrUpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error)
	Consumer(ctx context.Context, stream, name string) (jetstream.Consumer, error)
	// Stream opens DRIVE, to learn the latest change of a config.csv.
	Stream(ctx context.Context, stream string) (jetstream.Stream, error)
}

// Deps are the indexer's injected dependencies.
type Deps struct {
	// JetStream is required.
	JetStream JetStream
	// Reader reads documents; required. Settings come from the
	// settings bucket (bus.SettingsBucket), never from config.csv.
	Reader Reader
	// Index, if nil, is opened from Config (Qdrant or the embedded index).
	Index vector.Index
	// Embedder is the default embedder of bots whose config.csv sets no
	// embedding-url (default: embed.NewHashed(Config.Dimensions)).
	Embedder embed.Embedder
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Owner names this replica in leases (default host name and pid).
	Owner string
	// Observe, if set, is told of every change message handled (metrics;
	// see worker.Config.Observe).
	Observe func(subject string, took time.Duration, result string)
}

// Service indexes knowledge-base documents and answers searches.
type Service struct {
	cfg       Config
	js        JetStream
	reader    Reader
	index     vector.Index
	closer    func() error
	def       embed.Embedder
	extractor *extract.Extractor
	chunkOpts chunk.Options
	log       *slog.Logger
	owner     string
	observe   func(subject string, took time.Duration, result string)
	// writes bounds every write to the KV buckets and the outcome stream
	// and keeps their health (WritesCheck).
	writes *host.Writes

	mu     sync.Mutex
	store  *stateStore
	setups map[string]kbSetup // by bot, config path and its version

	driveMu sync.Mutex
	drive   jetstream.Stream // DRIVE, opened once (driveStream)

	viewMu   sync.Mutex
	view     *bus.SettingsView // the published settings (settingsView)
	stopView context.CancelFunc
	resync   *resyncer // bots whose settings changed (resync.go)
}

// New checks cfg and wires a Service. It opens the vector index from cfg
// when deps.Index is nil.
func New(cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if deps.JetStream == nil || deps.Reader == nil {
		return nil, errors.New("indexer: Deps.JetStream and Deps.Reader are required")
	}
	s := &Service{
		cfg: cfg, js: deps.JetStream, reader: deps.Reader, index: deps.Index, def: deps.Embedder,
		chunkOpts: chunk.Options{Size: cfg.ChunkSize, Overlap: cfg.ChunkOverlap},
		log:       deps.Logger, owner: deps.Owner, setups: map[string]kbSetup{}, observe: deps.Observe,
		writes: &host.Writes{}, resync: newResyncer(),
	}
	limits := extract.DefaultLimits()
	limits.Timeout = cfg.ExtractTimeout
	s.extractor = extract.New(limits)
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("service", ServiceName)
	if s.def == nil {
		s.def = embed.NewHashed(cfg.Dimensions)
	}
	if s.owner == "" {
		host, _ := os.Hostname()
		s.owner = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if s.index == nil {
		switch {
		case cfg.QdrantAddr != "":
			q, err := vector.OpenQdrant(vector.QdrantConfig{Addr: cfg.QdrantAddr, APIKey: cfg.QdrantAPIKey, UseTLS: cfg.QdrantTLS})
			if err != nil {
				return nil, err
			}
			s.index, s.closer = q, q.Close
		default:
			e, err := vector.OpenEmbedded(filepath.Join(cfg.DataDir, "vectors"))
			if err != nil {
				return nil, err
			}
			s.index, s.closer = e, e.Close
		}
	}
	return s, nil
}

// Close releases what New opened and stops watching the settings.
func (s *Service) Close() error {
	s.viewMu.Lock()
	if s.stopView != nil {
		s.stopView()
	}
	s.viewMu.Unlock()
	if s.closer != nil {
		return s.closer()
	}
	return nil
}

// state returns the KV-backed state, creating the buckets on first use.
func (s *Service) state(ctx context.Context) (*stateStore, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		return s.store, nil
	}
	st, err := openState(ctx, s.js, s.cfg.LeaseTTL, s.owner, s.writes)
	if err != nil {
		return nil, err
	}
	s.store = st
	return st, nil
}

// Run consumes KB changes with cfg.Workers workers on the durable consumer
// Config.Consumer (the shared work queue unless set) until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if _, err := s.state(ctx); err != nil {
		return err
	}
	if _, err := s.settingsView(ctx); err != nil {
		return fmt.Errorf("indexer: %w", err)
	}
	cons, wcfg, err := s.openConsumer(ctx)
	if err != nil {
		return fmt.Errorf("indexer: %w", err)
	}
	wcfg.Observe = s.observe
	s.log.Info("indexing", "consumer", wcfg.Name, "workers", s.cfg.Workers)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { s.resyncLoop(ctx); return nil })
	for range s.cfg.Workers {
		w := worker.NewChanges(cons, s.js, worker.Changes{Service: ServiceName, Handle: s.Handle, Publish: s.publishOutcome}, wcfg, s.log)
		g.Go(func() error { return w.Run(ctx) })
	}
	return g.Wait()
}

// Ping checks the vector index answers (a readiness check).
func (s *Service) Ping(ctx context.Context) error {
	if _, err := s.index.Count(ctx, vector.Collection{Bot: "drivemon", KB: "readyz"}, ""); err != nil {
		return fmt.Errorf("vector index: %w", err)
	}
	return nil
}

// WritesCheck is a readiness check: it fails, naming the bucket or
// stream, while the indexer's last write to one of its KV buckets or to
// the outcome stream failed (a full disk under NATS, say).
func (s *Service) WritesCheck() host.Check { return s.writes.Check("writes") }

// Routes is the indexer's HTTP API (see api_http.go).
func (s *Service) Routes() http.Handler { return s.routes() }

// setupFor returns the KB setup of bot (kbSetupFrom): the embedder its
// settings ask for (embedding-* keys), else the default, and the analyzer
// of its kb-language. The settings are those the compiler published for
// the config.csv that governs path (bus.SettingsView.Governing:
// <x>.gbot/config.csv for a document under <x>.gbkb/, then
// <bot>.gbot/config.csv); the indexer never reads config.csv itself.
func (s *Service) setupFor(ctx context.Context, bot, path string) (kbSetup, error) {
	view, err := s.settingsView(ctx)
	if err != nil {
		return kbSetup{}, err
	}
	st, ok := view.Governing(bot, path)
	if !ok {
		return kbSetup{emb: s.def, lex: lexical.English}, nil
	}
	fp := fmt.Sprintf("%s\x00%s\x00%d", bot, st.Path, st.Seq)
	s.mu.Lock()
	e, ok := s.setups[fp]
	s.mu.Unlock()
	if ok {
		return e, nil
	}
	e, err = kbSetupFrom(st, s.def)
	if err != nil {
		return kbSetup{}, fmt.Errorf("settings of %s: %w", events.Key(bot, events.DisplayPath(st.Path)), err)
	}
	s.mu.Lock()
	s.setups[fp] = e
	s.mu.Unlock()
	return e, nil
}

// requestTimeout bounds one JetStream API request of a change's handling
// whose context has no deadline.
const requestTimeout = 5 * time.Second

// awaitSettings waits until the published settings are those of the
// latest change of every config.csv that may govern path (its last
// message on DRIVE), so a document is never indexed with settings the
// compiler has not caught up with (a config.csv and a document written
// together). seq 0 (a sync not from a change) waits for nothing. After
// Config.LeaseWait it goes on with the settings in force, and says so in
// the log: the compiler may be down (its store unreachable), and the
// indexer must not stop with it. When the settings arrive, the documents
// whose embedder or analyzer they change are synced again (resync).
func (s *Service) awaitSettings(ctx context.Context, bot, path string, seq uint64) error {
	if seq == 0 {
		return nil
	}
	view, err := s.settingsView(ctx)
	if err != nil {
		return err
	}
	// Each request is bounded: a reply lost while NATS restarts would
	// otherwise hold the change (and its message) for good.
	drive, err := s.driveStream(ctx)
	if err != nil {
		return err
	}
	for _, cfg := range botpkg.GoverningConfigs(bot, path) {
		c := events.Change{Bot: bot, Kind: events.KindConfig, Path: cfg}
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		m, err := drive.GetLastMsgForSubject(rctx, events.ChangeSubject(&c))
		cancel()
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			s.dropDrive(drive)
			return fmt.Errorf("looking up the last change of %s: %w", events.Key(bot, cfg), err)
		}
		deadline := time.Now().Add(s.cfg.LeaseWait)
		for view.Version(bot, cfg) < m.Sequence {
			if time.Now().After(deadline) {
				s.log.Warn("indexing with the settings in force: the settings of the latest config.csv are not published yet (the compiler publishes them); the document is synced again when they are",
					"bot", bot, "path", events.DisplayPath(path), "config", events.DisplayPath(cfg), "config_seq", m.Sequence, "waited", s.cfg.LeaseWait)
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

// driveStream returns the handle of the DRIVE stream, looked up (one
// request, bounded by requestTimeout) on first use and kept: a sync's
// settings wait then costs one request per governing config.csv.
func (s *Service) driveStream(ctx context.Context) (jetstream.Stream, error) {
	s.driveMu.Lock()
	drive := s.drive
	s.driveMu.Unlock()
	if drive != nil {
		return drive, nil
	}
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	drive, err := s.js.Stream(rctx, events.StreamDrive)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", events.StreamDrive, err)
	}
	s.driveMu.Lock()
	s.drive = drive
	s.driveMu.Unlock()
	return drive, nil
}

// dropDrive forgets the DRIVE handle after a request through it failed
// (NATS restarting, the stream recreated), so the next sync looks it up
// again.
func (s *Service) dropDrive(drive jetstream.Stream) {
	s.driveMu.Lock()
	if s.drive == drive {
		s.drive = nil
	}
	s.driveMu.Unlock()
}

// settingsView starts watching the settings bucket on first use, for the
// service's lifetime (until Close), and returns the view once it holds
// the bucket's current values; a watch that has not delivered them within
// Config.LeaseWait is dropped with an error (the change is retried).
func (s *Service) settingsView(ctx context.Context) (*bus.SettingsView, error) {
	s.viewMu.Lock()
	defer s.viewMu.Unlock()
	if s.view == nil {
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		kv, err := bus.EnsureSettings(rctx, s.js)
		cancel()
		if err != nil {
			return nil, err
		}
		vctx, cancel := context.WithCancel(context.Background())
		v, err := bus.WatchSettings(vctx, kv, s.resync.changed)
		if err != nil {
			cancel()
			return nil, err
		}
		s.view, s.stopView = v, cancel
	}
	select {
	case <-s.view.Ready():
		return s.view, nil
	case <-s.view.Done():
		err := s.view.Err()
		s.view, s.stopView = nil, nil // the next sync watches again
		return nil, err
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the settings of %s: %w", bus.SettingsBucket, ctx.Err())
	case <-time.After(s.cfg.LeaseWait):
		// A watch started while NATS reconnects can stall before its
		// first values: drop it, so the retry of this change starts anew.
		s.stopView()
		s.view, s.stopView = nil, nil
		return nil, fmt.Errorf("waiting for the settings of %s: no current values within %s", bus.SettingsBucket, s.cfg.LeaseWait)
	}
}
