package indexer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/indexer/chunk"
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
var Settings = []host.Setting{
	{Env: EnvQdrantAddr, Flag: "qdrant-addr", Usage: "Qdrant as host:gRPC port, e.g. qdrant:6334"},
	{Env: EnvQdrantAPIKey, Flag: "qdrant-api-key", Usage: "Qdrant API key (prefer the variable: flags show in ps)"},
	{Env: EnvQdrantTLS, Flag: "qdrant-tls", Usage: "true for TLS to Qdrant"},
	{Env: EnvDataDir, Flag: "data-dir", Usage: "folder of the embedded vector index instead of Qdrant"},
	{Env: EnvWorkers, Flag: "workers", Usage: "changes one replica indexes at once, 1-64 (default 2)"},
	{Env: EnvChunkSize, Flag: "chunk-size", Usage: "characters per chunk (default 1000)"},
	{Env: EnvChunkOverlap, Flag: "chunk-overlap", Usage: "characters shared by neighbouring chunks (default 200)"},
	{Env: EnvDimensions, Flag: "dimensions", Usage: "vector size of the built-in embedder (default 384)"},
	{Env: EnvLeaseTTL, Flag: "lease-ttl", Usage: "how long a crashed replica's per-document lease blocks the others (default 60s)"},
	{Env: EnvExtractTimeout, Flag: "extract-timeout", Usage: "bound of the text extraction of one document (default 60s)"},
	{Env: EnvConsumer, Flag: "consumer", Usage: "durable consumer on DRIVE (default indexer); another name must exist already (a replay consumer)"},
}

// FromEnv reads a Config, defaults filled, from environment variables
// through getenv (os.Getenv in main): INDEXER_DATA, QDRANT_ADDR, QDRANT_API_KEY,
// QDRANT_TLS, INDEXER_WORKERS, INDEXER_CHUNK_SIZE, INDEXER_CHUNK_OVERLAP,
// INDEXER_DIMENSIONS, INDEXER_LEASE_TTL, INDEXER_EXTRACT_TIMEOUT,
// INDEXER_CONSUMER.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{DataDir: getenv(EnvDataDir), QdrantAddr: getenv(EnvQdrantAddr), QdrantAPIKey: getenv(EnvQdrantAPIKey),
		Consumer: getenv(EnvConsumer)}
	var err error
	if v := getenv(EnvQdrantTLS); v != "" {
		if c.QdrantTLS, err = strconv.ParseBool(v); err != nil {
			return c, fmt.Errorf("%s = %q: %w", EnvQdrantTLS, v, err)
		}
	}
	for _, n := range []struct {
		key string
		dst *int
	}{{EnvWorkers, &c.Workers}, {EnvChunkSize, &c.ChunkSize}, {EnvChunkOverlap, &c.ChunkOverlap}, {EnvDimensions, &c.Dimensions}} {
		if v := getenv(n.key); v != "" {
			if *n.dst, err = strconv.Atoi(v); err != nil {
				return c, fmt.Errorf("%s = %q: want an integer", n.key, v)
			}
		}
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
	}{{EnvLeaseTTL, &c.LeaseTTL}, {EnvExtractTimeout, &c.ExtractTimeout}} {
		if v := getenv(d.key); v != "" {
			if *d.dst, err = time.ParseDuration(v); err != nil {
				return c, fmt.Errorf("%s = %q: want a duration like 30s", d.key, v)
			}
		}
	}
	c = c.withDefaults()
	return c, c.Validate()
}
