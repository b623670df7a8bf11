package botsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/drivemon/drivemon/pkg/fswatch"
)

// changes collects what a watch must look at next: paths (LOCAL's settled
// ones and REMOTE's from the journal), the journal sequence they reach,
// and whether everything must be listed again.
type changes struct {
	mu    sync.Mutex
	paths map[string]bool
	seq   uint64
	full  bool
	note  chan struct{} // one token: something was added
}

func newChanges() *changes {
	return &changes{paths: map[string]bool{}, note: make(chan struct{}, 1)}
}

func (c *changes) add(paths []string, seq uint64, full bool) {
	c.mu.Lock()
	for _, p := range paths {
		c.paths[p] = true
	}
	c.seq = max(c.seq, seq)
	c.full = c.full || full
	c.mu.Unlock()
	select {
	case c.note <- struct{}{}:
	default:
	}
}

// take empties the collection; paths is nil when full.
func (c *changes) take() (paths []string, seq uint64, full bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	paths = make([]string, 0, len(c.paths))
	for p := range c.paths {
		paths = append(paths, p)
	}
	seq, full = c.seq, c.full
	c.paths, c.seq, c.full = map[string]bool{}, 0, false
	if full {
		paths = nil
	}
	return paths, seq, full
}

// localWatch reports LOCAL's changes with the detector's folder watching
// (pkg/fswatch): one inotify watch per folder, new folders watched and
// scanned at once, each path looked at once it has been quiet for settle
// (at most maxSettle after its first event). An inotify overflow or
// error asks for a full pass.
type localWatch struct {
	root              string
	excluded          func(rel string) bool
	settle, maxSettle time.Duration
	log               *slog.Logger
}

// errLocalLost ends a watch whose LOCAL folder is gone.
var errLocalLost = errors.New("LOCAL folder was removed or renamed")

// run watches until ctx ends; ready is closed once every folder is
// watched.
func (lw *localWatch) run(ctx context.Context, out *changes, ready chan<- struct{}) error {
	w, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		return fmt.Errorf("watching %s: %w", lw.root, err)
	}
	defer w.Close()
	folders := fswatch.NewFolders(w, lw.ignored, lw.log)
	settler := fswatch.NewSettler(lw.settle, lw.maxSettle)
	defer settler.Stop()
	schedule := func(p string) { settler.Schedule(p, "") }
	if err := folders.Add(lw.root); err != nil {
		return fmt.Errorf("watching %s: %w", lw.root, err)
	}
	folders.AddTree(ctx, lw.root, nil)
	close(ready)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Name == lw.root {
				if ev.Has(fsnotify.Remove | fsnotify.Rename) {
					return fmt.Errorf("%s: %w", lw.root, errLocalLost)
				}
				continue
			}
			if lw.ignored(ev.Name) {
				continue
			}
			if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() && ev.Has(fsnotify.Create) {
				folders.AddTree(ctx, ev.Name, schedule) // and what mkdir -p made in it
				continue
			}
			schedule(ev.Name)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			lw.log.Warn("watch lost events; listing LOCAL again", "root", lw.root, "err", err)
			out.add(nil, 0, true)
		case p := <-settler.Ready():
			if _, due := settler.Take(p); !due {
				continue
			}
			if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
				folders.AddTree(ctx, p, schedule)
				continue
			}
			folders.Unwatch(p) // when it was a folder: gone with its files
			out.add([]string{lw.rel(p)}, 0, false)
		}
	}
}

func (lw *localWatch) rel(p string) string {
	return filepath.ToSlash(strings.TrimPrefix(p, lw.root+string(filepath.Separator)))
}

// ignored: the sync's state folder, temporary files of its own writes and
// excluded paths are never watched nor reported.
func (lw *localWatch) ignored(p string) bool {
	if p == lw.root {
		return false
	}
	rel := lw.rel(p)
	return rel == StateDir || lw.excluded(rel) || lw.excluded(rel+"/")
}
