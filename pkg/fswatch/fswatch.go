// Package fswatch is the folder watching the detector and `drivemon sync`
// share: one inotify watch per folder (fsnotify has no recursive watch on
// Linux; Folders.AddTree watches a new folder and everything `mkdir -p`
// made in it, and reports the files already inside), and a Settler that
// holds each path until it has been quiet for a settle window, but never
// more than a maximum after its first event, so an editor's save storm is
// one look and a file that never stays quiet is still looked at.
package fswatch

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Settler holds paths until they settle. Schedule, Take, Drop and Stop
// belong to one goroutine (the watch loop); Ready delivers the paths whose
// timer fired.
type Settler struct {
	settle, maxSettle time.Duration
	pending           map[string]*pend
	ready             chan string
	done              chan struct{}
}

type pend struct {
	timer *time.Timer
	due   time.Time
	last  time.Time // maxSettle after the first event: due at the latest
	from  string    // the old path when this pairs with a rename
}

// NewSettler returns a Settler with the given window and bound.
func NewSettler(settle, maxSettle time.Duration) *Settler {
	return &Settler{settle: settle, maxSettle: maxSettle, pending: map[string]*pend{},
		ready: make(chan string, 1024), done: make(chan struct{})}
}

// Ready delivers a path whose settle timer fired; hand it to Take.
func (s *Settler) Ready() <-chan string { return s.ready }

// Len is the number of paths waiting to settle.
func (s *Settler) Len() int { return len(s.pending) }

// Pending says whether p waits to settle.
func (s *Settler) Pending(p string) bool { return s.pending[p] != nil }

// Schedule (re)arms p's settle timer, never past maxSettle after the event
// that started it; from, when not "", pairs p with a rename's old path.
func (s *Settler) Schedule(p, from string) {
	now := time.Now()
	due := now.Add(s.settle)
	if pd := s.pending[p]; pd != nil {
		pd.due = due
		if due.After(pd.last) {
			pd.due = pd.last
		}
		if from != "" {
			pd.from = from
		}
		pd.timer.Reset(pd.due.Sub(now))
		return
	}
	pd := &pend{due: due, last: now.Add(s.maxSettle), from: from}
	pd.timer = time.AfterFunc(s.settle, func() {
		select {
		case s.ready <- p:
		case <-s.done:
		}
	})
	s.pending[p] = pd
}

// Take removes p, which Ready delivered, once it is due; ok is false when
// it is not (re-armed, so its timer fires again; or dropped). from is the
// rename's old path Schedule paired it with.
func (s *Settler) Take(p string) (from string, ok bool) {
	pd := s.pending[p]
	if pd == nil || time.Now().Before(pd.due) {
		return "", false
	}
	delete(s.pending, p)
	return pd.from, true
}

// Drop forgets p without looking at it.
func (s *Settler) Drop(p string) {
	if pd := s.pending[p]; pd != nil {
		pd.timer.Stop()
		delete(s.pending, p)
	}
}

// Stop stops every timer; the Settler is not used again.
func (s *Settler) Stop() {
	close(s.done)
	for _, pd := range s.pending {
		pd.timer.Stop()
	}
}

// Folders is the set of folders one fsnotify watcher watches.
type Folders struct {
	w       *fsnotify.Watcher
	watched map[string]bool
	ignored func(string) bool
	log     *slog.Logger
}

// NewFolders returns the folders of w; ignored (absolute paths) are never
// watched nor reported.
func NewFolders(w *fsnotify.Watcher, ignored func(string) bool, log *slog.Logger) *Folders {
	return &Folders{w: w, watched: map[string]bool{}, ignored: ignored, log: log}
}

// Add watches folder p (not below it).
func (f *Folders) Add(p string) error {
	if err := f.w.Add(p); err != nil {
		return err
	}
	f.watched[p] = true
	return nil
}

// Watched says whether folder p has a watch.
func (f *Folders) Watched(p string) bool { return f.watched[p] }

// AddTree watches folder p and every folder below it; file, when not nil,
// is called with every regular file found (files made before the watch
// existed). A folder that cannot be watched is logged: a rescan covers it.
func (f *Folders) AddTree(ctx context.Context, p string, file func(string)) {
	_ = filepath.WalkDir(p, func(q string, e fs.DirEntry, err error) error {
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				f.log.Warn("cannot read folder", "path", q, "err", err)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if f.ignored(q) {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case e.IsDir():
			if !f.watched[q] {
				if err := f.Add(q); err != nil {
					f.log.Warn("cannot watch folder; the periodic rescan covers it", "path", q, "err", err)
				}
			}
		case file != nil && e.Type().IsRegular():
			file(q)
		}
		return nil
	})
}

// Unwatch drops the watches of p and everything below it.
func (f *Folders) Unwatch(p string) {
	prefix := p + string(filepath.Separator)
	for q := range f.watched {
		if q == p || strings.HasPrefix(q, prefix) {
			_ = f.w.Remove(q)
			delete(f.watched, q)
		}
	}
}
