package detector

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/fswatch"
)

// dirSource watches a local folder holding <bot>.gbai folders with inotify
// (fsnotify), one watch per folder, and reconciles it against the state at
// start, on every inotify overflow and every Config.Rescan.
type dirSource struct {
	cfg  Config
	dir  *drive.Dir
	root string
	log  *slog.Logger
}

func newDirSource(cfg Config, d *drive.Dir, log *slog.Logger) *dirSource {
	root := filepath.Clean(d.Root())
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return &dirSource{cfg: cfg, dir: d, root: root, log: log}
}

func (d *dirSource) Kind() events.Source { return events.SourceDir }

func (d *dirSource) Stat(ctx context.Context, bot, path string) (drive.Object, error) {
	return d.dir.Stat(ctx, bot, path)
}

// Run watches the root while it exists and waits for it while it does not:
// a root that disappears (deleted, renamed, replaced by a file) loses every
// package in it (target_lost, then deleted for each file); one that
// (re)appears is scanned and watched again.
func (d *dirSource) Run(ctx context.Context, sink Sink, scanned func()) error {
	for ctx.Err() == nil {
		if !isDir(d.root) {
			if err := d.loseAll(ctx, sink); err != nil {
				return err
			}
			scanned() // nothing to scan
			d.log.Info("waiting for the folder to exist", "root", d.root)
			if !d.waitRoot(ctx) {
				return nil
			}
			d.log.Info("folder appeared", "root", d.root)
		}
		if err := d.watch(ctx, sink, scanned); err != nil {
			return err
		}
	}
	return nil
}

// loseAll marks every package the state still holds as lost.
func (d *dirSource) loseAll(ctx context.Context, sink Sink) error {
	bots, err := sink.StoredBots(ctx)
	if err != nil {
		return err
	}
	for _, bot := range bots {
		if err := sink.SetPackage(ctx, bot, false, events.DetectedByWatch); err != nil {
			return err
		}
		if err := sink.Reconcile(ctx, bot, empty, nil); err != nil {
			return err
		}
	}
	return nil
}

func empty(func(drive.Object, error) bool) {}

func (d *dirSource) waitRoot(ctx context.Context) bool {
	t := time.NewTicker(d.cfg.RootPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			if isDir(d.root) {
				return true
			}
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.IsDir()
}

// rootWatch is the state of one watch of an existing root. Its maps are
// owned by the loop goroutine.
type rootWatch struct {
	*dirSource
	sink    Sink
	w       *fsnotify.Watcher
	folders *fswatch.Folders
	bots    map[string]string // bot → its package folder
	settler *fswatch.Settler
	recs    sync.WaitGroup  // running reconciliations
	initial *sync.WaitGroup // the initial scan's reconciliations, while it runs
	renamed struct {        // the last rename's old end, to pair with a create
		path, bot string
		at        time.Time
	}
}

// watch runs until the root disappears (nil) or ctx ends.
func (d *dirSource) watch(ctx context.Context, sink Sink, scanned func()) error {
	w, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		return fmt.Errorf("watching %s: %w", d.root, err)
	}
	rw := &rootWatch{dirSource: d, sink: sink, w: w, folders: fswatch.NewFolders(w, d.ignored, d.log),
		bots: map[string]string{}, settler: fswatch.NewSettler(d.cfg.Settle, d.cfg.MaxSettle)}
	defer func() {
		rw.settler.Stop()
		w.Close()
		rw.recs.Wait()
	}()
	if err := rw.folders.Add(d.root); err != nil {
		if !isDir(d.root) {
			return nil
		}
		return fmt.Errorf("watching %s: %w", d.root, err)
	}
	var initial sync.WaitGroup
	rw.initial = &initial
	if err := rw.scanAll(ctx); err != nil {
		return err
	}
	rw.initial = nil
	go func() {
		initial.Wait()
		if ctx.Err() == nil {
			scanned() // not at shutdown: the scan was cut short
		}
	}()
	rescan := time.NewTicker(d.cfg.Rescan)
	defer rescan.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if rw.event(ctx, ev) {
				return rw.lostRoot(ctx)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				d.log.Warn("inotify queue overflowed; rescanning", "root", d.root)
			} else {
				d.log.Warn("watch error; rescanning", "root", d.root, "err", err)
			}
			if err := rw.scanAll(ctx); err != nil {
				return err
			}
		case p := <-rw.settler.Ready():
			rw.flush(ctx, p)
		case <-rescan.C:
			if err := rw.scanAll(ctx); err != nil {
				return err
			}
		}
		if !isDir(d.root) {
			return rw.lostRoot(ctx)
		}
	}
}

