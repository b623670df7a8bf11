package detector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// rawEvent is the body MinIO's NATS target publishes for a bucket event.
type rawEvent struct {
	EventName string `json:"EventName"`
	Key       string `json:"Key"`
	Records   []struct {
		EventName string `json:"eventName"`
		S3        struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key string `json:"key"` // URL-encoded
			} `json:"object"`
		} `json:"s3"`
	} `json:"Records"`
}

// rawMaxDeliver bounds the tries of one raw notification: the listing
// heals whatever a given-up notification meant.
const rawMaxDeliver = 5

// consume runs the durable consumer of MinIO's raw notifications (stream
// RawStream on RawSubject, shared by every detector replica as a work
// queue). Each record is a hint: the object is looked at (Stat) and the
// result handed to the engine; the message is acknowledged once the change
// is published and the state advanced. A malformed message is logged and
// parked on the DEAD stream, never retried.
func (s *s3Source) consume(ctx context.Context, eng *engine) error {
	stream, err := events.EnsureStream(ctx, s.js, jetstream.StreamConfig{
		Name:        s.cfg.RawStream,
		Description: "Raw S3 bucket notifications, consumed by the drivemon detector",
		Subjects:    []string{s.cfg.RawSubject, s.cfg.RawSubject + ".>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		MaxAge:      24 * time.Hour,
	})
	if err != nil {
		return fmt.Errorf("raw stream %s on %s: %w", s.cfg.RawStream, s.cfg.RawSubject, err)
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       s.cfg.RawConsumer,
		Description:   "drivemon detector: raw S3 notifications",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       events.DefaultAckWait,
		MaxDeliver:    rawMaxDeliver,
		MaxAckPending: events.DefaultMaxAckPending,
	})
	if err != nil {
		return fmt.Errorf("raw consumer %s: %w", s.cfg.RawConsumer, err)
	}
	g, ctx := errgroup.WithContext(ctx)
	for range rawWorkers {
		w := worker.New(cons, s.js, func(ctx context.Context, msg jetstream.Msg) error {
			return s.handleRaw(ctx, eng, msg.Data())
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
func (s *s3Source) handleRaw(ctx context.Context, eng *engine, data []byte) error {
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
		if err := s.handleObject(ctx, eng, bucket, key); err != nil {
			return err
		}
	}
	if err := errors.Join(bad...); err != nil {
		s.log.Warn("malformed S3 notification record; parked", "err", err)
		return worker.Permanent(err)
	}
	return nil
}

// handleObject confirms one notified object and hands it to the engine.
func (s *s3Source) handleObject(ctx context.Context, eng *engine, bucket, key string) error {
	bot, path, ok := s.s3.Unlocate(bucket, key)
	if !ok || !s.allowed(bot) || path == "" || strings.HasSuffix(path, "/") {
		return nil // not a bot package, or a folder marker
	}
	if _, err := events.CleanPath(path); err != nil {
		eng.reject(ctx, bot, path, err)
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
			if err := s.found(ctx, eng, bot); err != nil {
				return err
			}
		}
	}
	eng.cnt.found.Add(1)
	// Unconfirmed: the engine looks at the object (Stat) in its turn.
	return eng.do(ctx, observation{Bot: bot, Path: path, By: events.DetectedByNotify})
}

func isBadPath(err error) bool { return errors.Is(err, events.ErrBadPath) }

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
