package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
)

// MsgPublisher is the part of jetstream.JetStream publishing needs.
type MsgPublisher interface {
	PublishMsg(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error)
}

// ChangeMsg validates c, sets its ID and returns the message to publish, with
// the id as Nats-Msg-Id. Use it with PublishMsgAsync for pipelined
// publishing; Publish for one synchronous publish.
func ChangeMsg(c *events.Change) (*nats.Msg, error) {
	if c.V == 0 {
		c.V = events.Version
	}
	c.Seq = 0 // assigned by the stream
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.SetID()
	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encoding change %s: %w", events.Key(c.Bot, events.DisplayPath(c.Path)), err)
	}
	msg := nats.NewMsg(events.ChangeSubject(c))
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, c.ID)
	return msg, nil
}

// Publish publishes one change and waits for the stream's acknowledgement.
// ack.Duplicate is true when the stream already had this change.
func Publish(ctx context.Context, js MsgPublisher, c *events.Change) (*jetstream.PubAck, error) {
	msg, err := ChangeMsg(c)
	if err != nil {
		return nil, err
	}
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		return nil, fmt.Errorf("publishing %s %s: %w", c.Op, events.Key(c.Bot, events.DisplayPath(c.Path)), err)
	}
	return ack, nil
}

// PublishOutcome stamps and publishes an outcome.
func PublishOutcome(ctx context.Context, js MsgPublisher, o *events.Outcome) error {
	if o.V == 0 {
		o.V = events.Version
	}
	if o.At == 0 {
		o.At = time.Now().UnixMilli()
	}
	if err := o.Validate(); err != nil {
		return err
	}
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encoding outcome: %w", err)
	}
	msg := nats.NewMsg(events.OutcomeSubject(o.Service, o.Bot))
	msg.Data = data
	if o.ChangeID != "" {
		// One outcome per service, change and attempt.
		msg.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s.%s.%d.%s", o.Service, o.ChangeID, o.Attempt, o.Status))
	}
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("publishing outcome of %s for %s: %w", o.Service, events.Key(o.Bot, events.DisplayPath(o.Path)), err)
	}
	return nil
}

// Decode reads a change from a DRIVE message, checks it and sets Seq from
// the message metadata.
func Decode(msg jetstream.Msg) (events.Change, error) {
	c, err := events.DecodeData(msg.Data())
	if err != nil {
		return c, fmt.Errorf("message on %s: %w", msg.Subject(), err)
	}
	if md, err := msg.Metadata(); err == nil {
		c.Seq = md.Sequence.Stream
	}
	return c, nil
}
