package indexer

import (
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/host"
)

func TestConfig(t *testing.T) {
	for _, tt := range []struct {
		name   string
		env    map[string]string
		errHas string
		check  func(Config) bool
	}{
		{name: "data dir", env: map[string]string{"INDEXER_DATA": "/tmp/x"}, check: func(c Config) bool { return c.DataDir == "/tmp/x" }},
		{name: "qdrant", env: map[string]string{"QDRANT_ADDR": "q:6334", "QDRANT_TLS": "true", "INDEXER_WORKERS": "4", "INDEXER_LEASE_TTL": "30s"},
			check: func(c Config) bool { return c.QdrantTLS && c.Workers == 4 && c.LeaseTTL == 30*time.Second }},
		{name: "nowhere to store", env: map[string]string{}, errHas: "INDEXER_DATA"},
		{name: "bad workers", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_WORKERS": "lots"}, errHas: "INDEXER_WORKERS"},
		{name: "too many workers", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_WORKERS": "1000"}, errHas: "Workers"},
		{name: "overlap too big", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_CHUNK_SIZE": "100", "INDEXER_CHUNK_OVERLAP": "90"}, errHas: "OVERLAP"},
		{name: "bad duration", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_EXTRACT_TIMEOUT": "soon"}, errHas: "INDEXER_EXTRACT_TIMEOUT"},
		{name: "bad tls flag", env: map[string]string{"QDRANT_ADDR": "q:1", "QDRANT_TLS": "maybe"}, errHas: "QDRANT_TLS"},
		{name: "defaults filled", env: map[string]string{"INDEXER_DATA": "d"},
			check: func(c Config) bool {
				return c.Workers == DefaultWorkers && c.Consumer == "indexer" && c.LeaseTTL == DefaultLeaseTTL
			}},
		{name: "lease too short", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_LEASE_TTL": "10ms"}, errHas: "INDEXER_LEASE_TTL"},
		{name: "bad lease duration", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_LEASE_TTL": "long"}, errHas: "INDEXER_LEASE_TTL"},
		{name: "negative extract timeout", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_EXTRACT_TIMEOUT": "-1s"}, errHas: "INDEXER_EXTRACT_TIMEOUT"},
		{name: "dimensions out of range", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_DIMENSIONS": "9000"}, errHas: "INDEXER_DIMENSIONS"},
		{name: "bad dimensions", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_DIMENSIONS": "big"}, errHas: "INDEXER_DIMENSIONS"},
		{name: "bad chunk size", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_CHUNK_SIZE": "x"}, errHas: "INDEXER_CHUNK_SIZE"},
		{name: "chunk defaults", env: map[string]string{"INDEXER_DATA": "d"},
			check: func(c Config) bool { return c.ChunkSize == 1000 && c.ChunkOverlap == 200 && c.Dimensions == 384 }},
		{name: "a size alone has no overlap", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_CHUNK_SIZE": "100"},
			check: func(c Config) bool { return c.ChunkSize == 100 && c.ChunkOverlap == 0 }},
		{name: "an overlap alone keeps the default size", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_CHUNK_OVERLAP": "50"},
			check: func(c Config) bool { return c.ChunkSize == 1000 && c.ChunkOverlap == 50 }},
		{name: "bad consumer name", env: map[string]string{"INDEXER_DATA": "d", "INDEXER_CONSUMER": "kb.replay"}, errHas: "INDEXER_CONSUMER"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(func(k string) string { return tt.env[k] })
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("FromEnv = %v, want an error naming %s", err, tt.errHas)
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Fatalf("FromEnv = %+v, %v", c, err)
			}
		})
	}
}

// TestSettingsCoverEveryVariable: every variable the configuration reads
// has its flag and help (Settings), and every setting is a variable read.
func TestSettingsCoverEveryVariable(t *testing.T) {
	if err := host.CheckSettings(Settings, testinfra.EnvConstants(t, ".")); err != nil {
		t.Fatal(err)
	}
}

// TestREADMESettings: deploy/README.md's table of the indexer is its
// settings table: every variable with its flag and default, nothing else.
func TestREADMESettings(t *testing.T) {
	if err := host.CheckREADMEFile("../../deploy/README.md", "(`services/indexer`", Settings); err != nil {
		t.Fatal(err)
	}
}
