package detector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// rawEvent is the body MinIO's NATS target publishes for a bucket event.
type rawEvent struct {
	EventName string      `json:"EventName"`
	Key       string      `json:"Key"`
	Records   []rawRecord `json:"Records"`
}

// rawRecord is one S3 event record.
type rawRecord struct {
	EventName string `json:"eventName"`
	S3        struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key string `json:"key"` // URL-encoded
			// Sequencer orders the events of one key; every copy of one
			// event (one per target) carries the same.
			Sequencer string `json:"sequencer"`
		} `json:"object"`
	} `json:"s3"`
}

// copyID identifies the event a record reports, the same in every copy of
// it: bucket, key, event name and sequencer. A delete has no ETag, so the
// ETag cannot tell two deletes of one key apart; the sequencer does. ""
// when the record has no sequencer (then no copy is recognised as such).
func (r rawRecord) copyID() string {
	o := r.S3.Object
	if o.Sequencer == "" {
		return ""
	}
	return r.S3.Bucket.Name + "\x00" + o.Key + "\x00" + r.EventName + "\x00" + o.Sequencer
}

// copies remembers the events handled lately (rawRecord.copyID), so that
// the second copy of an event — MinIO's fast and durable targets each send
// one — is acknowledged without a Stat, a state read or a state write. It
// holds two generations of at most copiesPerGen events; the older is
// dropped when the newer is full. A copy that arrives after its event was
// dropped, or at another detector replica, is looked at like any
// notification, and the per-file state, which already holds that ETag (or
// that tombstone), makes it no change: memory only saves work, it does not
// make the result right.
type copies struct {
	mu       sync.Mutex
	cur, old map[string]struct{}
}

// copiesPerGen bounds one generation of copies (~150 bytes an event): at a
// few hundred events a second that is minutes of history, against the
// durable target's ~3 s delay.
const copiesPerGen = 32768

func newCopies() *copies {
	return &copies{cur: map[string]struct{}{}, old: map[string]struct{}{}}
}

// seen reports whether the event id was handled lately.
func (c *copies) seen(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, inCur := c.cur[id]
	_, inOld := c.old[id]
	return inCur || inOld
}

// add records that the event id was handled.
func (c *copies) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur) >= copiesPerGen {
		c.old, c.cur = c.cur, make(map[string]struct{}, copiesPerGen)
	}
	c.cur[id] = struct{}{}
}

// rawMaxDeliver bounds the tries of one raw notification: the listing
// heals whatever a given-up notification meant.
const rawMaxDeliver = 5

// rawConsumer creates the RAW stream on RawSubject and RawSubject.> (the
// fast and durable targets publish on subjects below it) and the durable
// consumer every detector replica shares as a work queue.
func (s *s3Source) rawConsumer(ctx context.Context) (jetstream.Consumer, error) {
	stream, err := bus.EnsureStream(ctx, s.js, jetstream.StreamConfig{
		Name:        s.cfg.RawStream,
		Description: "Raw S3 bucket notifications, consumed by the drivemon detector",
		Subjects:    []string{s.cfg.RawSubject, s.cfg.RawSubject + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("raw stream %s on %s: %w", s.cfg.RawStream, s.cfg.RawSubject, err)
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       s.cfg.RawConsumer,
		Description:   "drivemon detector: raw S3 notifications",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       bus.DefaultAckWait,
		MaxDeliver:    rawMaxDeliver,
		MaxAckPending: bus.DefaultMaxAckPending,
	})
	if err != nil {
		return nil, fmt.Errorf("raw consumer %s: %w", s.cfg.RawConsumer, err)
	}
	return cons, nil
}

// consume handles MinIO's raw notifications from cons. Each record is a
// hint: the object is looked at (Stat) and the result handed to the
// engine; the message is acknowledged once the change is published and the
// state advanced. The second copy of an event is skipped (copies). A
// malformed message is logged and parked on the DEAD stream, never
// retried.
func (s *s3Source) consume(ctx context.Context, sink Sink, cons jetstream.Consumer) error {
	g, ctx := errgroup.WithContext(ctx)
	for range rawWorkers {
		w := worker.New(cons, s.js, func(ctx context.Context, msg jetstream.Msg) error {
			return s.handleRaw(ctx, sink, msg.Data())
		}, worker.Config{Name: s.cfg.RawConsumer, MaxDeliver: rawMaxDeliver, MinBackoff: s.cfg.RetryMin, MaxBackoff: s.cfg.RetryMax}, s.log)
		g.Go(func() error { return w.Run(ctx) })
	}
	return g.Wait()
}

// rawWorkers is how many raw notifications one detector handles at once.
// Their order does not matter: each object is looked at (Stat) by the
// engine when its turn comes, in order per path, so a late notification
// never undoes a newer one.
const rawWorkers = 8

// errMalformed marks a raw notification that cannot be understood.
var errMalformed = errors.New("malformed S3 notification")

// handleRaw handles one raw notification body.
func (s *s3Source) handleRaw(ctx context.Context, sink Sink, data []byte) error {
	var ev rawEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		s.log.Warn("malformed S3 notification; parked", "err", err, "body", clip(data))
		return worker.Permanent(fmt.Errorf("%w: %w", errMalformed, err))
	}
	if len(ev.Records) == 0 {
		s.log.Warn("S3 notification without records; parked", "body", clip(data))
		return worker.Permanent(fmt.Errorf("%w: no records", errMalformed))
	}
	var bad []error
	for _, r := range ev.Records {
		bucket := r.S3.Bucket.Name
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if bucket == "" || r.S3.Object.Key == "" || err != nil {
			bad = append(bad, fmt.Errorf("%w: record without bucket or key, or key %q not URL-encoded (%v)", errMalformed, r.S3.Object.Key, err))
			continue
		}
		id := r.copyID()
		if id != "" && s.copies.seen(id) {
			sink.Duplicate()
			continue
		}
		if err := s.handleObject(ctx, sink, bucket, key); err != nil {
			return err
		}
		if id != "" {
			s.copies.add(id)
		}
	}
	if err := errors.Join(bad...); err != nil {
		s.log.Warn("malformed S3 notification record; parked", "err", err)
		return worker.Permanent(err)
	}
	return nil
}

// handleObject hands one notified object to the sink.
func (s *s3Source) handleObject(ctx context.Context, sink Sink, bucket, key string) error {
	bot, path, ok := s.s3.Unlocate(bucket, key)
	if !ok || !s.allowed(bot) || path == "" || strings.HasSuffix(path, "/") {
		return nil // not a bot package, or a folder marker
	}
	if _, err := events.CleanPath(path); err != nil {
		sink.Reject(ctx, bot, path, err)
		return nil
	}
	s.mu.Lock()
	known := s.known[bot]
	s.mu.Unlock()
	if !known {
		// A bot not discovered yet: found, if the object is really there.
		_, err := s.s3.Stat(ctx, bot, path)
		if err != nil && !errors.Is(err, drive.ErrNotFound) {
			return fmt.Errorf("confirming %s: %w", events.Key(bot, events.DisplayPath(path)), err)
		}
		if err == nil {
			if err := s.found(ctx, sink, bot); err != nil {
				return err
			}
		}
	}
	// Unconfirmed: the engine looks at the object (Stat) in its turn.
	return sink.ObserveAndWait(ctx, observation{Bot: bot, Path: path, By: events.DetectedByNotify})
}

func isBadPath(err error) bool { return errors.Is(err, events.ErrBadPath) }

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
