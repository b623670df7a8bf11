package files

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/files/audit"
	"github.com/drivemon/drivemon/services/files/journal"
)

// Config of the file service.
type Config struct {
	// WritableFolders are the suffixes of a package's top folders under
	// which writes are allowed.
	WritableFolders []string
	// MaxFileBytes bounds the size of a written file (after an append too).
	MaxFileBytes int64
	// Token, when set, is required as "Authorization: Bearer <token>" by
	// every write. When empty, writes are disabled unless AllowLoopback.
	Token string
	// AllowLoopback allows writes without a token from loopback HTTP
	// clients (drivemon dev only), and over NATS when LoopbackNATS.
	AllowLoopback bool
	// LoopbackNATS says the NATS server listens on loopback only; without
	// it, NATS write requests need the token even with AllowLoopback.
	LoopbackNATS bool
	// ServeNATS answers write requests on files.<bot>.<op>.
	ServeNATS bool
	// Audit, when Audit.Dir is set, runs the audit log.
	Audit audit.Config
}

// Defaults.
var (
	DefaultWritableFolders = []string{".gbdrive", ".gbdata"}
)

// DefaultMaxFileBytes is the default write size limit.
const DefaultMaxFileBytes = 10 << 20

// WithDefaults fills unset fields.
func (c Config) WithDefaults() Config {
	if len(c.WritableFolders) == 0 {
		c.WritableFolders = DefaultWritableFolders
	}
	if c.MaxFileBytes == 0 {
		c.MaxFileBytes = DefaultMaxFileBytes
	}
	return c
}

// Validate names the first bad setting.
func (c Config) Validate() error {
	for _, f := range c.WritableFolders {
		if len(f) < 2 || f[0] != '.' || strings.Contains(f, "/") {
			return fmt.Errorf("writable folder %q: want a folder suffix such as .gbdrive", f)
		}
		// The kind a folder named "<x><f>" would have (botpkg's table).
		switch k := botpkg.FolderKind("x" + f); {
		case k == botpkg.KindDialog, k == botpkg.KindKB, k == botpkg.KindTheme, k == botpkg.KindConfig,
			strings.EqualFold(f, botpkg.PackageExt):
			return fmt.Errorf("writable folder %q would let bots rewrite their own code, knowledge, settings or theme", f)
		}
	}
	if c.MaxFileBytes <= 0 {
		return fmt.Errorf("max file bytes %d: want > 0", c.MaxFileBytes)
	}
	if c.Audit.Dir != "" {
		if err := c.Audit.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Deps are the service's connections.
type Deps struct {
	JS    jetstream.JetStream
	NC    *nats.Conn // for NATS write requests; nil disables them
	Store Storage
	Log   *slog.Logger
}

// Service is the file service.
type Service struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	writer  *writer
	journal *journal.Journal
	audit   *audit.Log
	handler http.Handler
}

// New sets up the service: it creates the origins bucket.
func New(ctx context.Context, cfg Config, deps Deps) (*Service, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if deps.JS == nil || deps.Store == nil || deps.Log == nil {
		return nil, errors.New("files: JetStream, storage and logger are required")
	}
	origins, err := bus.EnsureOrigins(ctx, deps.JS, bus.StreamOptions{})
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg:     cfg,
		deps:    deps,
		log:     deps.Log.With("service", "files"),
		writer:  &writer{store: deps.Store, origins: origins, policy: policy{folders: cfg.WritableFolders}, maxSize: cfg.MaxFileBytes},
		journal: journal.New(deps.JS),
	}
	if cfg.Audit.Dir != "" {
		if s.audit, err = audit.New(cfg.Audit); err != nil {
			return nil, err
		}
	}
	s.handler = s.routes()
	return s, nil
}

// Routes is the HTTP API: the journal and the write routes.
func (s *Service) Routes() http.Handler { return s.handler }

// Run serves NATS write requests and runs the audit log until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	if s.cfg.ServeNATS && s.deps.NC != nil {
		g.Go(func() error { return s.serveNATS(ctx, s.deps.NC) })
	}
	if s.audit != nil {
		g.Go(func() error { return s.audit.Run(ctx, s.deps.JS, s.log) })
	}
	return g.Wait()
}
