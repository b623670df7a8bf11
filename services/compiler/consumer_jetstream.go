package compiler

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// handle compiles one change and returns its outcome. The worker
// (worker.Changes) acknowledges the message and publishes the outcome only
// when it returns nil, i.e. after the store committed; an error retries it
// with backoff (the store makes the retry idempotent), a permanent one
// parks it on the DEAD stream at once, and the worker publishes the failed
// outcome when it gives up.
func (s *Service) handle(ctx context.Context, c events.Change) (events.Outcome, error) {
	out := events.OutcomeFor(Name, &c)
	if err := s.process(ctx, &c, &out); err != nil {
		return out, fmt.Errorf("compiling %s at seq %d: %w", events.Key(c.Bot, events.DisplayPath(c.Path)), c.Seq, err)
	}
	if c.Kind == events.KindKB && out.Status == events.StatusSkipped {
		return events.Outcome{}, nil // the indexer's outcome is the one that counts (kb.go)
	}
	s.log.Debug("compiled", append(c.LogAttrs(), "status", out.Status, "diagnostics", len(out.Diagnostics))...)
	return out, nil
}

// openConsumer returns the durable consumer Config.Consumer names (the
// standard one, or an operator's replay consumer) and the worker settings
// matching it.
func (s *Service) openConsumer(ctx context.Context) (jetstream.Consumer, worker.Config, error) {
	return worker.Open(ctx, s.js, bus.CompilerConsumer(), worker.Config{
		Name:       s.cfg.Consumer,
		Timeout:    s.cfg.HandlerTimeout,
		MinBackoff: s.cfg.RetryMin,
		MaxBackoff: s.cfg.RetryMax,
	}, EnvConsumer)
}
