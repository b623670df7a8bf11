package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
)

// backlog is the work the services' durable consumers had not finished
// when drivemon dev started: after a kill -9, changes published before it
// whose processing was cut are redelivered once their ack wait (30 s) is
// over, and changes never delivered wait their turn. Those are no change
// of this run's scan, so the progress does not count them; the ready line
// waits until each consumer has acknowledged (or parked) everything up to
// the last change of its filter that was in the stream at start.
type backlog struct {
	js   backlogStreams
	upTo map[string]uint64 // consumer → stream sequence it must acknowledge up to
}

// backlogStreams is the part of JetStream the backlog needs.
type backlogStreams interface {
	Stream(ctx context.Context, name string) (jetstream.Stream, error)
	Consumer(ctx context.Context, stream, name string) (jetstream.Consumer, error)
}

// newBacklog looks at consumers as they are now (before the services
// start): each with work outstanding gets the last sequence of its filter
// to wait for.
func newBacklog(ctx context.Context, js backlogStreams, consumers ...string) (*backlog, error) {
	b := &backlog{js: js, upTo: map[string]uint64{}}
	stream, err := js.Stream(ctx, events.StreamDrive)
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	for _, name := range consumers {
		cons, err := js.Consumer(ctx, events.StreamDrive, name)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue // first start: nothing from before
		}
		if err != nil {
			return nil, fmt.Errorf("backlog of %s: %w", name, err)
		}
		info := cons.CachedInfo()
		if info.NumPending == 0 && info.NumAckPending == 0 {
			continue
		}
		filters := info.Config.FilterSubjects
		if info.Config.FilterSubject != "" {
			filters = append(filters, info.Config.FilterSubject)
		}
		var last uint64
		for _, f := range filters {
			m, err := stream.GetLastMsgForSubject(ctx, f)
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("backlog of %s: last change on %s: %w", name, f, err)
			}
			last = max(last, m.Sequence)
		}
		if last > info.AckFloor.Stream {
			b.upTo[name] = last
		}
	}
	return b, nil
}

// drained reports whether every consumer has acknowledged its backlog.
func (b *backlog) drained(ctx context.Context) (bool, error) {
	for name, upTo := range b.upTo {
		cons, err := b.js.Consumer(ctx, events.StreamDrive, name)
		if err != nil {
			return false, fmt.Errorf("backlog of %s: %w", name, err)
		}
		if cons.CachedInfo().AckFloor.Stream >= upTo {
			delete(b.upTo, name)
		}
	}
	return len(b.upTo) == 0, nil
}

// watch polls every interval until the backlog is drained, then calls
// done; it returns when ctx ends.
func (b *backlog) watch(ctx context.Context, every time.Duration, done func()) {
	for {
		ok, err := b.drained(ctx)
		if ok {
			done()
			return
		}
		_ = err // NATS away for a moment: asked again
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// backlogDrained lets the ready line out once the backlog is done.
func (p *progress) backlogDrained() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.backlogLeft = false
	p.finishIfDone()
}