func (rw *rootWatch) lostRoot(ctx context.Context) error {
	rw.log.Warn("folder lost", "root", rw.root)
	for bot := range rw.bots {
		rw.closePackage(ctx, bot)
	}
	rw.recs.Wait()
	return nil
}

// ignored reports whether p (absolute) is never watched nor reported.
func (d *dirSource) ignored(p string) bool {
	base := filepath.Base(p)
	for _, pat := range d.cfg.Ignore {
		if ok, _ := filepath.Match(pat, base); ok {
			return true
		}
	}
	for _, ip := range d.cfg.IgnorePaths {
		if ip != "" && (p == ip || strings.HasPrefix(p, strings.TrimSuffix(ip, string(filepath.Separator))+string(filepath.Separator))) {
			return true
		}
	}
	return false
}

// locate splits an absolute path into the bot whose package holds it and
// the path inside the package ("" for the package folder itself).
func (rw *rootWatch) locate(p string) (bot, inner string, ok bool) {
	for b, dir := range rw.bots {
		if p == dir {
			return b, "", true
		}
		if strings.HasPrefix(p, dir+string(filepath.Separator)) {
			return b, filepath.ToSlash(p[len(dir)+1:]), true
		}
	}
	return "", "", false
}

// MaxPackageDepth bounds how deep under the root packages are searched.
const MaxPackageDepth = 8

// Packages is what a search of a folder for <bot>.gbai packages found.
type Packages struct {
	// Dirs lists each bot's package folders in lexical order (more than
	// one is a conflict); a linked package is its link's target.
	Dirs map[string][]string
	// Folders is the number of folders that hold packages.
	Folders int
	// Searched are the folders searched (the root included), which hold
	// no package themselves: watching them finds new packages.
	Searched []string
}

// Conflicts lists the bots with more than one package, sorted.
func (p Packages) Conflicts() []string {
	var bots []string
	for b, dirs := range p.Dirs {
		if len(dirs) > 1 {
			bots = append(bots, b)
		}
	}
	sort.Strings(bots)
	return bots
}

