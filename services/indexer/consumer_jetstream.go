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

// Handle indexes one KB change and returns its outcome, which the worker
// (worker.Changes) publishes on outcome.indexer.<bot> once the change
// succeeded or was given up. A move is a delete of the old path and a sync
// of the new one, reported as one outcome for the new path (its chunks
// deleted counting both); created, updated and deleted all sync the path
// (the storage says what is there now).
func (s *Service) Handle(ctx context.Context, c events.Change) (events.Outcome, error) {
	var paths []string
	switch c.Op {
	case events.OpMoved:
		paths = []string{c.From, c.Path}
	case events.OpCreated, events.OpUpdated, events.OpDeleted:
		paths = []string{c.Path}
	default:
		return events.Outcome{}, nil // target_lost/found: the per-file deletes follow
	}
	var out events.Outcome
	deleted := 0
	var errs []error
	for _, p := range paths {
		if events.Classify(p).Kind != events.KindKB {
			continue
		}
		start := time.Now()
		res, err := s.Sync(ctx, c.Bot, p, c.Seq)
		s.logSync(&c, p, start, res, err)
		out = s.outcome(&c, p, res, err)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		deleted += res.Deleted
	}
	if err := errors.Join(errs...); err != nil {
		if errors.Is(err, errPermanent) && !errors.Is(err, errBusy) {
			return out, worker.Permanent(err)
		}
		return out, fmt.Errorf("indexing change %s: %w", c.ID, err)
	}
	if out.ChunksDeleted != nil {
		out.ChunksDeleted = &deleted
	}
	return out, nil
}

// outcome is the outcome of the sync of path p for change c.
func (s *Service) outcome(c *events.Change, p string, res Result, err error) events.Outcome {
	o := events.OutcomeFor(ServiceName, c)
	o.Path, o.KB, o.Kind = p, events.Classify(p).KB, events.KindKB
	o.Status = res.Status
	if res.ETag != "" {
		o.ETag = res.ETag
	}
	if err != nil {
		o.Status, o.Error = events.StatusFailed, err.Error()
		return o
	}
	total, embedded, deleted := res.Total, res.Embedded, res.Deleted
	o.ChunksTotal, o.ChunksEmbedded, o.ChunksDeleted = &total, &embedded, &deleted
	return o
}

// logSync logs the sync of path p for change c.
func (s *Service) logSync(c *events.Change, p string, start time.Time, res Result, err error) {
	s.log.Info("indexed", "bot", c.Bot, "path", events.DisplayPath(p), "etag", res.ETag, "seq", c.Seq, "status", res.Status, "chunks", res.Total,
		"embedded", res.Embedded, "deleted", res.Deleted, "ms", time.Since(start).Milliseconds(), "err", err)
}

// publishOutcome publishes o under the indexer's write policy (s.writes).
// An outcome that cannot be published is logged and dropped, never failing
// the change: the work it reports is done and recorded in the document's
// state, and a retry would find it done and report it skipped.
func (s *Service) publishOutcome(ctx context.Context, o *events.Outcome) error {
	err := s.writes.Do(ctx, "stream "+events.StreamOutcomes, func(ctx context.Context) error {
		return bus.PublishOutcome(ctx, s.js, o)
	})
	if err != nil {
		s.log.Warn("publishing outcome", "bot", o.Bot, "path", events.DisplayPath(o.Path), "etag", o.ETag, "status", o.Status, "err", err)
	}
	return nil
}

// openConsumer returns the durable consumer cfg.Consumer names (the
// standard one, or an operator's replay consumer) and the worker settings
// matching it.
func (s *Service) openConsumer(ctx context.Context) (jetstream.Consumer, worker.Config, error) {
	return worker.Open(ctx, s.js, bus.IndexerConsumer(),
		// Prefetch 1: a sync can take seconds (extraction, embedding), and
		// a prefetched change waits unseen by the other replicas.
		worker.Config{Name: s.cfg.Consumer, Timeout: s.cfg.HandlerTimeout, Prefetch: 1}, EnvConsumer)
}
