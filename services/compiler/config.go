package compiler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/compiler/basic"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// Config is the compiler's setup. The zero value of a field means its
// default; Validate names the first bad setting.
type Config struct {
	// PostgresDSN selects the PostgreSQL store (shared by every replica);
	// DataDir the embedded SQLite store in that folder (drivemon dev). Set
	// at most one; OpenStore needs one of them.
	PostgresDSN string
	DataDir     string
	// Concurrency is how many changes one replica compiles at once.
	Concurrency int
	// MaxFileBytes is the largest .bas or config.csv read; a larger file
	// compiles to an error diagnostic.
	MaxFileBytes int64
	// ReadTimeout bounds one storage read or KB listing.
	ReadTimeout time.Duration
	// HandlerTimeout bounds the processing of one change.
	HandlerTimeout time.Duration
	// RetryMin and RetryMax bound the backoff between tries of a change
	// that failed for a transient reason (database or storage down).
	RetryMin, RetryMax time.Duration
	// Consumer is the durable consumer on DRIVE to read (default
	// bus.ConsumerCompiler, created or updated at start). Any other
	// name must already exist, as a pull consumer with explicit acks: an
	// operator's replay consumer (docs/REPLAY.md). It is never created,
	// so a mistyped name fails instead of starting a work queue with the
	// wrong filter.
	Consumer string
}

// Defaults of Config.
const (
	DefaultConcurrency    = 4
	DefaultReadTimeout    = 10 * time.Second
	DefaultHandlerTimeout = 2 * time.Minute
	DefaultRetryMin       = time.Second
	DefaultRetryMax       = time.Minute
	// MaxConcurrency bounds Concurrency (the consumer's MaxAckPending is
	// bus.DefaultMaxAckPending).
	MaxConcurrency = 64
)

// DefaultMaxFileBytes is the parser's own size limit.
var DefaultMaxFileBytes = int64(basic.DefaultLimits.MaxFileSize)

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MaxFileBytes == 0 {
		c.MaxFileBytes = DefaultMaxFileBytes
	}
	for _, d := range []struct {
		p   *time.Duration
		def time.Duration
	}{
		{&c.ReadTimeout, DefaultReadTimeout}, {&c.HandlerTimeout, DefaultHandlerTimeout},
		{&c.RetryMin, DefaultRetryMin}, {&c.RetryMax, DefaultRetryMax},
	} {
		if *d.p == 0 {
			*d.p = d.def
		}
	}
	if c.Consumer == "" {
		c.Consumer = bus.ConsumerCompiler
	}
	return c
}

// Validate checks a Config after WithDefaults.
func (c Config) Validate() error {
	switch {
	case c.PostgresDSN != "" && c.DataDir != "":
		return fmt.Errorf("compiler: both PostgresDSN (%s) and DataDir (%s) are set: choose one store", EnvPostgresDSN, EnvDataDir)
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return fmt.Errorf("compiler: Concurrency (%s) %d must be in [1, %d]", EnvConcurrency, c.Concurrency, MaxConcurrency)
	case c.MaxFileBytes < 1 || c.MaxFileBytes > DefaultMaxFileBytes:
		return fmt.Errorf("compiler: MaxFileBytes (%s) %d must be in [1, %d] (the parser's limit)", EnvMaxFileBytes, c.MaxFileBytes, DefaultMaxFileBytes)
	case c.ReadTimeout <= 0:
		return fmt.Errorf("compiler: ReadTimeout (%s) %s must be positive", EnvReadTimeout, c.ReadTimeout)
	case c.HandlerTimeout <= c.ReadTimeout:
		return fmt.Errorf("compiler: HandlerTimeout (%s) %s must be longer than ReadTimeout (%s) %s", EnvHandlerTimeout, c.HandlerTimeout, EnvReadTimeout, c.ReadTimeout)
	case c.RetryMin <= 0 || c.RetryMax < c.RetryMin:
		return fmt.Errorf("compiler: RetryMin (%s) %s and RetryMax (%s) %s must satisfy 0 < RetryMin <= RetryMax", EnvRetryMin, c.RetryMin, EnvRetryMax, c.RetryMax)
	case c.Consumer == "" || strings.ContainsAny(c.Consumer, " \t\r\n.*>/\\"):
		return fmt.Errorf("compiler: Consumer (%s) %q is not a consumer name: no spaces, '.', '*', '>', '/' or '\\'", EnvConsumer, c.Consumer)
	}
	return nil
}

