package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/host"
)

// KV bucket names.
const (
	BucketDocs   = "indexer-docs"
	BucketLeases = "indexer-leases"
)

// Document statuses kept in DocState.
const (
	StatusIndexed     = "indexed"
	StatusFailed      = "failed"
	StatusDeleted     = "deleted"
	StatusUnsupported = "unsupported"
)

// DocState is what the indexer keeps per document (bucket indexer-docs, key
// stateKey(bot, path)).
type DocState struct {
	Bot  string `json:"bot"`
	KB   string `json:"kb"`
	Path string `json:"path"`
	// ETag is the version last indexed (or last tried, when failed).
	ETag string `json:"etag"`
	// Seq is the highest DRIVE sequence whose change was fully processed:
	// a change at or below it is already reflected and is skipped.
	Seq    uint64 `json:"seq"`
	Status string `json:"status"`
	Chunks int    `json:"chunks"`
	// Embedder is the ID of the embedder the chunks were embedded with.
	Embedder string `json:"embedder,omitempty"`
	// Error and Failures describe the last failures of ETag; a new ETag
	// starts the count again.
	Error     string `json:"error,omitempty"`
	Failures  int    `json:"failures,omitempty"`
	UpdatedAt int64  `json:"updated_at"`
}

// MarshalJSON keeps a path (and a KB folder name) that is not UTF-8
// exact, as events.Change does: a JSON string cannot hold such bytes
// (encoding/json would replace them with U+FFFD), so "path" shows
// events.DisplayPath and "path_b64" holds the bytes; "kb" and "kb_b64"
// likewise.
func (d DocState) MarshalJSON() ([]byte, error) {
	type alias DocState
	w := struct {
		alias
		PathB64 string `json:"path_b64,omitempty"`
		KBB64   string `json:"kb_b64,omitempty"`
	}{alias: alias(d)}
	w.Path, w.PathB64 = events.PathToJSON(d.Path)
	w.KB, w.KBB64 = events.PathToJSON(d.KB)
	return json.Marshal(w)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (d *DocState) UnmarshalJSON(data []byte) error {
	type alias DocState
	var w struct {
		alias
		PathB64 string `json:"path_b64,omitempty"`
		KBB64   string `json:"kb_b64,omitempty"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	var err error
	if w.Path, err = events.PathFromJSON(w.Path, w.PathB64); err != nil {
		return fmt.Errorf("document state: path_b64: %w", err)
	}
	if w.KB, err = events.PathFromJSON(w.KB, w.KBB64); err != nil {
		return fmt.Errorf("document state: kb_b64: %w", err)
	}
	*d = DocState(w.alias)
	return nil
}

// stateKey is the one KV key of a document: "<bot>.<path token>".
func stateKey(bot, path string) string { return bot + "." + events.PathToken(path) }

// KVCreator is the part of jetstream.JetStream the state needs.
type KVCreator = bus.KVEnsurer

// stateStore keeps DocStates and per-document leases in JetStream KV.
// Every access goes through w: each try has its own deadline and a
// failing bucket shows in the service's readiness, so a worker never
// waits minutes on a bucket whose disk is full.
type stateStore struct {
	docs, leases jetstream.KeyValue
	owner        string
	ttl          time.Duration
	w            *host.Writes
}

// Store names in readiness reports.
const (
	storeDocs   = "KV " + BucketDocs
	storeLeases = "KV " + BucketLeases
)

func openState(ctx context.Context, js KVCreator, ttl time.Duration, owner string, w *host.Writes) (*stateStore, error) {
	docs, err := bus.EnsureKeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: BucketDocs, Description: "indexer: per-document state", History: 1})
	if err != nil {
		return nil, fmt.Errorf("creating KV bucket %s: %w", BucketDocs, err)
	}
	leases, err := bus.EnsureKeyValue(ctx, js, jetstream.KeyValueConfig{Bucket: BucketLeases, Description: "indexer: per-document leases", History: 1, TTL: ttl})
	if err != nil {
		return nil, fmt.Errorf("creating KV bucket %s: %w", BucketLeases, err)
	}
	return &stateStore{docs: docs, leases: leases, owner: owner, ttl: ttl, w: w}, nil
}

// get returns a document's state (zero when none).
func (s *stateStore) get(ctx context.Context, bot, path string) (DocState, error) {
	var e jetstream.KeyValueEntry
	err := s.w.Do(ctx, storeDocs, func(ctx context.Context) (err error) {
		e, err = s.docs.Get(ctx, stateKey(bot, path))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return host.Final(err)
		}
		return err
	})
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return DocState{}, nil
	}
	if err != nil {
		return DocState{}, fmt.Errorf("reading state of %s: %w", events.Key(bot, path), err)
	}
	var st DocState
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return DocState{}, fmt.Errorf("decoding state of %s: %w", events.Key(bot, path), err)
	}
	return st, nil
}

func (s *stateStore) put(ctx context.Context, st DocState) error {
	st.UpdatedAt = time.Now().UnixMilli()
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	err = s.w.Do(ctx, storeDocs, func(ctx context.Context) error {
		_, err := s.docs.Put(ctx, stateKey(st.Bot, st.Path), data)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing state of %s: %w", events.Key(st.Bot, st.Path), err)
	}
	return nil
}

// list returns the states of every document of bot.
func (s *stateStore) list(ctx context.Context, bot string) ([]DocState, error) {
	kl, err := s.docs.ListKeysFiltered(ctx, bot+".*")
	if err != nil {
		return nil, fmt.Errorf("listing documents of %s: %w", bot, err)
	}
	var out []DocState
	for k := range kl.Keys() {
		e, err := s.docs.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listing documents of %s: %w", bot, err)
		}
		var st DocState
		if json.Unmarshal(e.Value(), &st) == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// errBusy: another replica holds the document's lease.
var errBusy = errors.New("document is being indexed by another replica")

// lease holds a document for one replica.
type lease struct {
	s    *stateStore
	key  string
	rev  uint64
	stop context.CancelFunc
	done chan struct{}
}

// acquire takes the lease of a document, waiting up to wait for another
// holder to finish. The returned context ends if the lease is lost.
func (s *stateStore) acquire(ctx context.Context, bot, path string, wait time.Duration) (*lease, context.Context, error) {
	key := stateKey(bot, path)
	deadline := time.Now().Add(wait)
	delay := 20 * time.Millisecond
	for {
		var rev uint64
		err := s.w.Do(ctx, storeLeases, func(ctx context.Context) (err error) {
			rev, err = s.leases.Create(ctx, key, []byte(s.owner))
			if errors.Is(err, jetstream.ErrKeyExists) {
				return host.Final(err)
			}
			return err
		})
		if err == nil {
			lctx, stop := context.WithCancel(ctx)
			l := &lease{s: s, key: key, rev: rev, stop: stop, done: make(chan struct{})}
			go l.renew(lctx)
			return l, lctx, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, nil, fmt.Errorf("taking the lease of %s: %w", events.Key(bot, path), err)
		}
		if time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("%s: %w", events.Key(bot, path), errBusy)
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 500*time.Millisecond)
	}
}

// renew refreshes the lease at a third of its TTL; if that fails the
// lease is lost and the work under it is cancelled.
func (l *lease) renew(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.s.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			var rev uint64
			err := l.s.w.Do(ctx, storeLeases, func(ctx context.Context) (err error) {
				rev, err = l.s.leases.Update(ctx, l.key, []byte(l.s.owner), l.rev)
				var api *jetstream.APIError
				if errors.As(err, &api) && api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
					return host.Final(err) // taken over after it expired
				}
				return err
			})
			if err != nil {
				l.stop()
				return
			}
			l.rev = rev
		}
	}
}

// release gives the lease up (only if still ours).
func (l *lease) release(ctx context.Context) {
	l.stop()
	<-l.done
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = l.s.leases.Delete(ctx, l.key, jetstream.LastRevision(l.rev))
}
