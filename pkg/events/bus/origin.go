package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
)

// Origins: when drivemon itself writes a file (a sandboxed write by a bot or
// a service), the writer first records an OriginMark under the file's
// OriginKey in the KV bucket OriginsBucket. A detector that then sees the
// file with that etag sets Change.Origin, so the writer (and anyone else)
// can tell its own echo from an author's edit and never loop.
const (
	OriginsBucket = "DRIVEMON_ORIGINS"
	// OriginTTL bounds how long a mark waits for its detection.
	OriginTTL = 10 * time.Minute
)

// OriginMark says who wrote which content of a file.
type OriginMark struct {
	ETag   string `json:"etag"`
	Origin string `json:"origin"`
	At     int64  `json:"at"` // unix ms
}

// OriginKey is the KV key of a file's origin mark.
func OriginKey(bot, path string) string { return bot + "." + events.PathToken(path) }

// EnsureOrigins creates or opens the origins bucket.
func EnsureOrigins(ctx context.Context, js KVEnsurer, o StreamOptions) (jetstream.KeyValue, error) {
	o = o.withDefaults()
	storage := jetstream.FileStorage
	if o.Memory {
		storage = jetstream.MemoryStorage
	}
	kv, err := EnsureKeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      OriginsBucket,
		Description: "who wrote a file's current content (loop protection)",
		TTL:         OriginTTL,
		Storage:     storage,
		Replicas:    o.Replicas,
	})
	if err != nil {
		return nil, err
	}
	return kv, nil
}

// OriginStore is the part of jetstream.KeyValue origin marks need.
type OriginStore interface {
	Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error)
	Put(ctx context.Context, key string, value []byte) (uint64, error)
}

// MarkOrigin records that origin is about to write content with etag to a
// file. Call it before the write.
func MarkOrigin(ctx context.Context, kv OriginStore, bot, path, etag, origin string) error {
	data, _ := json.Marshal(OriginMark{ETag: etag, Origin: origin, At: time.Now().UnixMilli()})
	if _, err := kv.Put(ctx, OriginKey(bot, path), data); err != nil {
		return fmt.Errorf("marking origin of %s: %w", events.Key(bot, events.DisplayPath(path)), err)
	}
	return nil
}

// LookupOrigin returns who wrote the content with etag of a file, or "" when
// nobody in drivemon did (an author's edit).
func LookupOrigin(ctx context.Context, kv OriginStore, bot, path, etag string) (string, error) {
	e, err := kv.Get(ctx, OriginKey(bot, path))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("looking up origin of %s: %w", events.Key(bot, events.DisplayPath(path)), err)
	}
	var m OriginMark
	if err := json.Unmarshal(e.Value(), &m); err != nil {
		return "", fmt.Errorf("origin mark of %s: %w", events.Key(bot, events.DisplayPath(path)), err)
	}
	if m.ETag != etag {
		return "", nil
	}
	return m.Origin, nil
}
