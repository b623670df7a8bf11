package detector

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// ServiceName names the detector in outcome subjects (outcome.detector.<bot>).
const ServiceName = "detector"

// observation is what a source saw at one path: the file exists with this
// description, or it does not exist (any more). Sources turn notifications,
// watch events and listings into observations; the engine decides whether
// they are changes.
type observation struct {
	Bot, Path string
	// From is set by the folder source when a rename's both ends were
	// seen within the settle window: Path is the new name.
	From   string
	Exists bool
	// Obj describes the file when Exists. An empty ETag (folder listings
	// and watch events) makes the engine compare size and mtime with the
	// state and hash the file only when they differ.
	Obj drive.Object
	By  events.Detection
	// Confirmed says Exists and Obj come from a look at the storage made
	// just now (an lstat after the settle window). Unconfirmed
	// observations (notifications, listings) are checked with a Stat in
	// their turn when they may differ from the state, so an old
	// notification or listing never undoes a newer change.
	Confirmed bool
}

// statFunc describes one file with its content ETag (drive.Dir.Stat,
// drive.S3.Stat). drive.ErrNotFound and drive.ErrNotFile mean "absent".
type statFunc func(ctx context.Context, bot, path string) (drive.Object, error)

// publisher is the part of jetstream.JetStream the engine publishes with.
type publisher interface {
	PublishMsgAsync(msg *nats.Msg, opts ...jetstream.PublishOpt) (jetstream.PubAckFuture, error)
	PublishMsg(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error)
}

// counters are the detector's progress figures (Status).
type counters struct {
	found, processed, published, unchanged, failed, rejected, retries atomic.Int64
	// duplicates counts raw notifications skipped as another copy of an
	// event already handled.
	duplicates atomic.Int64
}

// engine turns observations of one source into change events: it compares
// each with the durable state, publishes the change, waits for the stream's
// acknowledgement and only then advances the state with a compare-and-set.
// Observations are spread over shards by key, so one path is handled in
// order by one goroutine while different paths proceed in parallel; the
// number of shards bounds the publishes in flight.
type engine struct {
	src    events.Source
	state  *stateKV
	pub    publisher
	stat   statFunc
	log    *slog.Logger
	cnt    *counters
	timing retryTiming
	shards []chan job

	rejMu    sync.Mutex
	rejected map[string]bool

	// origins, when set, names drivemon's own writes (bus.MarkOrigin) so
	// their changes carry Change.Origin.
	origins bus.OriginStore
	// detected, when set, is told of every published change (metrics).
	detected func(c *events.Change)
}

type retryTiming struct {
	min, max, ack time.Duration
}

type job struct {
	obs  observation
	done func(error)
}

func newEngine(src events.Source, st *stateKV, pub publisher, stat statFunc, shards int, t retryTiming, cnt *counters, log *slog.Logger) *engine {
	e := &engine{src: src, state: st, pub: pub, stat: stat, log: log, cnt: cnt, timing: t, rejected: map[string]bool{}}
	e.shards = make([]chan job, shards)
	for i := range e.shards {
		e.shards[i] = make(chan job, 64)
	}
	return e
}

// run processes submitted observations until ctx ends.
func (e *engine) run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, ch := range e.shards {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					drain(ch, ctx.Err())
					return
				case j := <-ch:
					err := e.apply(ctx, j.obs)
					if err != nil && ctx.Err() == nil {
						e.log.Warn("change not published; the next reconciliation retries it",
							"bot", j.obs.Bot, "path", events.DisplayPath(j.obs.Path), "err", err)
					}
					e.cnt.processed.Add(1)
					if j.done != nil {
						j.done(err)
					}
				}
			}
		})
	}
	wg.Wait()
	return nil
}

// drain ends the jobs still queued in ch at shutdown: their waiters (a
// reconciliation's count) are told err instead of waiting forever.
func drain(ch chan job, err error) {
	for {
		select {
		case j := <-ch:
			if j.done != nil {
				j.done(err)
			}
		default:
			return
		}
	}
}