// FindPackages searches root for <bot>.gbai folders at any depth up to
// MaxPackageDepth (upstream's bots/<category>/<bot>.gbai included), never
// inside another package nor in a folder ignored says so. A link named
// <bot>.gbai to a folder is a package, inside or outside root; other
// links are not followed.
func FindPackages(root string, ignored func(string) bool) (Packages, error) {
	found := Packages{Dirs: map[string][]string{}}
	holders := map[string]bool{}
	var search func(dir string, depth int) error
	search = func(dir string, depth int) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if depth > 0 && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while searched
			}
			return fmt.Errorf("searching %s for packages: %w", dir, err)
		}
		found.Searched = append(found.Searched, dir)
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if ignored(p) {
				continue
			}
			if bot, ok := events.BotFromPackage(e.Name()); ok {
				if real, ok := packageFolder(p, e); ok {
					found.Dirs[bot] = append(found.Dirs[bot], real)
					holders[dir] = true
				}
				continue
			}
			if e.IsDir() && depth < MaxPackageDepth && !strings.HasPrefix(e.Name(), ".") {
				if err := search(p, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := search(root, 0)
	found.Folders = len(holders)
	return found, err
}

// packageFolder is the folder of a package entry: itself, or the target
// of a link to a folder.
func packageFolder(p string, e fs.DirEntry) (string, bool) {
	if e.IsDir() {
		return p, true
	}
	if e.Type()&fs.ModeSymlink == 0 {
		return "", false
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil || !isDir(real) {
		return "", false
	}
	if abs, err := filepath.Abs(real); err == nil {
		real = abs
	}
	return real, true
}

// event handles one inotify event; it reports whether the root is gone.
func (rw *rootWatch) event(ctx context.Context, ev fsnotify.Event) bool {
	p := ev.Name
	if p == rw.root {
		return ev.Has(fsnotify.Remove|fsnotify.Rename) && !isDir(rw.root)
	}
	if rw.ignored(p) {
		return false
	}
	bot, inner, ok := rw.locate(p)
	if !ok {
		if rw.mayHoldPackages(p) {
			rw.schedule(rw.root, "") // search again once quiet
		}
		return false
	}
	if inner == "" {
		rw.schedule(p, "")
		return false
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			// A new folder: watch it (and everything mkdir -p made in it)
			// and look at every file already inside.
			rw.addTree(ctx, p, true)
			return false
		}
		r := rw.renamed
		if r.path != "" && r.path != p && r.bot == bot && time.Since(r.at) <= rw.cfg.Settle {
			rw.renamed.path = ""
			rw.settler.Drop(r.path)
			rw.schedule(p, r.path)
			return false
		}
	}
	if ev.Has(fsnotify.Rename) {
		rw.renamed.path, rw.renamed.bot, rw.renamed.at = p, bot, time.Now()
	}
	rw.schedule(p, "")
	return false
}

// schedule (re)arms p's settle timer (fswatch.Settler: Config.Settle of
// quiet, at most Config.MaxSettle); from pairs it with a rename.
func (rw *rootWatch) schedule(p, from string) { rw.settler.Schedule(p, from) }

// flush looks at a path that has been quiet for the settle window.
func (rw *rootWatch) flush(ctx context.Context, p string) {
	from, due := rw.settler.Take(p)
	if !due {
		return // paired with a rename, or re-armed: its timer fires again
	}
	if p == rw.root {
		if err := rw.discover(ctx, false); err != nil {
			rw.log.Warn("searching for packages; the periodic rescan retries", "root", rw.root, "err", err)
		}
		return
	}
	bot, inner, ok := rw.locate(p)
	if !ok {
		return
	}
	fi, err := os.Lstat(p)
	exists := err == nil
	if inner == "" {
		if !exists || !fi.IsDir() {
			rw.closePackage(ctx, bot)
		}
		return
	}
	if _, err := events.CleanPath(inner); err != nil {
		rw.sink.Reject(ctx, bot, inner, err)
		return
	}
	switch {
	case exists && fi.Mode().IsRegular():
		o := observation{Bot: bot, Path: inner, Exists: true, Obj: drive.Object{Bot: bot, Path: inner, Size: fi.Size(), MTime: fi.ModTime().UnixMilli()}, By: events.DetectedByWatch}
		if from != "" {
			if _, err := os.Lstat(from); errors.Is(err, fs.ErrNotExist) {
				_, fromInner, _ := rw.locate(from)
				if _, err := events.CleanPath(fromInner); err == nil {
					o.From = fromInner
				}
			} else {
				rw.schedule(from, "")
			}
		}
		rw.submit(ctx, o)
	case exists && fi.IsDir():
		rw.addTree(ctx, p, true)
	default:
		// Gone, or no longer a regular file (a symbolic link is never
		// followed): absent. If it was a folder, so is everything in it.
		rw.submit(ctx, observation{Bot: bot, Path: inner, By: events.DetectedByWatch, Confirmed: true})
		if rw.folders.Watched(p) {
			rw.folders.Unwatch(p)
			rw.reconcileAsync(ctx, bot, rw.bots[bot], inner)
		}
	}
}

func (rw *rootWatch) submit(ctx context.Context, o observation) {
	_ = rw.sink.Observe(ctx, o) // an error: ctx ended
}

// addTree watches folder p and every folder below it; with scan, every
// file found is scheduled (files made before the watch existed).
func (rw *rootWatch) addTree(ctx context.Context, p string, scan bool) {
	var file func(string)
	if scan {
		file = func(q string) { rw.schedule(q, "") }
	}
	rw.folders.AddTree(ctx, p, file)
}

// scanAll reconciles the whole root: packages found and lost, folders
// watched, files diffed against the state.
func (rw *rootWatch) scanAll(ctx context.Context) error {
	return rw.discover(ctx, true)
}

// mayHoldPackages says whether an event at p, outside every package, may
// change which packages exist: a folder, a <bot>.gbai name, or a folder
// that was watched (now gone).
func (rw *rootWatch) mayHoldPackages(p string) bool {
	if _, ok := events.BotFromPackage(filepath.Base(p)); ok || rw.folders.Watched(p) {
		return true
	}
	fi, err := os.Lstat(p)
	return err == nil && fi.IsDir()
}

// discover searches the root for packages: new ones are opened, lost ones
// closed; with full, the open ones are reconciled too.
func (rw *rootWatch) discover(ctx context.Context, full bool) error {
	found, err := FindPackages(rw.root, rw.ignored)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, q := range found.Searched {
		if err := rw.folders.Add(q); err != nil {
			rw.log.Warn("cannot watch folder; the periodic rescan covers it", "path", q, "err", err)
		}
	}
	seen := map[string]bool{}
	for bot, dirs := range found.Dirs {
		seen[bot] = true
		p := dirs[0]
		if slices.Contains(dirs, rw.bots[bot]) {
			p = rw.bots[bot] // the open one stays
		}
		if len(dirs) > 1 {
			rw.log.Warn("two packages for one bot: not merged, only one is watched", "bot", bot, "watching", p, "packages", dirs)
		}
		switch cur := rw.bots[bot]; {
		case cur == p && full:
			rw.addTree(ctx, p, false) // folders missed by an overflow
			rw.reconcileAsync(ctx, bot, p, "")
		case cur == p:
		case cur != "":
			rw.closePackage(ctx, bot) // moved: lost here, found there
			rw.openPackage(ctx, bot, p)
		default:
			rw.openPackage(ctx, bot, p)
		}
	}
	for bot := range rw.bots {
		if !seen[bot] {
			rw.closePackage(ctx, bot)
		}
	}
	if !full {
		return nil
	}
	// Packages the state holds that are gone (removed while we were down).
	bots, err := rw.sink.StoredBots(ctx)
	if err != nil {
		return err
	}
	for _, bot := range bots {
		if !seen[bot] {
			rw.closePackage(ctx, bot)
		}
	}
	return nil
}

// openPackage starts watching a package folder that appeared.
func (rw *rootWatch) openPackage(ctx context.Context, bot, p string) {
	rw.bots[bot] = p
	rw.dir.SetPackage(bot, p)
	if err := rw.sink.SetPackage(ctx, bot, true, events.DetectedByWatch); err != nil {
		rw.log.Warn("package found but not published", "bot", bot, "err", err)
	}
	rw.addTree(ctx, p, false)
	rw.reconcileAsync(ctx, bot, p, "")
}

// closePackage handles a package folder that disappeared: target_lost,
// then deleted for every file the state holds.
func (rw *rootWatch) closePackage(ctx context.Context, bot string) {
	if p, ok := rw.bots[bot]; ok {
		rw.folders.Unwatch(p)
		delete(rw.bots, bot)
		rw.dir.SetPackage(bot, "")
	}
	if err := rw.sink.SetPackage(ctx, bot, false, events.DetectedByWatch); err != nil {
		rw.log.Warn("package lost but not published", "bot", bot, "err", err)
	}
	rw.background(func() {
		if err := rw.sink.Reconcile(ctx, bot, empty, nil); err != nil && ctx.Err() == nil {
			rw.log.Warn("deleting the files of a lost package", "bot", bot, "err", err)
		}
	})
}

// background runs a reconciliation, counted in the initial scan while
// that runs.
func (rw *rootWatch) background(fn func()) {
	if wg := rw.initial; wg != nil {
		wg.Add(1)
		rw.recs.Go(func() {
			defer wg.Done()
			fn()
		})
		return
	}
	rw.recs.Go(fn)
}

// reconcileAsync diffs the files under sub ("" for all) of a package
// against the state, in the background.
func (rw *rootWatch) reconcileAsync(ctx context.Context, bot, pkgDir, sub string) {
	if pkgDir == "" {
		return
	}
	var covers func(string) bool
	if sub != "" {
		covers = func(p string) bool { return strings.HasPrefix(p, sub+"/") }
	}
	listing := rw.files(bot, pkgDir, sub)
	rw.background(func() {
		if err := rw.sink.Reconcile(ctx, bot, listing, covers); err != nil && ctx.Err() == nil {
			rw.log.Warn("reconciliation incomplete; nothing deleted", "bot", bot, "err", err)
		}
	})
}

// files lists the regular files under sub of a package folder. Ignored
// names and symbolic links are skipped; a folder that vanishes during the
// walk is skipped (its files are gone); any other error ends the listing
// with that error, so the reconciliation deletes nothing.
func (d *dirSource) files(bot, pkgDir, sub string) iter.Seq2[drive.Object, error] {
	start := pkgDir
	if sub != "" {
		start = filepath.Join(pkgDir, filepath.FromSlash(sub))
	}
	return func(yield func(drive.Object, error) bool) {
		err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if p != start && d.ignored(p) {
				if e.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if !e.Type().IsRegular() {
				return nil
			}
			rel := filepath.ToSlash(p[len(pkgDir)+1:])
			if _, err := events.CleanPath(rel); err != nil {
				if !yield(drive.Object{}, fmt.Errorf("file %q: %w", events.DisplayPath(rel), err)) {
					return fs.SkipAll
				}
				return nil
			}
			fi, err := e.Info()
			if err != nil {
				return nil // removed since the folder was read
			}
			if !yield(drive.Object{Bot: bot, Path: rel, Size: fi.Size(), MTime: fi.ModTime().UnixMilli()}, nil) {
				return fs.SkipAll
			}
			return nil
		})
		if err != nil {
			yield(drive.Object{}, fmt.Errorf("listing %s: %w", start, err))
		}
	}
}
