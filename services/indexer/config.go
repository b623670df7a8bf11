package indexer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/indexer/chunk"
	"github.com/drivemon/drivemon/services/indexer/embed"
)

// Config is the indexer's setup. The zero value plus DataDir (or
// QdrantAddr) is valid; FromEnv reads it from the environment.
type Config struct {
	// DataDir holds the embedded vector index (in DataDir/vectors) when
	// QdrantAddr is empty.
	DataDir string
	// QdrantAddr (host:gRPC port), if set, selects Qdrant as the index.
	QdrantAddr   string
	QdrantAPIKey string
	QdrantTLS    bool
	// Workers is the number of messages this process handles at once
	// (each a worker on the shared durable consumer). Default 2.
	Workers int
	// ChunkSize and ChunkOverlap size the chunks (defaults 1000 and 200).
	ChunkSize, ChunkOverlap int
	// Dimensions is the size of the built-in embedder's vectors (384).
	Dimensions int
	// LeaseTTL bounds how long a crashed replica's per-document lease
	// blocks others (default 60 s; renewed at a third of it while held).
	// LeaseWait is how long a replica waits for a busy document before
	// handing the change back for a later retry (default 10 s).
	LeaseTTL, LeaseWait time.Duration
	// ExtractTimeout bounds the extraction of one document (default 60 s).
	ExtractTimeout time.Duration
	// HandlerTimeout bounds the processing of one change (default 5 min).
	HandlerTimeout time.Duration
	// Consumer is the durable consumer on DRIVE to read (default
	// bus.ConsumerIndexer, created or updated at start). Any other name
	// must already exist, as a pull consumer with explicit acks: an
	// operator's replay consumer (docs/REPLAY.md). It is never created,
	// so a mistyped name fails instead of starting a work queue with the
	// wrong filter.
	Consumer string
}

// Defaults.
const (
	DefaultWorkers        = 2
	DefaultLeaseTTL       = 60 * time.Second
	DefaultLeaseWait      = 10 * time.Second
	DefaultExtractTimeout = 60 * time.Second
	DefaultHandlerTimeout = 5 * time.Minute
)

func (c Config) withDefaults() Config {
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.ChunkSize == 0 {
		c.ChunkSize = chunk.DefaultSize
		if c.ChunkOverlap == 0 {
			c.ChunkOverlap = chunk.DefaultOverlap
		}
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.LeaseWait == 0 {
		c.LeaseWait = DefaultLeaseWait
	}
	if c.ExtractTimeout == 0 {
		c.ExtractTimeout = DefaultExtractTimeout
	}
	if c.HandlerTimeout == 0 {
		c.HandlerTimeout = DefaultHandlerTimeout
	}
	if c.Consumer == "" {
		c.Consumer = bus.ConsumerIndexer
	}
	return c
}

// Validate names the first bad setting.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.DataDir == "" && c.QdrantAddr == "" {
		return fmt.Errorf("indexer config: DataDir (INDEXER_DATA) or QdrantAddr (QDRANT_ADDR) must be set")
	}
	if c.Workers < 1 || c.Workers > 64 {
		return fmt.Errorf("indexer config: Workers (INDEXER_WORKERS) = %d: want 1..64", c.Workers)
	}
	if err := (chunk.Options{Size: c.ChunkSize, Overlap: c.ChunkOverlap}).Validate(); err != nil {
		return fmt.Errorf("indexer config: INDEXER_CHUNK_SIZE/INDEXER_CHUNK_OVERLAP: %w", err)
	}
	if c.Dimensions < 0 || c.Dimensions > 8192 {
		return fmt.Errorf("indexer config: Dimensions (INDEXER_DIMENSIONS) = %d: want 0..8192", c.Dimensions)
	}
	if c.LeaseTTL < time.Second {
		return fmt.Errorf("indexer config: LeaseTTL (INDEXER_LEASE_TTL) = %s: want at least 1s", c.LeaseTTL)
	}
	if c.ExtractTimeout < 0 {
		return fmt.Errorf("indexer config: ExtractTimeout (INDEXER_EXTRACT_TIMEOUT) = %s: want a positive duration", c.ExtractTimeout)
	}
	if c.LeaseWait < 0 || c.HandlerTimeout < 0 {
		return fmt.Errorf("indexer config: negative LeaseWait or HandlerTimeout")
	}
	if strings.ContainsAny(c.Consumer, " \t\r\n.*>/\\") {
		return fmt.Errorf("indexer config: Consumer (INDEXER_CONSUMER) = %q: a consumer name has no spaces, '.', '*', '>', '/' or '\\'", c.Consumer)
	}
	return nil
}

