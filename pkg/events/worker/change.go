package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// ChangeHandler acts on one change and says what came of it. A nil error
// acknowledges the change and publishes the outcome; an error retries it
// (Permanent: parks it at once). An outcome with no Service publishes
// nothing: the change was not this service's to report on.
type ChangeHandler func(ctx context.Context, c events.Change) (events.Outcome, error)

// OutcomePublisher publishes one outcome.
type OutcomePublisher func(ctx context.Context, o *events.Outcome) error

// Changes is a service's change handling: the worker decodes each message,
// calls Handle and publishes an outcome on the change's final verdict and,
// when the first try fails and will be retried, on that first failure (so
// a person sees it at once); the tries in between publish nothing. On
// success the outcome is Handle's; on a failure, Handle's outcome marked
// failed with the error (or with its own Error, when Handle said it
// failed), published before the message is retried or parked. A message
// that does not decode is parked with a failed outcome when its subject
// names a bot. The worker stamps each outcome's Attempt and Millis.
type Changes struct {
	// Service names the outcomes of a message that never reached Handle.
	Service string
	Handle  ChangeHandler
	// Publish sends an outcome (nil: bus.PublishOutcome on the worker's
	// publisher). An error on success retries the change.
	Publish OutcomePublisher
}

// NewChanges returns a worker running ch over cons; js publishes outcomes
// (unless ch.Publish is set) and receives dead letters.
func NewChanges(cons Consumer, js bus.MsgPublisher, ch Changes, cfg Config, log *slog.Logger) *Worker {
	if ch.Publish == nil {
		ch.Publish = func(ctx context.Context, o *events.Outcome) error { return bus.PublishOutcome(ctx, js, o) }
	}
	w := New(cons, js, ch.handle, cfg, log)
	w.giveUp = ch.failed
	w.firstFailure = func(ctx context.Context, msg jetstream.Msg, cause error) error {
		if errors.Is(cause, errNotPublished) {
			return nil // the work was done; its retry publishes the outcome
		}
		return ch.failed(ctx, msg, cause)
	}
	return w
}

// errNotPublished: Handle succeeded but its outcome was not published.
var errNotPublished = errors.New("publishing the outcome")

// failure carries the outcome Handle returned with its error to the
// worker's failure hooks.
type failure struct {
	outcome events.Outcome
	err     error
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func (ch Changes) handle(ctx context.Context, msg jetstream.Msg) error {
	start := time.Now()
	c, err := bus.Decode(msg)
	if err != nil {
		return Permanent(err)
	}
	o, err := ch.Handle(ctx, c)
	stamp(&o, msg, start)
	if err != nil {
		return &failure{outcome: o, err: err}
	}
	if o.Service == "" {
		return nil
	}
	if err := ch.Publish(ctx, &o); err != nil {
		return fmt.Errorf("%w: change %s: %w", errNotPublished, c.ID, err)
	}
	return nil
}

// failed publishes the failed outcome of a message about to be retried
// or parked.
func (ch Changes) failed(ctx context.Context, msg jetstream.Msg, cause error) error {
	var f *failure
	o := events.Outcome{}
	if errors.As(cause, &f) {
		o = f.outcome
	}
	if o.Service == "" {
		var err error
		if o, err = ch.outcomeOf(msg); err != nil {
			return err
		}
		stamp(&o, msg, time.Time{})
	}
	if o.Status != events.StatusFailed || o.Error == "" {
		o.Error = cause.Error()
	}
	o.Status = events.StatusFailed
	return ch.Publish(ctx, &o)
}

// outcomeOf starts the outcome of a message Handle did not describe: from
// the change it carries, or, when it does not decode, from its subject.
func (ch Changes) outcomeOf(msg jetstream.Msg) (events.Outcome, error) {
	c, err := bus.Decode(msg)
	if err != nil {
		bot, kind, _, serr := events.ParseChangeSubject(msg.Subject())
		if serr != nil || events.ValidBot(bot) != nil {
			return events.Outcome{}, fmt.Errorf("no outcome for undecodable message on %s: %w", msg.Subject(), errors.Join(err, serr))
		}
		c = events.Change{Bot: bot, Kind: kind}
		if md, err := msg.Metadata(); err == nil {
			c.Seq = md.Sequence.Stream
		}
	}
	return events.OutcomeFor(ch.Service, &c), nil
}

// stamp sets the attempt that produced o and, when start is set, how long
// it took.
func stamp(o *events.Outcome, msg jetstream.Msg, start time.Time) {
	o.Attempt = 1
	if md, err := msg.Metadata(); err == nil {
		o.Attempt = int(md.NumDelivered)
	}
	if !start.IsZero() {
		o.Millis = time.Since(start).Milliseconds()
	}
}
