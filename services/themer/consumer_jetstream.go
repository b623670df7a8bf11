package themer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// replicaFilters are the subjects every replica follows: theme changes.
// Settings come from the settings bucket (settings.go), not from config
// changes.
func replicaFilters() []string {
	return []string{events.FilterKind(events.KindTheme)}
}

// consume follows DRIVE from its first message with an ordered consumer of
// its own (every replica sees every change) and applies each change in
// stream order. It marks the service ready once it has caught up with what
// the stream held when it started.
func (s *Service) consume(ctx context.Context) error {
	cons, err := s.js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{
		FilterSubjects: replicaFilters(),
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("creating the theme consumer on %s: %w", events.StreamDrive, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("consuming %s: %w", events.StreamDrive, err)
	}
	defer it.Stop()
	if info := cons.CachedInfo(); info != nil && info.NumPending == 0 {
		s.markReady()
	}
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return fmt.Errorf("consuming %s: %w", events.StreamDrive, err)
			}
			// The ordered consumer recreates itself after gaps, missed
			// heartbeats and reconnects; wait a little before asking again.
			s.log.Warn("theme consumer", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		pending := s.handle(msg)
		if pending == 0 {
			s.markReady()
		}
	}
}

// handle applies one DRIVE message and returns how many messages the
// consumer still had pending after it.
func (s *Service) handle(msg jetstream.Msg) uint64 {
	var seq, pending uint64
	if md, err := msg.Metadata(); err == nil {
		seq, pending = md.Sequence.Stream, md.NumPending
	}
	c, err := bus.Decode(msg)
	if err != nil {
		s.log.Warn("skipping a bad change", "seq", seq, "err", err)
		s.hub.advance(seq)
		return pending
	}
	switch c.Kind {
	case events.KindTheme:
		_, err = s.hub.update(c.Bot, seq, func(t *Theme) []streamEvent {
			t.applyTheme(&c)
			if ev, ok := themeEvent(&c); ok {
				return []streamEvent{ev}
			}
			return nil
		})
	default:
		s.hub.advance(seq)
	}
	if err != nil {
		s.log.Warn("applying a change", "bot", c.Bot, "path", events.DisplayPath(c.Path), "seq", seq, "err", err)
	}
	return pending
}
