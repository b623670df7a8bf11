package deadletter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// Sentinel errors.
var (
	// ErrNotFound: DEAD holds no message at that sequence (never parked,
	// already re-run, or aged out).
	ErrNotFound = errors.New("no dead letter at that sequence")
	// ErrNotDeadLetter: the message lacks the headers a worker sets, so
	// its original subject is unknown.
	ErrNotDeadLetter = errors.New("not a drivemon dead letter")
)

// Letter is one parked message.
type Letter struct {
	// Seq is its sequence in the DEAD stream: the handle Retry takes.
	Seq uint64 `json:"seq"`
	// Consumer is the durable consumer that gave up.
	Consumer string `json:"consumer"`
	// Subject is the original subject (drive.<bot>.<kind>.<token> for a
	// change) and StreamSeq the original's sequence in its stream.
	Subject   string `json:"subject"`
	StreamSeq uint64 `json:"stream_seq"`
	// Error is the last error, Deliveries the tries made.
	Error      string `json:"error"`
	Deliveries int    `json:"deliveries"`
	// Time is when it was parked.
	Time time.Time `json:"time"`
	// Bot, Path and Op describe the change, when the data is one.
	Bot  string    `json:"bot,omitempty"`
	Path string    `json:"path,omitempty"`
	Op   events.Op `json:"op,omitempty"`
	// Data is the original message body.
	Data []byte `json:"data"`
}

// Filter selects letters; the zero value selects all.
type Filter struct {
	// Consumer keeps the letters of one consumer.
	Consumer string
	// Subject keeps the letters whose original subject matches this
	// subject filter, wildcards allowed ("drive.harbor.>",
	// "drive.*.kb.>").
	Subject string
	// Limit caps how many are returned, oldest first (0: DefaultLimit).
	Limit int
}

// DefaultLimit is how many letters List returns at most by default.
const DefaultLimit = 1000

// subject is the DEAD subject filter f stands for.
func (f Filter) subject() (string, error) {
	consumer, subject := f.Consumer, f.Subject
	if consumer == "" {
		consumer = "*"
	} else if strings.ContainsAny(consumer, " \t\r\n.*>") {
		return "", fmt.Errorf("listing dead letters: consumer %q is not a consumer name", consumer)
	}
	if subject == "" {
		subject = ">"
	} else if strings.ContainsAny(subject, " \t\r\n") || strings.Contains(subject, "..") ||
		strings.HasPrefix(subject, ".") || strings.HasSuffix(subject, ".") {
		return "", fmt.Errorf("listing dead letters: %q is not a subject filter", subject)
	}
	return events.DeadSubject(consumer, subject), nil
}

// StreamGetter is the part of jetstream.JetStream List needs.
type StreamGetter interface {
	Stream(ctx context.Context, name string) (jetstream.Stream, error)
}

// JetStream is the part of jetstream.JetStream Retry needs.
type JetStream interface {
	StreamGetter
	bus.MsgPublisher
}

// List returns the letters on DEAD that f selects, oldest first.
func List(ctx context.Context, js StreamGetter, f Filter) ([]Letter, error) {
	subject, err := f.subject()
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	stream, err := js.Stream(ctx, events.StreamDead)
	if err != nil {
		return nil, fmt.Errorf("listing dead letters: stream %s: %w", events.StreamDead, err)
	}
	var out []Letter
	for seq := uint64(1); len(out) < limit; {
		raw, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("listing dead letters on %s from seq %d: %w", subject, seq, err)
		}
		out = append(out, letter(raw))
		seq = raw.Sequence + 1
	}
	return out, nil
}

// letter reads a DEAD message. Missing headers leave fields empty; the
// consumer and subject then come from the DEAD subject.
func letter(raw *jetstream.RawStreamMsg) Letter {
	h := raw.Header
	l := Letter{
		Seq: raw.Sequence, Consumer: h.Get(worker.HeaderConsumer), Subject: h.Get(worker.HeaderSubject),
		Error: h.Get(worker.HeaderError), Time: raw.Time, Data: raw.Data,
	}
	l.StreamSeq, _ = strconv.ParseUint(h.Get(worker.HeaderStreamSeq), 10, 64)
	l.Deliveries, _ = strconv.Atoi(h.Get(worker.HeaderDeliveries))
	if l.Consumer == "" || l.Subject == "" {
		if rest, ok := strings.CutPrefix(raw.Subject, events.DeadPrefix+"."); ok {
			consumer, subject, _ := strings.Cut(rest, ".")
			l.Consumer = cmpOr(l.Consumer, consumer)
			l.Subject = cmpOr(l.Subject, subject)
		}
	}
	if c, err := events.DecodeData(raw.Data); err == nil {
		l.Bot, l.Path, l.Op = c.Bot, c.Path, c.Op
	}
	return l
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Retry re-runs the letter at seq: it republishes the original data to
// the original subject with a new Nats-Msg-Id ("<change id>.retry.<seq>")
// and, only after the stream acknowledged it, deletes the letter from
// DEAD. If the delete fails the error says so; calling Retry again within
// the duplicate window stores nothing twice and finishes the delete.
func Retry(ctx context.Context, js JetStream, seq uint64) error {
	stream, err := js.Stream(ctx, events.StreamDead)
	if err != nil {
		return fmt.Errorf("re-running dead letter %d: stream %s: %w", seq, events.StreamDead, err)
	}
	raw, err := stream.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("re-running dead letter %d: %w", seq, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("re-running dead letter %d: %w", seq, err)
	}
	msg, err := rerun(raw)
	if err != nil {
		return fmt.Errorf("re-running dead letter %d: %w", seq, err)
	}
	// No Nats-Expected-Stream: the header would be stored with the
	// message, and a worker parking it again copies it to DEAD, which
	// then refuses it.
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("re-running dead letter %d: publishing to %s: %w", seq, msg.Subject, err)
	}
	if err := stream.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("dead letter %d was re-run on %s but is still on %s (retry to remove it): %w", seq, msg.Subject, events.StreamDead, err)
	}
	return nil
}

// rerun builds the message that re-runs a letter: the original subject
// and data, the original headers without the worker's and NATS's own, and
// a new message id.
func rerun(raw *jetstream.RawStreamMsg) (*nats.Msg, error) {
	subject := raw.Header.Get(worker.HeaderSubject)
	consumer := raw.Header.Get(worker.HeaderConsumer)
	if subject == "" || consumer == "" {
		return nil, fmt.Errorf("%s: %w (no %s or %s header)", raw.Subject, ErrNotDeadLetter, worker.HeaderSubject, worker.HeaderConsumer)
	}
	if strings.ContainsAny(subject, "*> \t\r\n") || strings.HasPrefix(subject, events.DeadPrefix+".") {
		return nil, fmt.Errorf("%s: original subject %q cannot be published to", raw.Subject, subject)
	}
	msg := nats.NewMsg(subject)
	msg.Data = raw.Data
	for k, v := range raw.Header {
		if !strings.HasPrefix(k, "Drivemon-") && !strings.HasPrefix(k, "Nats-") {
			msg.Header[k] = v
		}
	}
	id := raw.Header.Get(worker.HeaderStreamSeq)
	if c, err := events.DecodeData(raw.Data); err == nil && c.ID != "" {
		id = c.ID
	} else {
		id = consumer + "." + id
	}
	msg.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s.retry.%d", id, raw.Sequence))
	return msg, nil
}
