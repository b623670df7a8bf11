package compiler

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

// handle is the worker handler for one DRIVE message: decode, process,
// publish the outcome. The worker acknowledges the message only when it
// returns nil, i.e. after the store committed and the outcome was
// published; an error retries it with backoff (the store makes the retry
// idempotent), a permanent one parks it on the DEAD stream at once.
func (s *Service) handle(ctx context.Context, msg jetstream.Msg) error {
	start := time.Now()
	c, err := bus.Decode(msg)
	if err != nil {
		return worker.Permanent(err)
	}
	out := events.OutcomeFor(Name, &c)
	out.Attempt = attempt(msg)
	if err := s.process(ctx, &c, &out); err != nil {
		return fmt.Errorf("compiling %s at seq %d: %w", events.Key(c.Bot, events.DisplayPath(c.Path)), c.Seq, err)
	}
	out.Millis = time.Since(start).Milliseconds()
	if c.Kind == events.KindKB && out.Status == events.StatusSkipped {
		return nil // the indexer's outcome is the one that counts (kb.go)
	}
	if err := bus.PublishOutcome(ctx, s.js, &out); err != nil {
		return err
	}
	s.log.Debug("compiled", append(c.LogAttrs(), "status", out.Status, "diagnostics", len(out.Diagnostics), "ms", out.Millis)...)
	return nil
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
		GiveUp:     s.giveUp,
	}, EnvConsumer)
}

// giveUp publishes the failed outcome of a message the worker parks (it
// failed MaxDeliver times, or permanently). An undecodable message still
// gets one when its subject names a bot.
func (s *Service) giveUp(ctx context.Context, msg jetstream.Msg, cause error) error {
	c, err := events.DecodeData(msg.Data())
	if err != nil {
		bot, kind, _, serr := events.ParseChangeSubject(msg.Subject())
		if serr != nil || events.ValidBot(bot) != nil {
			return fmt.Errorf("no outcome for undecodable message on %s: %w", msg.Subject(), errors.Join(err, serr))
		}
		c = events.Change{Bot: bot, Kind: kind}
	}
	if md, err := msg.Metadata(); err == nil {
		c.Seq = md.Sequence.Stream
	}
	out := events.OutcomeFor(Name, &c)
	out.Attempt = attempt(msg)
	out.Status = events.StatusFailed
	out.Error = cause.Error()
	return bus.PublishOutcome(ctx, s.js, &out)
}

func attempt(msg jetstream.Msg) int {
	if md, err := msg.Metadata(); err == nil {
		return int(md.NumDelivered)
	}
	return 1
}