// Environment variables read by FromEnv.
const (
	EnvDataDir        = "INDEXER_DATA"
	EnvQdrantAddr     = "QDRANT_ADDR"
	EnvQdrantAPIKey   = "QDRANT_API_KEY"
	EnvQdrantTLS      = "QDRANT_TLS"
	EnvWorkers        = "INDEXER_WORKERS"
	EnvChunkSize      = "INDEXER_CHUNK_SIZE"
	EnvChunkOverlap   = "INDEXER_CHUNK_OVERLAP"
	EnvDimensions     = "INDEXER_DIMENSIONS"
	EnvLeaseTTL       = "INDEXER_LEASE_TTL"
	EnvExtractTimeout = "INDEXER_EXTRACT_TIMEOUT"
	EnvConsumer       = "INDEXER_CONSUMER"
)

// Settings are the indexer's own settings, as flags and variables.
var Settings = settings(new(Config))

// settings is the table of the indexer's settings, storing into c. The
// overlap has no default of its own: 200 with the default chunk size, else
// 0 (withDefaults).
func settings(c *Config) []host.Setting {
	return []host.Setting{
		{Env: EnvQdrantAddr, Flag: "qdrant-addr", Usage: "Qdrant as host:gRPC port, e.g. qdrant:6334", Dest: host.String(&c.QdrantAddr)},
		{Env: EnvQdrantAPIKey, Flag: "qdrant-api-key", Usage: "Qdrant API key (prefer the variable: flags show in ps)", Dest: host.String(&c.QdrantAPIKey)},
		{Env: EnvQdrantTLS, Flag: "qdrant-tls", Usage: "true for TLS to Qdrant", Default: "false", Dest: host.Bool(&c.QdrantTLS)},
		{Env: EnvDataDir, Flag: "data-dir", Usage: "folder of the embedded vector index instead of Qdrant", Dest: host.String(&c.DataDir)},
		{Env: EnvWorkers, Flag: "workers", Usage: "changes one replica indexes at once, 1-64", Default: strconv.Itoa(DefaultWorkers), Dest: host.Int(&c.Workers)},
		{Env: EnvChunkSize, Flag: "chunk-size", Usage: "characters per chunk", Default: strconv.Itoa(chunk.DefaultSize), Dest: host.Int(&c.ChunkSize)},
		{Env: EnvChunkOverlap, Flag: "chunk-overlap", Usage: "characters shared by neighbouring chunks (default " + strconv.Itoa(chunk.DefaultOverlap) + " with the default size, else 0)", Dest: host.Int(&c.ChunkOverlap)},
		{Env: EnvDimensions, Flag: "dimensions", Usage: "vector size of the built-in embedder", Default: strconv.Itoa(embed.DefaultHashedDimensions), Dest: host.Int(&c.Dimensions)},
		{Env: EnvLeaseTTL, Flag: "lease-ttl", Usage: "how long a crashed replica's per-document lease blocks the others", Default: host.DurationText(DefaultLeaseTTL), Dest: host.Duration(&c.LeaseTTL)},
		{Env: EnvExtractTimeout, Flag: "extract-timeout", Usage: "bound of the text extraction of one document", Default: host.DurationText(DefaultExtractTimeout), Dest: host.Duration(&c.ExtractTimeout)},
		{Env: EnvConsumer, Flag: "consumer", Usage: "durable consumer on DRIVE; another name must exist already (a replay consumer)", Default: bus.ConsumerIndexer, Dest: host.String(&c.Consumer)},
	}
}

// FromEnv reads a Config from the variables of Settings through getenv
// (the environment with the flags in front), fills defaults and
// validates it.
func FromEnv(getenv func(string) string) (Config, error) {
	var c Config
	lookup := func(k string) (string, bool) { v := getenv(k); return v, v != "" }
	if err := host.Load("indexer", settings(&c), lookup); err != nil {
		return c, err
	}
	// The overlap's default goes with the default size only.
	if strings.TrimSpace(getenv(EnvChunkOverlap)) == "" && strings.TrimSpace(getenv(EnvChunkSize)) == "" {
		c.ChunkOverlap = chunk.DefaultOverlap
	}
	c = c.withDefaults()
	return c, c.Validate()
}
