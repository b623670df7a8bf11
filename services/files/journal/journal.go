// Package journal answers "what changed in bot B since cursor N": the latest
// state of each path changed after N, once, read from the DRIVE stream
// whose sequences are the cursors (a sync journal whose id only grows).
//
// When a cursor is older than what the stream retains (its first sequence,
// after a purge or age limit) or newer than its last (the stream was
// recreated), the answer is a reset: the full current listing of the bot,
// from the last message of every file subject, with a fresh cursor — the
// client drops what it has and resyncs (watchman's "fresh instance"). The
// per-file history limit of DRIVE never loses the latest change of a file,
// so it alone never forces a reset.
package journal

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// Entry is the latest state of one path.
type Entry struct {
	Path string `json:"path"`
	// PathB64 holds the exact bytes of a path that is not UTF-8 (Path then
	// shows it with U+FFFD), as in change events.
	PathB64 string    `json:"path_b64,omitempty"`
	Op      events.Op `json:"op"`
	ETag    string    `json:"etag,omitempty"`
	Size    int64     `json:"size"`
	MTime   int64     `json:"mtime"`
	Seq     uint64    `json:"seq"`
}

// Page is one answer.
type Page struct {
	Cursor  uint64  `json:"cursor"`
	Changes []Entry `json:"changes"`
	Reset   bool    `json:"reset"`
}

// Limits on a page.
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
)

// ErrBadRequest is wrapped by errors about the caller's arguments.
var ErrBadRequest = errors.New("bad journal request")

// Streams is the part of jetstream.JetStream the journal needs.
type Streams interface {
	Stream(ctx context.Context, name string) (jetstream.Stream, error)
	OrderedConsumer(ctx context.Context, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error)
}

// Journal reads the DRIVE stream.
type Journal struct {
	js Streams
}

// New returns a journal over js.
func New(js Streams) *Journal { return &Journal{js: js} }

// Changes returns up to limit paths of bot changed after cursor since, each
// with its latest state, and the cursor to ask from next. A page with fewer
// than limit entries is the end for now.
func (j *Journal) Changes(ctx context.Context, bot string, since uint64, limit int) (Page, error) {
	if err := events.ValidBot(bot); err != nil {
		return Page{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if limit <= 0 || limit > MaxLimit {
		return Page{}, fmt.Errorf("%w: limit %d, want 1..%d", ErrBadRequest, limit, MaxLimit)
	}
	s, err := j.js.Stream(ctx, events.StreamDrive)
	if err != nil {
		return Page{}, fmt.Errorf("journal: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return Page{}, fmt.Errorf("journal: %w", err)
	}
	first, last := info.State.FirstSeq, info.State.LastSeq
	if since > last || (first > 1 && since+1 < first) {
		return j.reset(ctx, bot, last)
	}
	if since == last {
		return Page{Cursor: since, Changes: []Entry{}}, nil
	}
	cons, err := j.js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.FilterBot(bot)},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    since + 1,
	})
	if err != nil {
		return Page{}, fmt.Errorf("journal: %w", err)
	}
	c := newCompactor(limit)
	cursor := since
	for !c.full() {
		batch, err := cons.FetchNoWait(256)
		if err != nil {
			return Page{}, fmt.Errorf("journal: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			ch, err := bus.Decode(m)
			if err != nil { // unreadable: skip it, but move past it
				if md, merr := m.Metadata(); merr == nil {
					cursor = md.Sequence.Stream
				}
				continue
			}
			if !c.add(ch) {
				break
			}
			cursor = ch.Seq
		}
		if err := batch.Error(); err != nil {
			return Page{}, fmt.Errorf("journal: %w", err)
		}
		if n == 0 {
			// Drained: nothing of this bot up to the last sequence we saw.
			cursor = max(cursor, last)
			break
		}
	}
	return Page{Cursor: cursor, Changes: c.entries()}, nil
}

// reset lists the current state of bot: the last change of every file,
// without deleted ones.
func (j *Journal) reset(ctx context.Context, bot string, last uint64) (Page, error) {
	cons, err := j.js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.FilterBot(bot)},
		DeliverPolicy:  jetstream.DeliverLastPerSubjectPolicy,
	})
	if err != nil {
		return Page{}, fmt.Errorf("journal reset: %w", err)
	}
	c := newCompactor(0)
	cursor := last
	for {
		batch, err := cons.FetchNoWait(256)
		if err != nil {
			return Page{}, fmt.Errorf("journal reset: %w", err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if ch, err := bus.Decode(m); err == nil {
				c.add(ch)
				cursor = max(cursor, ch.Seq)
			}
		}
		if n == 0 {
			break
		}
	}
	page := Page{Cursor: cursor, Reset: true, Changes: []Entry{}}
	for _, e := range c.entries() {
		if e.Op != events.OpDeleted {
			page.Changes = append(page.Changes, e)
		}
	}
	return page, nil
}

// compactor keeps the latest entry per path, in order of first appearance.
type compactor struct {
	limit int // 0: none
	order []string
	byKey map[string]*Entry
}

func newCompactor(limit int) *compactor {
	return &compactor{limit: limit, byKey: map[string]*Entry{}}
}

func (c *compactor) full() bool { return c.limit > 0 && len(c.order) >= c.limit }

// add folds a change in; false when it would need a new entry past the
// limit (the caller stops before it). A move is the deletion of its old
// path and the appearance of its new one.
func (c *compactor) add(ch events.Change) bool {
	switch ch.Op {
	case events.OpCreated, events.OpUpdated, events.OpDeleted, events.OpMoved:
	default:
		return true // target_lost/found: the per-file deletes carry it
	}
	need := 0
	for _, p := range []string{ch.Path, ch.From} {
		if _, ok := c.byKey[p]; p != "" && !ok {
			need++
		}
	}
	if c.limit > 0 && len(c.order)+need > c.limit {
		return false
	}
	if ch.Op == events.OpMoved {
		c.set(Entry{Path: ch.From, Op: events.OpDeleted, Seq: ch.Seq, MTime: ch.MTime})
	}
	c.set(Entry{Path: ch.Path, Op: ch.Op, ETag: ch.ETag, Size: ch.Size, MTime: ch.MTime, Seq: ch.Seq})
	return true
}

func (c *compactor) set(e Entry) {
	if old, ok := c.byKey[e.Path]; ok {
		// created then updated since the cursor is still "created" for the
		// client; created then deleted is "deleted" (it may have seen it).
		if old.Op == events.OpCreated && e.Op == events.OpUpdated {
			e.Op = events.OpCreated
		}
		*old = e
		return
	}
	c.order = append(c.order, e.Path)
	c.byKey[e.Path] = &e
}

func (c *compactor) entries() []Entry {
	out := make([]Entry, 0, len(c.order))
	for _, p := range c.order {
		e := *c.byKey[p]
		e.Path, e.PathB64 = events.PathToJSON(e.Path)
		out = append(out, e)
	}
	return out
}