// Environment variables read by FromEnv.
const (
	EnvPostgresDSN    = "COMPILER_PG_DSN"
	EnvDataDir        = "COMPILER_DATA_DIR"
	EnvConcurrency    = "COMPILER_CONCURRENCY"
	EnvMaxFileBytes   = "COMPILER_MAX_FILE_BYTES"
	EnvReadTimeout    = "COMPILER_READ_TIMEOUT"
	EnvHandlerTimeout = "COMPILER_HANDLER_TIMEOUT"
	EnvRetryMin       = "COMPILER_RETRY_MIN"
	EnvRetryMax       = "COMPILER_RETRY_MAX"
	EnvConsumer       = "COMPILER_CONSUMER"
)

// Settings are the compiler's own settings, as flags and variables.
var Settings = settings(new(Config))

// settings is the table of the compiler's settings, storing into c.
func settings(c *Config) []host.Setting {
	return []host.Setting{
		{Env: EnvPostgresDSN, Flag: "pg-dsn", Usage: "PostgreSQL store shared by every replica (prefer the variable: it holds a password)", Dest: host.String(&c.PostgresDSN)},
		{Env: EnvDataDir, Flag: "data-dir", Usage: "folder of the embedded SQLite store instead (one replica)", Dest: host.String(&c.DataDir)},
		{Env: EnvConcurrency, Flag: "concurrency", Usage: "changes one replica compiles at once, 1-64", Default: strconv.Itoa(DefaultConcurrency), Dest: host.Int(&c.Concurrency)},
		{Env: EnvMaxFileBytes, Flag: "max-file-bytes", Usage: "largest .bas or config.csv read (at most the default)", Default: strconv.FormatInt(DefaultMaxFileBytes, 10), Dest: host.Int64(&c.MaxFileBytes)},
		{Env: EnvReadTimeout, Flag: "read-timeout", Usage: "bound of one storage read or listing", Default: host.DurationText(DefaultReadTimeout), Dest: host.Duration(&c.ReadTimeout)},
		{Env: EnvHandlerTimeout, Flag: "handler-timeout", Usage: "bound of one change", Default: host.DurationText(DefaultHandlerTimeout), Dest: host.Duration(&c.HandlerTimeout)},
		{Env: EnvRetryMin, Flag: "retry-min", Usage: "first backoff after a transient failure", Default: host.DurationText(DefaultRetryMin), Dest: host.Duration(&c.RetryMin)},
		{Env: EnvRetryMax, Flag: "retry-max", Usage: "longest backoff", Default: host.DurationText(DefaultRetryMax), Dest: host.Duration(&c.RetryMax)},
		{Env: EnvConsumer, Flag: "consumer", Usage: "durable consumer on DRIVE; another name must exist already (a replay consumer)", Default: bus.ConsumerCompiler, Dest: host.String(&c.Consumer)},
	}
}

// FromEnv reads a Config from the variables of Settings (lookup is the
// environment with the flags in front; nil is os.LookupEnv), fills
// defaults and validates it. Durations use Go syntax ("10s").
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var c Config
	if err := host.Load("compiler", settings(&c), lookup); err != nil {
		return c, err
	}
	c = c.WithDefaults()
	return c, c.Validate()
}

// ErrNoStore is returned by OpenStore when neither store is configured.
var ErrNoStore = errors.New("compiler: no store: set " + EnvPostgresDSN + " (PostgreSQL) or " + EnvDataDir + " (embedded SQLite)")

// OpenStore opens the store the Config selects: PostgreSQL when
// PostgresDSN is set, else SQLite in DataDir. Migrations are applied.
func OpenStore(ctx context.Context, c Config) (store.Store, error) {
	switch {
	case c.PostgresDSN != "":
		s, err := store.OpenPostgres(ctx, c.PostgresDSN)
		if err != nil {
			return nil, err
		}
		return s, nil
	case c.DataDir != "":
		s, err := store.OpenSQLite(ctx, c.DataDir)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, ErrNoStore
}
