package indexer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// Handle processes one message of the indexer's consumer: a KB change. A
// move is a delete of the old path and a sync of the new one; created,
// updated and deleted all sync the path (the storage says what is there
// now). Every processed path gets an outcome on outcome.indexer.<bot>.
func (s *Service) Handle(ctx context.Context, msg jetstream.Msg) error {
	c, err := bus.Decode(msg)
	if err != nil {
		return worker.Permanent(err)
	}
	attempt := 1
	if md, err := msg.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	var paths []string
	switch c.Op {
	case events.OpMoved:
		paths = []string{c.From, c.Path}
	case events.OpCreated, events.OpUpdated, events.OpDeleted:
		paths = []string{c.Path}
	default:
		return nil // target_lost/found: the per-file deletes follow
	}
	var errs []error
	for _, p := range paths {
		if events.Classify(p).Kind != events.KindKB {
			continue
		}
		start := time.Now()
		res, err := s.Sync(ctx, c.Bot, p, c.Seq)
		if errors.Is(err, errBusy) {
			// Another replica is on it; come back once it is done.
			errs = append(errs, err)
			continue
		}
		if err != nil {
			errs = append(errs, err)
		}
		s.report(ctx, &c, p, attempt, start, res, err)
	}
	err = errors.Join(errs...)
	if err != nil && errors.Is(err, errPermanent) && !errors.Is(err, errBusy) {
		return worker.Permanent(err)
	}
	if err != nil {
		return fmt.Errorf("indexing change %s: %w", c.ID, err)
	}
	return nil
}

// report publishes the outcome of the sync of path for change c (an
// outcome that cannot be published is logged and dropped) and logs it.
func (s *Service) report(ctx context.Context, c *events.Change, p string, attempt int, start time.Time, res Result, err error) {
	o := events.OutcomeFor(ServiceName, c)
	o.Path, o.KB, o.Kind, o.Attempt = p, events.Classify(p).KB, events.KindKB, attempt
	o.Millis = time.Since(start).Milliseconds()
	o.Status = res.Status
	if res.ETag != "" {
		o.ETag = res.ETag
	}
	if err != nil {
		o.Status, o.Error = events.StatusFailed, err.Error()
	} else {
		total, embedded, deleted := res.Total, res.Embedded, res.Deleted
		o.ChunksTotal, o.ChunksEmbedded, o.ChunksDeleted = &total, &embedded, &deleted
	}
	if perr := s.writes.Do(ctx, "stream "+events.StreamOutcomes, func(ctx context.Context) error {
		return bus.PublishOutcome(ctx, s.js, &o)
	}); perr != nil {
		s.log.Warn("publishing outcome", "bot", c.Bot, "path", events.DisplayPath(p), "etag", o.ETag, "err", perr)
	}
	s.log.Info("indexed", "bot", c.Bot, "path", events.DisplayPath(p), "etag", o.ETag, "seq", c.Seq, "status", o.Status, "chunks", res.Total,
		"embedded", res.Embedded, "deleted", res.Deleted, "ms", o.Millis, "err", err)
}

// openConsumer returns the durable consumer cfg.Consumer names (the
// standard one, or an operator's replay consumer) and the worker settings
// matching it.
func (s *Service) openConsumer(ctx context.Context) (jetstream.Consumer, worker.Config, error) {
	return worker.Open(ctx, s.js, bus.IndexerConsumer(),
		// Prefetch 1: a sync can take seconds (extraction, embedding), and
		// a prefetched change waits unseen by the other replicas.
		worker.Config{Name: s.cfg.Consumer, Timeout: s.cfg.HandlerTimeout, GiveUp: s.giveUp, Prefetch: 1}, EnvConsumer)
}

// giveUp logs a change the worker parks on the DEAD stream; its failed
// outcome was already published by Handle.
func (s *Service) giveUp(ctx context.Context, msg jetstream.Msg, err error) error {
	s.log.Error("giving up on change", "subject", msg.Subject(), "err", err)
	return nil
}
