package detector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// DefaultStateBucket is the JetStream KV bucket holding the per-file state.
const DefaultStateBucket = "DRIVEMON_STATE"

// entry is the durable state of one file (or, with pkg set, of one package):
// what the detector last published for it. Deleted entries stay as
// tombstones so that the revision keeps growing and a later identical
// re-creation gets a new change id (Change.Base).
type entry struct {
	Path    []byte `json:"p,omitempty"` // []byte: names need not be UTF-8
	ETag    string `json:"e,omitempty"`
	Size    int64  `json:"s,omitempty"`
	MTime   int64  `json:"m,omitempty"`
	Version string `json:"v,omitempty"` // S3 version id, when the store has one
	Deleted bool   `json:"d,omitempty"`
}

func (e *entry) live() bool { return e != nil && !e.Deleted }

// stateKV keeps entries in a JetStream KV bucket under
// <source>.<bot>.<PathToken(path)>, and package presence under
// <source>.<bot>.pkg.
type stateKV struct {
	kv     jetstream.KeyValue
	source events.Source
}

// errConflict: a compare-and-set lost against another writer (another
// detector instance); re-read and decide again.
var errConflict = errors.New("state changed underneath (compare-and-set lost)")

func openState(ctx context.Context, js jetstream.KeyValueManager, bucket string, src events.Source) (*stateKV, error) {
	kv, err := bus.EnsureKeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "drivemon detector: last published state per file",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("opening state bucket %s: %w", bucket, err)
	}
	return &stateKV{kv: kv, source: src}, nil
}

func (s *stateKV) fileKey(bot, path string) string {
	return string(s.source) + "." + bot + "." + events.PathToken(path)
}

func (s *stateKV) pkgKey(bot string) string { return string(s.source) + "." + bot + ".pkg" }

// get returns the entry under key and its revision; (nil, 0) when absent.
func (s *stateKV) get(ctx context.Context, key string) (*entry, uint64, error) {
	kve, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reading state %s: %w", key, err)
	}
	var e entry
	if err := json.Unmarshal(kve.Value(), &e); err != nil {
		// A corrupt entry is treated as absent: the next write replaces it.
		return nil, kve.Revision(), nil
	}
	return &e, kve.Revision(), nil
}

// put writes e under key if the key is still at revision rev (0: absent).
func (s *stateKV) put(ctx context.Context, key string, e *entry, rev uint64) (uint64, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("encoding state %s: %w", key, err)
	}
	var nrev uint64
	if rev == 0 {
		nrev, err = s.kv.Create(ctx, key, data)
	} else {
		nrev, err = s.kv.Update(ctx, key, data, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, fmt.Errorf("writing state %s at revision %d: %w", key, rev, errConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("writing state %s: %w", key, err)
	}
	return nrev, nil
}

// known is one file's entry as loaded by load.
type known struct {
	entry
	rev uint64
}

// scan calls fn with every current entry whose key matches filter, read
// with one ordered consumer rather than one request per key. A scan may
// take long on a large state, so it is bounded by progress, not by a
// deadline: it fails when no entry arrives for idle (NATS went away).
func (s *stateKV) scan(ctx context.Context, filter string, idle time.Duration, fn func(key string, e *entry, rev uint64)) error {
	w, err := s.kv.Watch(ctx, filter, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("reading state %s: %w", filter, err)
	}
	defer w.Stop()
	stalled := time.NewTimer(idle)
	defer stalled.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-stalled.C:
			return fmt.Errorf("reading state %s: nothing received for %s", filter, idle)
		case kve, ok := <-w.Updates():
			stalled.Reset(idle)
			if !ok {
				return fmt.Errorf("reading state %s: watcher closed", filter)
			}
			if kve == nil {
				return nil
			}
			var e entry
			if json.Unmarshal(kve.Value(), &e) == nil {
				fn(kve.Key(), &e, kve.Revision())
			}
		}
	}
}

// load returns the live files of bot, by path.
func (s *stateKV) load(ctx context.Context, bot string, idle time.Duration) (map[string]known, error) {
	out := make(map[string]known)
	err := s.scan(ctx, string(s.source)+"."+bot+".*", idle, func(key string, e *entry, rev uint64) {
		if !strings.HasSuffix(key, ".pkg") && !e.Deleted && len(e.Path) > 0 {
			out[string(e.Path)] = known{entry: *e, rev: rev}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("loading state of %s: %w", bot, err)
	}
	return out, nil
}

// bots returns the bots whose package is marked present.
func (s *stateKV) bots(ctx context.Context, idle time.Duration) ([]string, error) {
	var out []string
	err := s.scan(ctx, string(s.source)+".*.pkg", idle, func(key string, e *entry, _ uint64) {
		if parts := strings.Split(key, "."); !e.Deleted && len(parts) == 3 {
			out = append(out, parts[1])
		}
	})
	return out, err
}
