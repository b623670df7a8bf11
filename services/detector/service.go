package detector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// Source watches one kind of storage and feeds what it sees to a Sink:
// single observations from notifications or watches, and complete listings
// for reconciliation. Implementations: the folder source (source_dir.go)
// and the S3 source (source_s3.go).
type Source interface {
	// Kind names the storage in change events and state keys.
	Kind() events.Source
	// Stat describes one file with its content ETag.
	Stat(ctx context.Context, bot, path string) (drive.Object, error)
	// Run watches until ctx ends. It calls scanned once, after its first
	// full reconciliation was handled.
	Run(ctx context.Context, sink Sink, scanned func()) error
}

// Sink is all a Source may do with what it saw. The engine (engine.go)
// implements it: it decides what is a change, publishes it and keeps the
// state, retrying while NATS is away.
type Sink interface {
	// Observe counts o found and queues it; an error means ctx ended first.
	Observe(ctx context.Context, o observation) error
	// ObserveAndWait counts o found and waits until it was handled; an
	// error means ctx ended or o was not handled (a later look finds it).
	ObserveAndWait(ctx context.Context, o observation) error
	// Reject reports a path that cannot enter the system (.., NUL,
	// absolute) with reason: a log line and a failed outcome, never a change.
	Reject(ctx context.Context, bot, path string, reason error)
	// SetPackage records bot's package as present or gone, publishing
	// target_found or target_lost when that is news; an error means the
	// state was not advanced.
	SetPackage(ctx context.Context, bot string, present bool, by events.Detection) error
	// Reconcile diffs a complete listing of bot's files against the state
	// where covers holds (nil: everywhere) and waits until every difference
	// was handled; an error means ctx ended or the listing failed part way
	// (then nothing is deleted).
	Reconcile(ctx context.Context, bot string, listing iter.Seq2[drive.Object, error], covers func(path string) bool) error
	// StoredBots lists the bots whose package the state marks present; an
	// error means ctx ended.
	StoredBots(ctx context.Context) ([]string, error)
	// Duplicate counts a notification skipped as another copy of an event
	// already handled.
	Duplicate()
}

// Deps are the detector's injected dependencies.
type Deps struct {
	// JS publishes changes and outcomes and holds the state bucket and,
	// for S3, the raw notification stream.
	JS jetstream.JetStream
	// Log receives the detector's logs (nil: discarded).
	Log *slog.Logger
	// Dir and S3 are the storages to watch; when nil they are built from
	// Config.Dir and Config.S3.
	Dir *drive.Dir
	S3  *drive.S3
	// Detected, if set, is told of every change the stream acknowledged
	// (metrics); it must not block.
	Detected func(c *events.Change)
}

// Service is a running detector.
type Service struct {
	cfg     Config
	js      jetstream.JetStream
	log     *slog.Logger
	sources []Source
	cnt     counters
	// detected is Deps.Detected.
	detected func(c *events.Change)

	scanned     chan struct{}
	scannedOnce sync.Once
}

