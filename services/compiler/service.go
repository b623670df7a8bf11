package compiler

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// Name is the service name in outcome subjects (outcome.compiler.<bot>).
const Name = "compiler"

// Storage is the part of the bot storage the compiler uses (a drive.Dir or
// drive.S3 is one): Read for the files it compiles, List to learn a bot's
// knowledge bases for reference warnings.
type Storage interface {
	Read(ctx context.Context, bot, path string, max int64) ([]byte, drive.Object, error)
	List(ctx context.Context, bot, prefix string) iter.Seq2[drive.Object, error]
}

// JetStream is the part of jetstream.JetStream the compiler uses: its
// durable consumer on DRIVE (created, or looked up when Config.Consumer
// names another), and publishing outcomes and dead letters.
type JetStream interface {
	CreateOrUpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error)
	Consumer(ctx context.Context, stream, name string) (jetstream.Consumer, error)
	PublishMsg(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error)
	bus.KVEnsurer // the settings bucket
}

// Deps are the compiler's injected dependencies; all are required but Log.
// The service does not close Store.
type Deps struct {
	JS      JetStream
	Storage Storage
	Store   store.Store
	Log     *slog.Logger
	// Observe, if set, is told of every change message handled (metrics;
	// see worker.Config.Observe).
	Observe func(subject string, took time.Duration, result string)
}

// Service is one compiler replica. Any number of replicas share the
// durable consumer bus.ConsumerCompiler and the store.
type Service struct {
	cfg      Config
	js       JetStream
	storage  Storage
	store    store.Store
	log      *slog.Logger
	settings settingsBucket
	observe  func(subject string, took time.Duration, result string)
}

// New checks cfg (after defaults) and deps and returns a service; Run
// consumes changes, Routes serves the read API.
func New(cfg Config, deps Deps) (*Service, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case deps.JS == nil:
		return nil, errors.New("compiler: Deps.JS is nil")
	case deps.Storage == nil:
		return nil, errors.New("compiler: Deps.Storage is nil")
	case deps.Store == nil:
		return nil, errors.New("compiler: Deps.Store is nil")
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		cfg: cfg, js: deps.JS, storage: deps.Storage, store: deps.Store,
		log:     log.With("service", Name),
		observe: deps.Observe,
	}, nil
}

// Run opens the durable consumer Config.Consumer (creating or updating
// the standard one) and compiles changes with Config.Concurrency workers
// until ctx ends. It returns nil on cancellation.
func (s *Service) Run(ctx context.Context) error {
	if err := s.publishStored(ctx); err != nil {
		return fmt.Errorf("compiler: %w", err)
	}
	cons, wcfg, err := s.openConsumer(ctx)
	if err != nil {
		return fmt.Errorf("compiler: %w", err)
	}
	wcfg.Observe = s.observe
	g, ctx := errgroup.WithContext(ctx)
	for range s.cfg.Concurrency {
		w := worker.NewChanges(cons, s.js, worker.Changes{Service: Name, Handle: s.handle}, wcfg, s.log)
		g.Go(func() error { return w.Run(ctx) })
	}
	s.log.Info("compiling", "consumer", wcfg.Name, "workers", s.cfg.Concurrency)
	return g.Wait()
}
