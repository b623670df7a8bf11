package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// Handler processes one message. A nil error acknowledges it. An error
// wrapped with Permanent parks it at once; any other error retries it.
type Handler func(ctx context.Context, msg jetstream.Msg) error

// ErrPermanent marks an error retrying cannot fix (a malformed message).
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err so the worker parks the message instead of retrying.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// Headers set on a dead letter.
const (
	HeaderError      = "Drivemon-Error"
	HeaderSubject    = "Drivemon-Subject"
	HeaderStreamSeq  = "Drivemon-Stream-Seq"
	HeaderDeliveries = "Drivemon-Deliveries"
	HeaderConsumer   = "Drivemon-Consumer"
)

// Config is a worker's setup.
type Config struct {
	// Name of the consumer, used in dead-letter subjects and logs.
	Name string
	// MaxDeliver must match the consumer's MaxDeliver: the try on which
	// the worker gives up (default bus.DefaultMaxDeliver).
	MaxDeliver int
	// AckWait must match the consumer's AckWait: in-progress signals are
	// sent at a third of it (default bus.DefaultAckWait).
	AckWait time.Duration
	// Timeout bounds one handler call (default 5 minutes).
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the delay before a retry, doubled
	// each try (defaults 1 s and 60 s).
	MinBackoff, MaxBackoff time.Duration
	// Prefetch is how many messages the worker pulls ahead (default 16).
	// Pulled messages wait in this worker, unseen by other replicas, until
	// it gets to them (or, if it dies, until the ack wait): a service with
	// slow handlers should pull 1.
	Prefetch int
	// Observe, if set, is told of every handled message: its subject, how
	// long the handler took and the result (ResultOK, ResultRetry or
	// ResultDead). Messages interrupted by shutdown are not reported. It
	// must not block (metrics).
	Observe func(subject string, took time.Duration, result string)
}

// Results given to Config.Observe.
const (
	// ResultOK: the handler succeeded; the message is acknowledged.
	ResultOK = "ok"
	// ResultRetry: the handler failed and the message will be redelivered.
	ResultRetry = "retry"
	// ResultDead: the worker gave up and parked the message on DEAD.
	ResultDead = "dead"
)

func (c Config) withDefaults() Config {
	if c.MaxDeliver == 0 {
		c.MaxDeliver = bus.DefaultMaxDeliver
	}
	if c.AckWait == 0 {
		c.AckWait = bus.DefaultAckWait
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Minute
	}
	if c.Prefetch <= 0 {
		c.Prefetch = 16
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = time.Second
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = time.Minute
	}
	return c
}

// Backoff is the delay before try n+1 after n failed tries.
func (c Config) Backoff(n int) time.Duration {
	c = c.withDefaults()
	d := c.MinBackoff
	for i := 1; i < n && d < c.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.MaxBackoff)
}

// Consumer is the part of jetstream.Consumer a worker needs.
type Consumer interface {
	Messages(opts ...jetstream.PullMessagesOpt) (jetstream.MessagesContext, error)
}

// Worker runs a Handler over a Consumer.
type Worker struct {
	cons    Consumer
	dead    bus.MsgPublisher
	handler Handler
	cfg     Config
	log     *slog.Logger
	// giveUp, if set, runs before a message is parked; firstFailure when
	// the first try failed and will be retried (NewChanges: the failed
	// outcome). Their errors are logged.
	giveUp, firstFailure func(ctx context.Context, msg jetstream.Msg, err error) error
}

// New returns a worker. dead receives dead letters.
func New(cons Consumer, dead bus.MsgPublisher, h Handler, cfg Config, log *slog.Logger) *Worker {
	return &Worker{cons: cons, dead: dead, handler: h, cfg: cfg.withDefaults(), log: log.With("consumer", cfg.Name)}
}