// New checks cfg and builds the detector's sources. It does not contact
// NATS or the storage.
func New(cfg Config, deps Deps) (*Service, error) {
	cfg = cfg.WithDefaults()
	if deps.Dir != nil && cfg.Dir == "" {
		cfg.Dir = deps.Dir.Root()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.JS == nil {
		return nil, errors.New("detector: no JetStream in Deps")
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, js: deps.JS, log: log.With("service", ServiceName), scanned: make(chan struct{}), detected: deps.Detected}
	if cfg.Dir != "" {
		d := deps.Dir
		if d == nil {
			d = drive.NewDir(cfg.Dir)
		}
		s.sources = append(s.sources, newDirSource(cfg, d, s.log.With("source", "dir")))
	}
	if cfg.S3.Endpoint != "" || deps.S3 != nil {
		st := deps.S3
		if st == nil {
			var err error
			if st, err = drive.NewS3(cfg.S3); err != nil {
				return nil, fmt.Errorf("detector: %w", err)
			}
		}
		s.sources = append(s.sources, newS3Source(cfg, st, deps.JS, s.log.With("source", "s3")))
	}
	return s, nil
}

// Run watches every configured source until ctx ends or one fails.
func (s *Service) Run(ctx context.Context) error {
	if err := bus.EnsureStreams(ctx, s.js, bus.StreamOptions{}); err != nil {
		return fmt.Errorf("detector: %w", err)
	}
	origins, err := bus.EnsureOrigins(ctx, s.js, bus.StreamOptions{})
	if err != nil {
		return fmt.Errorf("detector: %w", err)
	}
	g, ctx := errgroup.WithContext(ctx)
	var pending sync.WaitGroup
	for _, src := range s.sources {
		st, err := openState(ctx, s.js, s.cfg.StateBucket, src.Kind())
		if err != nil {
			return fmt.Errorf("detector: %w", err)
		}
		eng := newEngine(src.Kind(), st, s.js, src.Stat, s.cfg.InFlight,
			retryTiming{min: s.cfg.RetryMin, max: s.cfg.RetryMax, ack: s.cfg.AckTimeout}, &s.cnt, s.log.With("source", src.Kind()))
		eng.origins, eng.detected = origins, s.detected
		pending.Add(1)
		var once sync.Once
		g.Go(func() error { return eng.run(ctx) })
		g.Go(func() error {
			err := src.Run(ctx, eng, func() { once.Do(pending.Done) })
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("detector source %s: %w", src.Kind(), err)
			}
			return nil
		})
	}
	go func() {
		pending.Wait()
		s.scannedOnce.Do(func() { close(s.scanned) })
	}()
	s.log.Info("detector running", "dir", s.cfg.Dir, "s3", s.cfg.S3.Endpoint)
	return g.Wait()
}

// Scanned is closed once every source finished its first full
// reconciliation (the initial scan) and every change it found was handled.
func (s *Service) Scanned() <-chan struct{} { return s.scanned }

// Status is a snapshot of the detector's counters, for progress bars and
// /api/detector/status. Processed/Found is the initial scan's progress.
type Status struct {
	// Found counts files seen in listings and scans.
	Found int64 `json:"found"`
	// Processed counts files and observations handled (changed or not).
	Processed int64 `json:"processed"`
	// Published counts change events acknowledged by the stream.
	Published int64 `json:"published"`
	// Unchanged counts observations that were no change.
	Unchanged int64 `json:"unchanged"`
	// Failed counts unreadable files; Rejected, paths refused (.., NUL).
	Failed   int64 `json:"failed"`
	Rejected int64 `json:"rejected"`
	// Retries counts NATS operations retried during outages.
	Retries int64 `json:"retries"`
	// Duplicates counts S3 notifications skipped as the second copy of an
	// event already handled (MinIO's fast and durable targets both send
	// one).
	Duplicates int64 `json:"duplicates"`
	// Scanned is true once the initial scan is complete.
	Scanned bool `json:"scanned"`
}

// Status returns the current counters.
func (s *Service) Status() Status {
	st := Status{
		Found: s.cnt.found.Load(), Processed: s.cnt.processed.Load(), Published: s.cnt.published.Load(),
		Unchanged: s.cnt.unchanged.Load(), Failed: s.cnt.failed.Load(), Rejected: s.cnt.rejected.Load(), Retries: s.cnt.retries.Load(),
		Duplicates: s.cnt.duplicates.Load(),
	}
	select {
	case <-s.scanned:
		st.Scanned = true
	default:
	}
	return st
}

// Routes is the detector's HTTP API: GET /api/detector/status (Status as
// JSON).
func (s *Service) Routes() http.Handler {
	r := chi.NewRouter()
	r.Get("/api/detector/status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Status())
	})
	return r
}
