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

// ErrReplayTooLong: a resume would replay more than Config.ReplayLimit
// changes; the client gets a snapshot instead.
var ErrReplayTooLong = errors.New("replay longer than the limit")

// replayInactive is how long the server keeps a replay consumer nobody
// pulls from (after the replay ended or its client left).
const replayInactive = 10 * time.Second

// replay reads bot's theme changes with stream sequences in (after, upto]
// from DRIVE with an ordered consumer starting at after+1, and returns
// their events.
func (s *Service) replay(ctx context.Context, bot string, after, upto uint64) ([]frame, error) {
	if after >= upto {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ReplayTimeout)
	defer cancel()
	cons, err := s.js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{events.FilterBotKind(bot, events.KindTheme)},
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       after + 1,
		InactiveThreshold: replayInactive,
	})
	if err != nil {
		return nil, fmt.Errorf("replaying %s after %d: %w", bot, after, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(min(s.cfg.ReplayLimit+1, 256)))
	if err != nil {
		return nil, fmt.Errorf("replaying %s after %d: %w", bot, after, err)
	}
	defer it.Stop()
	if info := cons.CachedInfo(); info != nil && info.NumPending == 0 {
		return nil, nil
	}
	var frames []frame
	for n := 0; ; n++ {
		if n >= s.cfg.ReplayLimit {
			return nil, fmt.Errorf("%w: %s after %d: more than %d changes", ErrReplayTooLong, bot, after, s.cfg.ReplayLimit)
		}
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("replaying %s after %d: %w", bot, after, err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return nil, fmt.Errorf("replaying %s after %d: %w", bot, after, err)
		}
		seq := md.Sequence.Stream
		if seq > upto {
			break // the live feed has it
		}
		c, err := bus.Decode(msg)
		switch {
		case err != nil:
			s.log.Warn("replay: skipping a bad change", "seq", seq, "err", err)
		case c.Kind == events.KindTheme:
			if ev, ok := themeEvent(&c); ok {
				f, err := encodeFrame(seq, ev.name, ev.data)
				if err != nil {
					return nil, err
				}
				frames = append(frames, f)
			}
		}
		if seq == upto || md.NumPending == 0 {
			break
		}
	}
	return frames, nil
}
