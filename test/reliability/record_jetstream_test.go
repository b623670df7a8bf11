package reliability

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events/worker"
)

// recorder keeps every message of a stream matching a filter, decoded,
// from the first on; it follows the stream across NATS restarts (starting
// again after the last sequence it has).
type recorder[T any] struct {
	mu    sync.Mutex
	items []T
	last  uint64
	bad   int
}

// record follows stream on the rig's observer connection until the end of
// the test.
func record[T any](r *rig, stream, filter string, decode func(jetstream.Msg) (T, error)) *recorder[T] {
	rec := &recorder[T]{}
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	r.t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			rec.follow(ctx, r.js, stream, filter, decode)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return rec
}

// follow reads until the iterator closes or ctx ends.
func (rec *recorder[T]) follow(ctx context.Context, js jetstream.JetStream, stream, filter string, decode func(jetstream.Msg) (T, error)) {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy}
	rec.mu.Lock()
	if rec.last > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, rec.last+1
	}
	rec.mu.Unlock()
	cons, err := js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return
	}
	it, err := cons.Messages()
	if err != nil {
		return
	}
	defer it.Stop()
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return
			}
			continue
		}
		md, err := msg.Metadata()
		if err != nil {
			continue
		}
		v, err := decode(msg)
		rec.mu.Lock()
		if md.Sequence.Stream > rec.last {
			rec.last = md.Sequence.Stream
			if err != nil {
				rec.bad++
			} else {
				rec.items = append(rec.items, v)
			}
		}
		rec.mu.Unlock()
	}
}

// all returns a copy of what was recorded so far.
func (rec *recorder[T]) all() []T {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]T(nil), rec.items...)
}

// since returns what was recorded after the first n items.
func (rec *recorder[T]) since(n int) []T {
	all := rec.all()
	if n > len(all) {
		return nil
	}
	return all[n:]
}

func (rec *recorder[T]) len() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.items)
}

// deadLetter is a message a worker parked on the DEAD stream.
type deadLetter struct {
	Subject    string // where it was parked
	Original   string // the subject it came from
	Consumer   string
	Error      string
	Deliveries int
}

func decodeDead(m jetstream.Msg) (deadLetter, error) {
	h := m.Headers()
	n, _ := strconv.Atoi(h.Get(worker.HeaderDeliveries))
	return deadLetter{Subject: m.Subject(), Original: h.Get(worker.HeaderSubject), Consumer: h.Get(worker.HeaderConsumer),
		Error: h.Get(worker.HeaderError), Deliveries: n}, nil
}
