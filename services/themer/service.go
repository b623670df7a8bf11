package themer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// Reader is the part of the storage the themer uses (drive.Reader): it
// reads theme files, never config.csv.
type Reader interface {
	Read(ctx context.Context, bot, path string, max int64) ([]byte, drive.Object, error)
}

// JetStream is the part of jetstream.JetStream the themer uses: ordered
// consumers on DRIVE, the stream's position to recognise an id from a
// stream that was since reset, and the settings bucket (bus.SettingsBucket).
type JetStream interface {
	OrderedConsumer(ctx context.Context, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error)
	Stream(ctx context.Context, stream string) (jetstream.Stream, error)
	bus.KVEnsurer
}

// Deps are the themer's injected dependencies; all are required but Log.
type Deps struct {
	JS      JetStream
	Storage Reader
	Log     *slog.Logger
	// SSEClients, if set, is told of every event stream opened (+1) and
	// closed (-1) for a bot (metrics); it must not block.
	SSEClients func(bot string, delta int)
}

// Service is one themer replica.
type Service struct {
	cfg     Config
	js      JetStream
	storage Reader
	log     *slog.Logger
	hub     *hub
	limits  *limiter
	clients func(bot string, delta int)

	ready     chan struct{}
	readyOnce sync.Once
}

// New checks cfg (after defaults) and deps and returns a service; Run
// starts its consumer, Routes serves its HTTP API.
func New(cfg Config, deps Deps) (*Service, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.JS == nil {
		return nil, errors.New("themer: Deps.JS is nil")
	}
	if deps.Storage == nil {
		return nil, errors.New("themer: Deps.Storage is nil")
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		cfg:     cfg,
		js:      deps.JS,
		storage: deps.Storage,
		log:     log.With("service", "themer"),
		hub:     newHub(cfg.ClientBuffer),
		limits:  newLimiter(cfg.MaxConns, cfg.MaxConnsPerIP),
		clients: deps.SSEClients,
		ready:   make(chan struct{}),
	}, nil
}

// Run watches the settings bucket and consumes DRIVE's theme changes
// until ctx ends, then tells every open stream to retry later and closes
// it.
func (s *Service) Run(ctx context.Context) error {
	defer s.hub.close()
	if err := s.watchSettings(ctx); err != nil {
		return err
	}
	return s.consume(ctx)
}

// Routes is the themer's HTTP API with absolute paths, to be mounted as is.
// No compression or timeout middleware may wrap the stream route.
func (s *Service) Routes() http.Handler {
	r := chi.NewRouter()
	r.Get("/themer.js", s.handleClient)
	r.Get("/bots/{bot}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/bots/"+url.PathEscape(chi.URLParam(r, "bot"))+"/", http.StatusMovedPermanently)
	})
	r.Get("/bots/{bot}/", s.handleDemo)
	r.Get("/bots/{bot}/theme/events", s.handleEvents)
	r.Get("/bots/{bot}/theme/*", s.handleFile)
	return r
}

// countClient tells Deps.SSEClients of a stream of bot opened or closed.
func (s *Service) countClient(bot string, delta int) {
	if s.clients != nil {
		s.clients(bot, delta)
	}
}

// Ready is closed once the replica has replayed DRIVE up to where it was at
// start.
func (s *Service) Ready() <-chan struct{} { return s.ready }

func (s *Service) markReady() {
	s.readyOnce.Do(func() {
		close(s.ready)
		s.log.Info("theme state replayed", "seq", s.hub.applied.Load())
	})
}

// ErrNotReady is returned when the replica has not finished its start-up
// replay within Config.ReadyWait.
var ErrNotReady = errors.New("themer is still replaying its state")

func (s *Service) waitReady(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	default:
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ReadyWait)
	defer cancel()
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w after %s", ErrNotReady, s.cfg.ReadyWait)
	}
}
