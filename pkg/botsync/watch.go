package botsync

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// WatchOptions configure Watch.
type WatchOptions struct {
	// Journal, when set, says what changed on REMOTE (the DRIVE stream);
	// otherwise REMOTE is listed every Interval.
	Journal  Journal
	Interval time.Duration
	// Settle and MaxSettle are the local watch's quiet window and its
	// bound (the detector's defaults: 50 ms and 10 × Settle).
	Settle, MaxSettle time.Duration
	Log               *slog.Logger
	// OnPass is called after every pass that looked at something.
	OnPass func(Summary, error)
}

// Defaults of WatchOptions.
const (
	DefaultInterval = 10 * time.Second
	DefaultSettle   = 50 * time.Millisecond
)

// retryMin and retryMax bound the wait before the paths of a failed pass
// are looked at again (doubling; reset by a pass without failures).
const (
	retryMin = time.Second
	retryMax = time.Minute
)

// Watch keeps LOCAL and REMOTE in step until ctx ends (nil) or a side is
// lost. It watches LOCAL (inotify, settled paths) and follows the Journal
// or lists REMOTE every Interval, and runs a pass over what changed: with
// a Journal a quiet cycle makes no request to REMOTE at all. The Journal's
// cursor is kept in the base, so a restart lists LOCAL only and resumes
// the journal where it stopped; a cursor the stream no longer holds (a
// purge, a new stream) starts over with a full pass.
func (s *Syncer) Watch(ctx context.Context, o WatchOptions, report func(Action)) error {
	local, ok := s.Local.(*DirTree)
	if !ok {
		return fmt.Errorf("watching: LOCAL %s is not a folder", s.Local)
	}
	o = o.withDefaults()
	s.keep = true
	defer func() { s.keep, s.kept = false, nil }()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pending := newChanges()
	failed := make(chan error, 2)
	lw := &localWatch{root: local.Root(), excluded: s.Opt.Filter.Excluded, settle: o.Settle, maxSettle: o.MaxSettle, log: o.Log}
	ready := make(chan struct{})
	go func() { failed <- lw.run(ctx, pending, ready) }()
	select {
	case <-ready:
	case err := <-failed:
		return err
	}
	first, cursor, err := s.start(ctx, o, local)
	if err != nil {
		return err
	}
	if o.Journal != nil {
		go func() {
			failed <- o.Journal.Follow(ctx, cursor, func(c RemoteChange) { pending.add(c.Paths, c.Seq, false) })
		}()
	}
	pending.add(first, cursor, first == nil)
	var tick <-chan time.Time
	if o.Journal == nil {
		t := time.NewTicker(o.Interval)
		defer t.Stop()
		tick = t.C
	}
	var retry <-chan time.Time
	wait := retryMin
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-failed:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case <-tick:
			pending.add(nil, 0, true)
			continue
		case <-retry:
		case <-pending.note:
		}
		paths, seq, full := pending.take()
		if !full && len(paths) == 0 && seq == 0 {
			continue
		}
		sum, err := s.PassOver(ctx, paths, seq, report)
		if ctx.Err() != nil {
			return nil
		}
		if o.OnPass != nil {
			o.OnPass(sum, err)
		}
		if err != nil || sum.Errors > 0 {
			pending.add(paths, seq, full) // again, after a while
			retry = time.After(wait)
			wait = min(2*wait, retryMax)
			continue
		}
		retry, wait = nil, retryMin
	}
}

func (o WatchOptions) withDefaults() WatchOptions {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Settle <= 0 {
		o.Settle = DefaultSettle
	}
	if o.MaxSettle <= 0 {
		o.MaxSettle = 10 * o.Settle
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

// start decides the first pass of a watch: the paths LOCAL changed since
// the base (nil: a full pass) and the journal sequence to follow from.
// With a journal whose cursor the stream still holds, nothing of REMOTE is
// listed; otherwise the pass lists both sides and the journal is followed
// from the latest sequence read before it.
func (s *Syncer) start(ctx context.Context, o WatchOptions, local *DirTree) ([]string, uint64, error) {
	if o.Journal == nil {
		return nil, 0, nil
	}
	first, last, err := o.Journal.Bounds(ctx)
	if err != nil {
		return nil, 0, err
	}
	base, err := s.loadBase()
	if err != nil {
		return nil, 0, err
	}
	c := base.Cursor
	if c == 0 || c > last || c+1 < first {
		if c != 0 {
			o.Log.Info("the journal no longer holds the sync's cursor; listing both sides", "cursor", c, "first", first, "last", last)
		}
		return nil, last, nil
	}
	filter, err := withIgnoreFile(ctx, local, s.Opt.Filter)
	if err != nil {
		return nil, 0, err
	}
	changed, err := localChanges(ctx, local, base, filter)
	if err != nil {
		return nil, 0, err
	}
	paths := make([]string, 0, len(changed))
	for _, a := range changed {
		paths = append(paths, a.Path)
	}
	return paths, c, nil
}