// submit queues o; done (if not nil) is called once it was handled. It
// blocks while the shard is full (backpressure on the source).
func (e *engine) submit(ctx context.Context, o observation, done func(error)) error {
	h := fnv.New32a()
	h.Write([]byte(o.Bot))
	h.Write([]byte{0})
	h.Write([]byte(o.Path))
	select {
	case e.shards[h.Sum32()%uint32(len(e.shards))] <- job{obs: o, done: done}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var _ Sink = (*engine)(nil)

// Observe counts o found and queues it (Sink).
func (e *engine) Observe(ctx context.Context, o observation) error {
	e.cnt.found.Add(1)
	return e.submit(ctx, o, nil)
}

// ObserveAndWait counts o found, queues it and waits until it was handled
// (Sink).
func (e *engine) ObserveAndWait(ctx context.Context, o observation) error {
	e.cnt.found.Add(1)
	res := make(chan error, 1)
	if err := e.submit(ctx, o, func(err error) { res <- err }); err != nil {
		return err
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Duplicate counts a notification skipped as another copy of an event
// already handled (Sink).
func (e *engine) Duplicate() { e.cnt.duplicates.Add(1) }

// decide compares an observation (with its ETag known, or absent) with the
// current entry. It returns the change to publish (nil: none) and the entry
// to store (nil: leave the state alone). A change in mtime or size alone
// with the same ETag is no change: the entry is refreshed silently.
func decide(o observation, cur *entry, now time.Time) (*events.Change, *entry) {
	if !o.Exists {
		if !cur.live() {
			return nil, nil
		}
		c := events.NewChange(o.Bot, events.OpDeleted, o.Path)
		c.ETag, c.MTime = cur.ETag, now.UnixMilli()
		return &c, &entry{Path: []byte(o.Path), Deleted: true}
	}
	next := &entry{Path: []byte(o.Path), ETag: o.Obj.ETag, Size: o.Obj.Size, MTime: o.Obj.MTime}
	if cur.live() && cur.ETag == o.Obj.ETag {
		if cur.Size == o.Obj.Size && cur.MTime == o.Obj.MTime {
			return nil, nil
		}
		return nil, next
	}
	op := events.OpCreated
	if cur.live() {
		op = events.OpUpdated
	}
	c := events.NewChange(o.Bot, op, o.Path)
	c.ETag, c.Size, c.MTime = o.Obj.ETag, o.Obj.Size, o.Obj.MTime
	return &c, next
}

// sameListing reports whether a listed object matches the state without
// reading it: by ETag when the listing has one, else by size and mtime.
func sameListing(k *entry, obj drive.Object) bool {
	if !k.live() {
		return false
	}
	if obj.ETag != "" {
		return k.ETag == obj.ETag
	}
	return k.Size == obj.Size && k.MTime == obj.MTime
}

// maxCAS bounds how often one observation re-reads the state after losing a
// compare-and-set to another detector.
const maxCAS = 8

// apply handles one observation: decide, publish, advance the state.
func (e *engine) apply(ctx context.Context, o observation) error {
	if o.From != "" {
		return e.applyMove(ctx, o)
	}
	key := e.state.fileKey(o.Bot, o.Path)
	for range maxCAS {
		cur, rev, err := e.getState(ctx, key)
		if err != nil {
			return err
		}
		o, err := e.complete(ctx, o, cur)
		if err != nil {
			return err
		}
		ch, next := decide(o, cur, time.Now())
		if next == nil {
			e.cnt.unchanged.Add(1)
			return nil
		}
		if ch != nil {
			ch.Base = rev
			if err := e.publish(ctx, ch, o.By); err != nil {
				return err
			}
		}
		err = e.putState(ctx, key, next, rev)
		if errors.Is(err, errConflict) {
			continue // another detector advanced it: decide again
		}
		return err
	}
	return fmt.Errorf("%s: state keeps changing underneath", events.Key(o.Bot, events.DisplayPath(o.Path)))
}

// complete fills in the ETag of an existing file by hashing it, unless size
// and mtime match the state (then the state's ETag is taken).
func (e *engine) complete(ctx context.Context, o observation, cur *entry) (observation, error) {
	if o.Confirmed && (!o.Exists || o.Obj.ETag != "") {
		return o, nil
	}
	// A listing's size and mtime equal to the state's: unchanged, without
	// hashing. (Watch events always hash: the kernel said it changed, and
	// mtimes are coarse.)
	if o.Exists && o.Obj.ETag == "" && o.By == events.DetectedByReconcile && cur.live() &&
		cur.Size == o.Obj.Size && cur.MTime == o.Obj.MTime && o.Obj.MTime != 0 {
		o.Obj.ETag = cur.ETag
		return o, nil
	}
	obj, err := e.stat(ctx, o.Bot, o.Path)
	switch {
	case errors.Is(err, drive.ErrNotFound) || errors.Is(err, drive.ErrNotFile):
		o.Exists = false
		return o, nil
	case err != nil:
		e.fail(ctx, o.Bot, o.Path, fmt.Errorf("reading %s: %w", events.Key(o.Bot, events.DisplayPath(o.Path)), err))
		return o, err
	}
	o.Exists, o.Obj = true, obj
	return o, nil
}

// applyMove publishes a move when the old path held exactly the content the
// new one holds and the new one held nothing; otherwise it falls back to a
// delete and a create.
func (e *engine) applyMove(ctx context.Context, o observation) error {
	from := observation{Bot: o.Bot, Path: o.From, By: o.By}
	to := o
	to.From = ""
	fromKey, toKey := e.state.fileKey(o.Bot, o.From), e.state.fileKey(o.Bot, o.Path)
	fromCur, fromRev, err := e.getState(ctx, fromKey)
	if err != nil {
		return err
	}
	toCur, toRev, err := e.getState(ctx, toKey)
	if err != nil {
		return err
	}
	to, err = e.complete(ctx, to, nil)
	if err != nil {
		return err
	}
	// A move across kinds (out of a knowledge base, say) is a delete for
	// the old kind's consumers and a create for the new one's.
	if !to.Exists || !fromCur.live() || toCur.live() || fromCur.ETag != to.Obj.ETag || events.Classify(o.From).Kind != events.Classify(o.Path).Kind {
		return errors.Join(e.apply(ctx, to), e.apply(ctx, from))
	}
	c := events.NewChange(o.Bot, events.OpMoved, o.Path)
	c.From, c.ETag, c.Size, c.MTime, c.Base = o.From, to.Obj.ETag, to.Obj.Size, to.Obj.MTime, fromRev
	if err := e.publish(ctx, &c, o.By); err != nil {
		return err
	}
	errTo := e.putState(ctx, toKey, &entry{Path: []byte(o.Path), ETag: to.Obj.ETag, Size: to.Obj.Size, MTime: to.Obj.MTime}, toRev)
	errFrom := e.putState(ctx, fromKey, &entry{Path: []byte(o.From), Deleted: true}, fromRev)
	if errors.Is(errTo, errConflict) || errors.Is(errFrom, errConflict) {
		// Another detector moved it too: settle both paths plainly (no-ops
		// when its state already says what we saw).
		return errors.Join(e.apply(ctx, to), e.apply(ctx, from))
	}
	return errors.Join(errTo, errFrom)
}

// SetPackage records that bot's package is present or gone, publishing
// target_found or target_lost when that is news.
func (e *engine) SetPackage(ctx context.Context, bot string, present bool, by events.Detection) error {
	key := e.state.pkgKey(bot)
	for range maxCAS {
		cur, rev, err := e.getState(ctx, key)
		if err != nil {
			return err
		}
		if cur.live() == present {
			return nil
		}
		op := events.OpTargetFound
		if !present {
			op = events.OpTargetLost
		}
		c := events.NewChange(bot, op, "")
		c.Base, c.MTime = rev, time.Now().UnixMilli()
		if err := e.publish(ctx, &c, by); err != nil {
			return err
		}
		err = e.putState(ctx, key, &entry{Deleted: !present}, rev)
		if errors.Is(err, errConflict) {
			continue
		}
		return err
	}
	return fmt.Errorf("package %s: state keeps changing underneath", bot)
}

// Reconcile diffs a complete listing of (part of) bot's package against the
// state: new and changed files are submitted, and files in the state that
// covers selects but the listing lacks are submitted as absent. A listing
// that fails part way deletes nothing. It returns when every submitted
// observation was handled, or ctx ended.
func (e *engine) Reconcile(ctx context.Context, bot string, listing iter.Seq2[drive.Object, error], covers func(path string) bool) (err error) {
	known, err := e.loadState(ctx, bot)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer func() {
		if werr := waitCtx(ctx, &wg); err == nil {
			err = werr
		}
	}()
	done := func(error) { wg.Done() }
	for obj, err := range listing {
		if err != nil {
			if errors.Is(err, events.ErrBadPath) {
				e.Reject(ctx, bot, "", err)
				continue
			}
			return fmt.Errorf("reconciling %s: %w", bot, err)
		}
		e.cnt.found.Add(1)
		k, ok := known[obj.Path]
		if ok {
			delete(known, obj.Path)
			if sameListing(&k.entry, obj) {
				e.cnt.unchanged.Add(1)
				e.cnt.processed.Add(1)
				continue
			}
		}
		wg.Add(1)
		if err := e.submit(ctx, observation{Bot: bot, Path: obj.Path, Exists: true, Obj: obj, By: events.DetectedByReconcile}, done); err != nil {
			wg.Done()
			return err
		}
	}
	for p := range known {
		if covers != nil && !covers(p) {
			continue
		}
		wg.Add(1)
		if err := e.submit(ctx, observation{Bot: bot, Path: p, By: events.DetectedByReconcile}, done); err != nil {
			wg.Done()
			return err
		}
	}
	return nil
}

// waitCtx waits for wg, or for ctx to end: at shutdown the shard workers
// stop, and a job submitted while they drain may never be handled.
func waitCtx(ctx context.Context, wg *sync.WaitGroup) error {
	all := make(chan struct{})
	go func() {
		wg.Wait()
		close(all)
	}()
	select {
	case <-all:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// publish sends c and waits for the stream's acknowledgement, retrying with
// backoff while NATS is unreachable (nothing is lost: the state is advanced
// only after this returns nil). A change that fails validation is not
// retried.
func (e *engine) publish(ctx context.Context, c *events.Change, by events.Detection) error {
	c.Source, c.DetectedBy = e.src, by
	if e.origins != nil && c.Path != "" {
		// Not part of the id: a change seen twice still dedupes.
		etag := c.ETag
		if c.Op == events.OpDeleted {
			etag = "" // deletions are marked with no etag
		}
		origin, err := bus.LookupOrigin(ctx, e.origins, c.Bot, c.Path, etag)
		if err != nil {
			e.log.Warn("origin lookup failed; the change counts as an author's", "err", err)
		}
		c.Origin = origin
	}
	msg, err := bus.ChangeMsg(c)
	if err != nil {
		e.fail(ctx, c.Bot, c.Path, err)
		return err
	}
	err = e.retry(ctx, "publishing "+string(c.Op)+" "+events.Key(c.Bot, events.DisplayPath(c.Path)), func(ctx context.Context) error {
		fut, err := e.pub.PublishMsgAsync(msg)
		if err != nil {
			return err
		}
		select {
		case <-fut.Ok():
			return nil
		case err := <-fut.Err():
			return err
		case <-ctx.Done():
			return jetstream.ErrAsyncPublishTimeout
		}
	})
	if err != nil {
		return err
	}
	e.cnt.published.Add(1)
	if e.detected != nil {
		e.detected(c)
	}
	e.log.Debug("change published", "op", c.Op, "bot", c.Bot, "path", events.DisplayPath(c.Path), "id", c.ID, "by", by)
	return nil
}

func (e *engine) getState(ctx context.Context, key string) (cur *entry, rev uint64, err error) {
	err = e.retry(ctx, "reading state "+key, func(ctx context.Context) error {
		cur, rev, err = e.state.get(ctx, key)
		return err
	})
	return cur, rev, err
}

// loadState returns the live files of bot the state holds, retried while
// NATS is away.
func (e *engine) loadState(ctx context.Context, bot string) (files map[string]known, err error) {
	err = e.retryBounded(ctx, "loading the state of "+bot, 0, func(ctx context.Context) error {
		files, err = e.state.load(ctx, bot, e.timing.ack)
		return err
	})
	return files, err
}

// StoredBots returns the bots whose package the state marks present,
// retried while NATS is away.
func (e *engine) StoredBots(ctx context.Context) (bots []string, err error) {
	err = e.retryBounded(ctx, "reading the packages' state", 0, func(ctx context.Context) error {
		bots, err = e.state.bots(ctx, e.timing.ack)
		return err
	})
	return bots, err
}

func (e *engine) putState(ctx context.Context, key string, next *entry, rev uint64) error {
	return e.retry(ctx, "writing state "+key, func(ctx context.Context) error {
		_, err := e.state.put(ctx, key, next, rev)
		if errors.Is(err, errConflict) {
			return stop{err}
		}
		return err
	})
}

// stop ends retry at once with its error.
type stop struct{ err error }

func (s stop) Error() string { return s.err.Error() }
func (s stop) Unwrap() error { return s.err }

// retry runs fn until it succeeds, returns a stop, or ctx ends, waiting
// between tries from timing.min doubling to timing.max. Each try is bounded
// by timing.ack. It is used only for talking to NATS, whose outages end;
// bad input never reaches it.
func (e *engine) retry(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	return e.retryBounded(ctx, what, e.timing.ack, fn)
}

// retryBounded is retry with each try bounded by bound; 0 leaves a try
// unbounded (it must bound itself, as scans do by progress).
func (e *engine) retryBounded(ctx context.Context, what string, bound time.Duration, fn func(ctx context.Context) error) error {
	delay := e.timing.min
	for try := 1; ; try++ {
		tctx, cancel := ctx, context.CancelFunc(func() {})
		if bound > 0 {
			tctx, cancel = context.WithTimeout(ctx, bound)
		}
		err := fn(tctx)
		cancel()
		if err == nil {
			return nil
		}
		var s stop
		if errors.As(err, &s) {
			return s.err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.cnt.retries.Add(1)
		if try == 1 || try%20 == 0 {
			e.log.Warn("NATS unavailable; retrying", "what", what, "try", try, "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, e.timing.max)
	}
}

// Reject reports a path that cannot enter the system (.., NUL, absolute):
// a log line and a failed outcome on outcome.detector.<bot>, once per
// process and path. It is never published as a change.
func (e *engine) Reject(ctx context.Context, bot, path string, reason error) {
	e.cnt.rejected.Add(1)
	id := bot + "\x00" + path + "\x00" + reason.Error()
	e.rejMu.Lock()
	seen := e.rejected[id]
	e.rejected[id] = true
	e.rejMu.Unlock()
	if seen {
		return
	}
	e.log.Warn("rejected a path", "bot", bot, "path", events.DisplayPath(path), "reason", reason)
	e.outcome(ctx, bot, path, reason)
}

// fail reports a file that could not be read; it is retried by the next
// reconciliation.
func (e *engine) fail(ctx context.Context, bot, path string, err error) {
	e.cnt.failed.Add(1)
	e.log.Warn("file not readable", "bot", bot, "path", events.DisplayPath(path), "err", err)
	e.outcome(ctx, bot, path, err)
}

func (e *engine) outcome(ctx context.Context, bot, path string, reason error) {
	cl := events.Classify(path)
	o := events.Outcome{Service: ServiceName, Bot: bot, Kind: cl.Kind, KB: cl.KB, Path: path, Status: events.StatusFailed, Error: reason.Error()}
	if err := bus.PublishOutcome(ctx, e.pub, &o); err != nil {
		e.log.Warn("publishing failed outcome", "bot", bot, "err", err)
	}
}
