package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// ConsumerOpener is the part of jetstream.JetStream Open needs.
type ConsumerOpener interface {
	CreateOrUpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error)
	Consumer(ctx context.Context, stream, name string) (jetstream.Consumer, error)
}

// Open returns the durable consumer on DRIVE that cfg.Name names, and cfg
// with the delivery settings of that consumer. When the name is the
// service's standard consumer (standard.Durable) it is created or updated
// as standard defines it. Any other name must exist already, as a pull
// consumer with explicit acks (an operator's replay, see docs/REPLAY.md),
// and is used as it is: a typo never silently creates a work queue with
// another filter. setting names the variable that chose the name, for the
// errors.
func Open(ctx context.Context, js ConsumerOpener, standard jetstream.ConsumerConfig, cfg Config, setting string) (jetstream.Consumer, Config, error) {
	if cfg.Name == "" || cfg.Name == standard.Durable {
		cfg.Name = standard.Durable
		cfg.MaxDeliver, cfg.AckWait = standard.MaxDeliver, standard.AckWait
		// Written only when it differs: an unchanged definition is not
		// rewritten, so a service starts even on a full disk.
		if cons, err := js.Consumer(ctx, events.StreamDrive, standard.Durable); err == nil && sameConsumer(cons.CachedInfo().Config, standard) {
			return cons, cfg, nil
		}
		cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, standard)
		if err != nil {
			return nil, cfg, fmt.Errorf("creating consumer %s: %w", standard.Durable, err)
		}
		return cons, cfg, nil
	}
	cons, err := js.Consumer(ctx, events.StreamDrive, cfg.Name)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		var filters []string
		for _, f := range standard.FilterSubjects {
			filters = append(filters, "--filter '"+strings.Replace(f, "*", "<bot>", 1)+"'")
		}
		return nil, cfg, fmt.Errorf("consumer %q (%s) does not exist on stream %s; create it first, e.g. nats consumer add %s %s %s "+
			"--deliver all --ack explicit --pull --max-deliver %d --defaults: %w",
			cfg.Name, setting, events.StreamDrive, events.StreamDrive, cfg.Name, strings.Join(filters, " "), bus.DefaultMaxDeliver, err)
	case errors.Is(err, jetstream.ErrNotPullConsumer):
		return nil, cfg, fmt.Errorf("consumer %q (%s) must be a pull consumer (--pull): %w", cfg.Name, setting, err)
	case err != nil:
		return nil, cfg, fmt.Errorf("looking up consumer %s: %w", cfg.Name, err)
	}
	cc := cons.CachedInfo().Config
	if cc.AckPolicy != jetstream.AckExplicitPolicy {
		return nil, cfg, fmt.Errorf("consumer %q (%s) must have explicit acks (--ack explicit), not %s", cfg.Name, setting, cc.AckPolicy)
	}
	// The worker gives up where the consumer does; an unlimited MaxDeliver
	// (the nats CLI default) still ends on the DEAD stream after the
	// default number of tries: nothing is retried forever.
	cfg.MaxDeliver, cfg.AckWait = cc.MaxDeliver, cc.AckWait
	if cfg.MaxDeliver <= 0 {
		cfg.MaxDeliver = bus.DefaultMaxDeliver
	}
	return cons, cfg, nil
}

// sameConsumer reports whether a consumer's settings are those want defines.
func sameConsumer(got, want jetstream.ConsumerConfig) bool {
	return got.Description == want.Description && slices.Equal(filters(got), filters(want)) &&
		got.DeliverPolicy == want.DeliverPolicy && got.AckPolicy == want.AckPolicy &&
		got.AckWait == want.AckWait && got.MaxDeliver == want.MaxDeliver && got.MaxAckPending == want.MaxAckPending
}

// filters are a consumer's filter subjects, one or many (the server may
// store a single one either way).
func filters(c jetstream.ConsumerConfig) []string {
	if c.FilterSubject != "" {
		return append([]string{c.FilterSubject}, c.FilterSubjects...)
	}
	return c.FilterSubjects
}