// Run processes messages until ctx ends. It returns nil on cancellation.
func (w *Worker) Run(ctx context.Context) error {
	it, err := w.cons.Messages(jetstream.PullMaxMessages(w.cfg.Prefetch))
	if err != nil {
		return fmt.Errorf("consumer %s: %w", w.cfg.Name, err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			w.log.Warn("fetching messages", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
			continue
		}
		w.process(ctx, msg)
	}
}

func (w *Worker) process(ctx context.Context, msg jetstream.Msg) {
	deliveries := 1
	var seq uint64
	if md, err := msg.Metadata(); err == nil {
		deliveries = int(md.NumDelivered)
		seq = md.Sequence.Stream
	}
	start := time.Now()
	hctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	done := make(chan struct{})
	go w.keepAlive(hctx, msg, done)
	err := w.handle(hctx, msg)
	close(done)
	cancel()
	took := time.Since(start)
	log := w.log.With("subject", msg.Subject(), "seq", seq, "try", deliveries)
	if bot, kind, _, err := events.ParseChangeSubject(msg.Subject()); err == nil {
		log = log.With("bot", bot, "kind", kind)
	}
	result := ResultRetry
	switch {
	case err == nil:
		result = ResultOK
		if aerr := msg.Ack(); aerr != nil {
			log.Warn("ack failed; the message will be redelivered", "err", aerr)
		}
	case ctx.Err() != nil:
		// Shutting down: let another replica (or the next start) have it.
		_ = msg.Nak()
		return
	case errors.Is(err, ErrPermanent) || deliveries >= w.cfg.MaxDeliver:
		log.Error("giving up on message", "err", err)
		if w.park(ctx, msg, err, deliveries, seq) {
			result = ResultDead
		}
	default:
		delay := w.cfg.Backoff(deliveries)
		log.Warn("processing failed; will retry", "err", err, "retry_in", delay)
		if deliveries == 1 && w.firstFailure != nil {
			if ferr := w.firstFailure(ctx, msg, err); ferr != nil {
				log.Warn("first-failure hook failed", "err", ferr)
			}
		}
		_ = msg.NakWithDelay(delay)
	}
	if w.cfg.Observe != nil {
		w.cfg.Observe(msg.Subject(), took, result)
	}
}

// handle calls the handler, turning a panic into a permanent error so one
// poisonous message cannot take the service down.
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("handler panic: %v", r))
		}
	}()
	return w.handler(ctx, msg)
}

func (w *Worker) keepAlive(ctx context.Context, msg jetstream.Msg, done <-chan struct{}) {
	t := time.NewTicker(w.cfg.AckWait / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			_ = msg.InProgress()
		}
	}
}

// park moves msg to the DEAD stream; false when it could not and the
// message stays on the consumer.
func (w *Worker) park(ctx context.Context, msg jetstream.Msg, cause error, deliveries int, seq uint64) bool {
	if w.giveUp != nil {
		if err := w.giveUp(ctx, msg, cause); err != nil {
			w.log.Warn("give-up hook failed", "subject", msg.Subject(), "err", err)
		}
	}
	dl := nats.NewMsg(events.DeadSubject(w.cfg.Name, msg.Subject()))
	dl.Data = msg.Data()
	for k, v := range msg.Headers() {
		// Nats-* headers are instructions to the server about the original
		// publish (its id, expected stream or sequence…): applied to the
		// dead letter they would refuse or swallow it.
		if !strings.HasPrefix(strings.ToLower(k), "nats-") {
			dl.Header[k] = v
		}
	}
	dl.Header.Set(HeaderError, cause.Error())
	dl.Header.Set(HeaderSubject, msg.Subject())
	dl.Header.Set(HeaderStreamSeq, strconv.FormatUint(seq, 10))
	dl.Header.Set(HeaderDeliveries, strconv.Itoa(deliveries))
	dl.Header.Set(HeaderConsumer, w.cfg.Name)
	dl.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("%s.%d", w.cfg.Name, seq))
	if _, err := w.dead.PublishMsg(ctx, dl); err != nil {
		if deliveries < w.cfg.MaxDeliver {
			// Not parked: keep it on the consumer rather than lose it.
			w.log.Error("parking failed; message stays on the consumer", "subject", msg.Subject(), "err", err)
			_ = msg.NakWithDelay(w.cfg.MaxBackoff)
			return false
		}
		// The server delivers it no more: a nak would drop it. Hold it
		// (in progress) and park it once the DEAD stream takes writes
		// again (a full disk, say), while this worker goes on.
		w.log.Error("parking failed on the last delivery; holding the message and trying again", "subject", msg.Subject(), "err", err)
		go w.parkLater(ctx, msg, dl)
		return false
	}
	if err := msg.Term(); err != nil {
		w.log.Warn("term failed after parking", "subject", msg.Subject(), "err", err)
	}
	return true
}

// parkLater retries parking dl, keeping msg in progress meanwhile, until
// it is parked or ctx ends (then the message is lost to this consumer and
// the log says so).
func (w *Worker) parkLater(ctx context.Context, msg jetstream.Msg, dl *nats.Msg) {
	delay := w.cfg.MinBackoff
	for {
		_ = msg.InProgress()
		select {
		case <-ctx.Done():
			w.log.Error("shutting down with a message not parked; it is not delivered again", "subject", msg.Subject())
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, w.cfg.MaxBackoff, w.cfg.AckWait/3)
		if _, err := w.dead.PublishMsg(ctx, dl); err != nil {
			continue
		}
		if err := msg.Term(); err != nil {
			w.log.Warn("term failed after parking", "subject", msg.Subject(), "err", err)
		}
		w.log.Info("parked after retrying", "subject", msg.Subject())
		return
	}
}
