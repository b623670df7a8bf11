package botsync

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
)

// Options configure a Syncer.
type Options struct {
	Mode      Mode
	Filter    *Filter
	DryRun    bool
	Host      string           // in conflict copy names
	Now       func() time.Time // for conflict copy names; time.Now when nil
	StateFile string           // the base; BasePath(LOCAL, REMOTE) normally
	// OnPlan, when set, is told what a pass (not a dry run) is about to
	// transfer, before it starts: files uploaded or downloaded and their
	// bytes (a progress bar's totals).
	OnPlan func(files int, bytes int64)
}

// Action is one planned or done operation.
type Action struct {
	Op   Op
	Path string
	From string // of a Move or MoveLocal
	// To is the conflict copy a Conflict saved the local edit as.
	To    string
	Bytes int64 // transferred
	Err   error
}

// Summary counts what a pass did.
type Summary struct {
	Uploaded, Downloaded, Moved int
	DeletedLocal, DeletedRemote int
	Conflicts, Held, Agreed     int
	Unchanged, Errors           int
	Bytes                       int64
	Problems                    []error // paths skipped while listing
	Elapsed                     time.Duration
}

func (s Summary) String() string {
	return fmt.Sprintf("%d uploaded, %d downloaded, %d moved, %d deleted locally, %d deleted remotely, %d conflicts, %d held, %d unchanged, %d errors, %d skipped; %d bytes in %s",
		s.Uploaded, s.Downloaded, s.Moved, s.DeletedLocal, s.DeletedRemote, s.Conflicts, s.Held, s.Unchanged+s.Agreed, s.Errors, len(s.Problems), s.Bytes, s.Elapsed.Round(time.Millisecond))
}

// Syncer keeps LOCAL and REMOTE in step through a base.
type Syncer struct {
	Local, Remote Tree
	Opt           Options

	// kept is the base between the passes of a watch, which holds LOCAL's
	// lock: read from the state file once, not at every pass.
	kept *Base
	keep bool
}

// saveInterval is the most time between two saves of the base during a
// pass, bounding the work a killed pass leaves to be recognised again (by
// content, without transfer) while keeping fsyncs off the per-file path.
const saveInterval = time.Second

// state is one path as a pass sees it.
type state struct {
	path          string
	agreed        Agreed
	hasBase       bool
	local, remote *Entry
}

// Pass runs one sync pass over every path, listing both sides; report is
// called for every action (planned in a dry run, done otherwise). The
// error is a failure of the pass as a whole; failed actions are counted in
// Summary.Errors and reported.
func (s *Syncer) Pass(ctx context.Context, report func(Action)) (Summary, error) {
	return s.PassOver(ctx, nil, 0, report)
}

// PassOver is Pass over paths only (nil: every path) — each of them, and
// each path of the base below it (a folder), described by one Hash per
// side instead of listings. A cursor other than 0 is stored in the base
// with the pass when no action failed.
func (s *Syncer) PassOver(ctx context.Context, paths []string, cursor uint64, report func(Action)) (Summary, error) {
	start := time.Now()
	var sum Summary
	base, err := s.loadBase()
	if err != nil {
		return sum, err
	}
	filter, err := withIgnoreFile(ctx, s.Local, s.Opt.Filter)
	if err != nil {
		return sum, err
	}
	var states []*state
	var problems []error
	if paths == nil {
		states, problems, err = s.scan(ctx, base, filter)
	} else {
		states, problems, err = s.scanPaths(ctx, base, filter, paths)
	}
	sum.Problems = problems
	if err != nil {
		return sum, err
	}
	var errs []string // the first maxLastErrors, for the base
	report = keepErrors(report, &errs)
	var plan []step
	for _, st := range states {
		if ctx.Err() != nil {
			return sum, ctx.Err()
		}
		op, err := s.decide(ctx, st)
		switch {
		case err != nil:
			sum.Errors++
			report(Action{Path: st.path, Err: err})
		case op == None:
			sum.Unchanged++
		default:
			plan = append(plan, step{st, op, nil})
		}
	}
	plan = pairMoves(plan)
	if s.Opt.OnPlan != nil && !s.Opt.DryRun {
		s.Opt.OnPlan(transfers(plan))
	}
	if s.Opt.DryRun {
		for _, p := range plan {
			if p.op != None { // None: the other half of a move
				count(&sum, p.op)
				report(p.action())
			}
		}
	} else if err := s.applyAll(ctx, base, plan, &sum, report); err != nil {
		return sum, err
	}
	sum.Elapsed = time.Since(start)
	if !s.Opt.DryRun {
		if cursor != 0 && sum.Errors == 0 && ctx.Err() == nil {
			base.Cursor = cursor
		}
		base.Last = LastPass{At: time.Now().UnixMilli(), Summary: sum.String(), Errors: errs, Excludes: s.Opt.Filter.globs}
		if err := base.Save(s.Opt.StateFile); err != nil {
			return sum, err
		}
	}
	return sum, ctx.Err()
}

// loadBase reads the base, or reuses the one a watch keeps.
func (s *Syncer) loadBase() (*Base, error) {
	if s.kept != nil {
		return s.kept, nil
	}
	base, err := LoadBase(s.Opt.StateFile, s.Remote.String())
	if err == nil && s.keep && !s.Opt.DryRun {
		s.kept = base
	}
	return base, err
}

// transferWorkers is how many of a pass's copies run at once.
const transferWorkers = 8

// applyAll does a plan: copies (and bookkeeping) transferWorkers at a
// time, then moves and deletes one by one (a delete removes folders left
// empty, which a copy into them must not race). The base is saved every
// saveInterval; report is called from one goroutine at a time.
func (s *Syncer) applyAll(ctx context.Context, base *Base, plan []step, sum *Summary, report func(Action)) error {
	var mu sync.Mutex // sum, report, saved
	saved := time.Now()
	do := func(p step) error {
		a := s.apply(ctx, base, p)
		if errors.Is(a.Err, errRemoteChanged) {
			a = s.again(ctx, base, p.st)
		}
		mu.Lock()
		defer mu.Unlock()
		if a.Err != nil {
			sum.Errors++
		} else {
			count(sum, a.Op)
			sum.Bytes += a.Bytes
		}
		report(a)
		if time.Since(saved) >= saveInterval {
			saved = time.Now()
			return base.Save(s.Opt.StateFile)
		}
		return nil
	}
	var copies, others []step
	for _, p := range plan {
		switch p.op {
		case None: // the other half of a move
		case Move, MoveLocal, DeleteLocal, DeleteRemote:
			others = append(others, p)
		default:
			copies = append(copies, p)
		}
	}
	if err := inParallel(ctx, copies, transferWorkers, do); err != nil {
		return err
	}
	return inParallel(ctx, others, 1, do)
}

// inParallel calls do for each step, workers at a time, until ctx ends
// or do fails (its first error is returned).
func inParallel(ctx context.Context, steps []step, workers int, do func(step) error) error {
	next := make(chan step)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range next {
				if err := do(p); err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	for _, p := range steps {
		if ctx.Err() != nil || failed.Load() != nil {
			break
		}
		next <- p
	}
	close(next)
	wg.Wait()
	if err := failed.Load(); err != nil {
		return *err
	}
	return nil
}

// transfers counts the files a plan copies and their bytes.
func transfers(plan []step) (files int, bytes int64) {
	for _, p := range plan {
		switch p.op {
		case Upload:
			files, bytes = files+1, bytes+p.st.local.Size
		case Download:
			files, bytes = files+1, bytes+p.st.remote.Size
		case Conflict:
			files, bytes = files+1, bytes+p.st.local.Size+p.st.remote.Size
		}
	}
	return files, bytes
}

func count(sum *Summary, op Op) {
	switch op {
	case Upload:
		sum.Uploaded++
	case Download:
		sum.Downloaded++
	case Move, MoveLocal:
		sum.Moved++
	case DeleteLocal:
		sum.DeletedLocal++
	case DeleteRemote:
		sum.DeletedRemote++
	case Conflict:
		sum.Conflicts++
	case Held:
		sum.Held++
	case Agree, Forget:
		sum.Agreed++
	}
}

// scan lists both sides and joins them with the base, excluded paths left
// out, sorted by path.
func (s *Syncer) scan(ctx context.Context, base *Base, filter *Filter) ([]*state, []error, error) {
	local, lprob, err := s.Local.List(ctx)
	if err != nil {
		return nil, lprob, err
	}
	remote, rprob, err := s.Remote.List(ctx)
	problems := append(lprob, rprob...)
	if err != nil {
		return nil, problems, err
	}
	byPath := map[string]*state{}
	get := func(p string) *state {
		st, ok := byPath[p]
		if !ok {
			st = &state{path: p}
			st.agreed, st.hasBase = base.Files[p]
			byPath[p] = st
		}
		return st
	}
	for i := range local {
		p := local[i].Path
		if filter.Excluded(p) {
			continue
		}
		if err := s.Remote.Accepts(p); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", events.DisplayPath(p), err))
			continue
		}
		get(p).local = &local[i]
	}
	for i := range remote {
		if !filter.Excluded(remote[i].Path) {
			get(remote[i].Path).remote = &remote[i]
		}
	}
	for p := range base.Files {
		if !filter.Excluded(p) {
			get(p)
		}
	}
	out := make([]*state, 0, len(byPath))
	for _, p := range slices.Sorted(maps.Keys(byPath)) {
		out = append(out, byPath[p])
	}
	return out, problems, nil
}

// scanPaths describes paths, and the base's paths below each of them,
// on both sides, excluded paths left out, sorted by path.
func (s *Syncer) scanPaths(ctx context.Context, base *Base, filter *Filter, paths []string) ([]*state, []error, error) {
	known := slices.Sorted(maps.Keys(base.Files))
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
		i, _ := slices.BinarySearch(known, p+"/")
		for ; i < len(known) && strings.HasPrefix(known[i], p+"/"); i++ {
			want[known[i]] = true
		}
	}
	var out []*state
	var problems []error
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if ctx.Err() != nil {
			return nil, problems, ctx.Err()
		}
		if filter.Excluded(p) {
			continue
		}
		st := &state{path: p}
		st.agreed, st.hasBase = base.Files[p]
		var err error
		if st.local, err = describe(ctx, s.Local, p); err == nil && st.local != nil {
			err = s.Remote.Accepts(p)
		}
		if err == nil {
			st.remote, err = describe(ctx, s.Remote, p)
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", events.DisplayPath(p), err))
			continue
		}
		if st.local != nil || st.remote != nil || st.hasBase {
			out = append(out, st)
		}
	}
	return out, problems, nil
}

// describe is t's file at p with its hash, nil when there is none (or it
// is not a regular file, which a listing skips too).
func describe(ctx context.Context, t Tree, p string) (*Entry, error) {
	e, err := t.Hash(ctx, p)
	switch {
	case err == nil:
		return &e, nil
	case isNotFound(err) || errors.Is(err, drive.ErrNotFile):
		return nil, nil
	}
	return nil, err
}

// decide fills in the hashes a decision needs and decides.
func (s *Syncer) decide(ctx context.Context, st *state) (Op, error) {
	if err := s.fillHash(ctx, s.Local, st.local, st.hasBase, st.agreed, st.agreed.LocalMTime, st.agreed.MD5); err != nil {
		return None, err
	}
	if err := s.fillHash(ctx, s.Remote, st.remote, st.hasBase, st.agreed, st.agreed.RemoteMTime, st.agreed.RemoteHash); err != nil {
		return None, err
	}
	local := side(st.local, st.hasBase, st.agreed.MD5)
	remote := side(st.remote, st.hasBase, st.agreed.RemoteHash)
	same := false
	if st.local != nil && st.remote != nil {
		same = st.local.Hash == st.remote.Hash || local == Unchanged && remote == Unchanged
		if !same && !isMD5(st.remote.Hash) && st.local.Size == st.remote.Size {
			// A multipart ETag says nothing of the content: compare MD5s.
			data, _, err := s.Remote.Read(ctx, st.path)
			if err != nil {
				return None, err
			}
			same = md5hex(data) == st.local.Hash
		}
	}
	return Decide(s.Opt.Mode, st.hasBase, local, remote, same), nil
}

// racyWindow: a file whose mtime is this close to when its base entry was
// recorded may have been written again within the same mtime tick, so it
// is hashed (git's "racily clean" rule).
const racyWindow = 2000 // ms

// fillHash gives e its hash: the base's when size and mtime are the base's
// (the quick check), computed otherwise.
func (s *Syncer) fillHash(ctx context.Context, t Tree, e *Entry, hasBase bool, ag Agreed, mtime int64, hash string) error {
	if e == nil || e.Hash != "" {
		return nil
	}
	if hasBase && e.Size == ag.Size && e.MTime == mtime && mtime < ag.At-racyWindow {
		e.Hash = hash
		return nil
	}
	h, err := t.Hash(ctx, e.Path)
	if err != nil {
		return err
	}
	*e = h
	return nil
}

func side(e *Entry, hasBase bool, hash string) Side {
	switch {
	case e == nil:
		return Absent
	case hasBase && e.Hash == hash:
		return Unchanged
	}
	return Changed
}

func isMD5(etag string) bool {
	if len(etag) != 32 {
		return false
	}
	_, err := hex.DecodeString(etag)
	return err == nil
}

func md5hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// apply does a step and updates base.
func (s *Syncer) apply(ctx context.Context, base *Base, p step) Action {
	st, op, a := p.st, p.op, p.action()
	var err error
	switch op {
	case Move:
		err = s.move(ctx, base, s.Remote, p.from, st)
	case MoveLocal:
		err = s.move(ctx, base, s.Local, p.from, st)
	case Upload:
		a.Bytes, err = s.copyUp(ctx, base, st.path, st.remote)
	case Download:
		if err = s.stillLocal(ctx, st); err == nil {
			a.Bytes, err = s.copyDown(ctx, base, st.path)
		}
	case DeleteLocal:
		if err = s.stillLocal(ctx, st); err == nil {
			err = s.Local.Delete(ctx, st.path)
		}
		if err == nil || isNotFound(err) {
			base.forget(st.path)
			err = nil
		}
	case DeleteRemote:
		err = s.deleteRemote(ctx, st)
		if err == nil || isNotFound(err) {
			base.forget(st.path)
			err = nil
		}
	case Conflict:
		a.To, a.Bytes, err = s.conflict(ctx, base, st)
	case Agree:
		base.set(st.path, Agreed{MD5: st.local.Hash, Size: st.local.Size, LocalMTime: st.local.MTime,
			RemoteHash: st.remote.Hash, RemoteMTime: st.remote.MTime, At: time.Now().UnixMilli()})
	case Forget:
		base.forget(st.path)
	}
	if err != nil {
		a.Err = fmt.Errorf("%s %s: %w", op, events.DisplayPath(st.path), err)
	}
	return a
}

// errMoved: LOCAL changed between the listing and the action; the next
// pass decides again.
var errMoved = errors.New("changed locally during the pass; left for the next pass")

// stillLocal checks that LOCAL's file is what the decision saw before it is
// overwritten or deleted.
func (s *Syncer) stillLocal(ctx context.Context, st *state) error {
	if st.local == nil {
		return nil
	}
	now, err := s.Local.Hash(ctx, st.path)
	if err != nil {
		if isNotFound(err) {
			return errMoved
		}
		return err
	}
	if now.Hash != st.local.Hash {
		return errMoved
	}
	return nil
}

// readTries bounds the reads of a file that keeps changing while read.
const readTries = 3

// readSteady reads LOCAL's path until a read is not overlapped by a write
// (size and mtime the same after the read as before it), so a file saved
// while it was read is never stored half-written.
func (s *Syncer) readSteady(ctx context.Context, path string) ([]byte, Entry, error) {
	for try := 0; try < readTries; try++ {
		data, le, err := s.Local.Read(ctx, path)
		if err != nil {
			return nil, Entry{}, err
		}
		after, err := s.Local.Hash(ctx, path)
		if err != nil {
			return nil, Entry{}, err
		}
		if after.Size == le.Size && after.MTime == le.MTime && after.Hash == md5hex(data) {
			return data, le, nil
		}
	}
	return nil, Entry{}, fmt.Errorf("it changed while being read, %d times; left for the next pass", readTries)
}

// again decides a path once more after REMOTE changed under an action
// (a guarded write or delete refused): a concurrent remote edit of a file
// changed locally becomes a conflict instead of being overwritten.
func (s *Syncer) again(ctx context.Context, base *Base, st *state) Action {
	remote, err := describe(ctx, s.Remote, st.path)
	if err != nil {
		return Action{Path: st.path, Err: err}
	}
	st.remote = remote
	op, err := s.decide(ctx, st)
	if err != nil {
		return Action{Path: st.path, Err: err}
	}
	if op == None {
		return Action{Op: Agree, Path: st.path}
	}
	return s.apply(ctx, base, step{st: st, op: op})
}

// copyUp uploads LOCAL's path over REMOTE's, which must still be was
// (nil: absent), and records it in the base.
func (s *Syncer) copyUp(ctx context.Context, base *Base, path string, was *Entry) (int64, error) {
	data, le, err := s.readSteady(ctx, path)
	if err != nil {
		return 0, err
	}
	re, err := s.writeRemote(ctx, path, data, was)
	if err != nil {
		return 0, err
	}
	base.set(path, agreedOn(data, le, re))
	return int64(len(data)), nil
}

// writeRemote writes REMOTE's path only while it is was (nil: absent)
// when REMOTE can guard its writes.
func (s *Syncer) writeRemote(ctx context.Context, path string, data []byte, was *Entry) (Entry, error) {
	if g, ok := s.Remote.(guarded); ok {
		return g.WriteIf(ctx, path, data, was)
	}
	return s.Remote.Write(ctx, path, data)
}

// deleteRemote deletes REMOTE's path, guarded like writeRemote.
func (s *Syncer) deleteRemote(ctx context.Context, st *state) error {
	if g, ok := s.Remote.(guarded); ok {
		return g.DeleteIf(ctx, st.path, st.remote)
	}
	return s.Remote.Delete(ctx, st.path)
}

// copyDown downloads REMOTE's path over LOCAL's (temporary file and
// rename) and records it in the base.
func (s *Syncer) copyDown(ctx context.Context, base *Base, path string) (int64, error) {
	data, re, err := s.Remote.Read(ctx, path)
	if err != nil {
		return 0, err
	}
	le, err := s.Local.Write(ctx, path, data)
	if err != nil {
		return 0, err
	}
	base.set(path, agreedOn(data, le, re))
	return int64(len(data)), nil
}

// conflict keeps REMOTE's version at the path and LOCAL's edit as a
// conflict copy on both sides. The copy is made before the path is
// overwritten, so a pass killed in between loses nothing.
func (s *Syncer) conflict(ctx context.Context, base *Base, st *state) (string, int64, error) {
	if err := s.stillLocal(ctx, st); err != nil {
		return "", 0, err
	}
	data, _, err := s.Local.Read(ctx, st.path)
	if err != nil {
		return "", 0, err
	}
	if md5hex(data) != st.local.Hash {
		return "", 0, errMoved
	}
	to := ConflictName(st.path, s.Opt.Host, s.now())
	le, err := s.Local.Write(ctx, to, data)
	if err != nil {
		return "", 0, fmt.Errorf("saving the local edit as %s: %w", events.DisplayPath(to), err)
	}
	re, err := s.writeRemote(ctx, to, data, nil)
	if err != nil {
		return "", 0, fmt.Errorf("uploading the local edit as %s: %w", events.DisplayPath(to), err)
	}
	base.set(to, agreedOn(data, le, re))
	n, err := s.copyDown(ctx, base, st.path)
	return to, int64(len(data)) + n, err
}

func (s *Syncer) now() time.Time {
	if s.Opt.Now != nil {
		return s.Opt.Now()
	}
	return time.Now()
}

// ConflictName is where a conflict keeps the local edit of path: after the
// extension on purpose, so the copy is never compiled, indexed or served
// as the original kind of file.
func ConflictName(path, host string, t time.Time) string {
	return path + ".conflict-" + host + "-" + t.UTC().Format("20060102-150405")
}

// agreedOn is the base entry for data, now stored as le and re.
func agreedOn(data []byte, le, re Entry) Agreed {
	return Agreed{MD5: md5hex(data), Size: int64(len(data)), LocalMTime: le.MTime,
		RemoteHash: re.Hash, RemoteMTime: re.MTime, At: time.Now().UnixMilli()}
}

// step is a planned operation; from is the path a move renames.
type step struct {
	st   *state
	op   Op
	from *state
}

func (p step) action() Action {
	a := Action{Op: p.op, Path: p.st.path}
	if p.from != nil {
		a.From = p.from.path
	}
	return a
}

// pairMoves turns a delete and a new file with the delete's content on the
// other side into a rename there: a local rename becomes a Move on
// REMOTE, a remote one a MoveLocal. The delete's step becomes None.
func pairMoves(plan []step) []step {
	gone := map[Op]map[string][]int{DeleteRemote: {}, DeleteLocal: {}} // by base MD5
	for i, p := range plan {
		if m := gone[p.op]; m != nil && p.st.hasBase && p.st.agreed.MD5 != "" {
			m[p.st.agreed.MD5] = append(m[p.st.agreed.MD5], i)
		}
	}
	for i, p := range plan {
		var from []int
		var op Op
		switch {
		case p.op == Upload && !p.st.hasBase && p.st.remote == nil:
			from, op = gone[DeleteRemote][p.st.local.Hash], Move
			gone[DeleteRemote][p.st.local.Hash] = popFirst(from)
		case p.op == Download && !p.st.hasBase && p.st.local == nil && isMD5(p.st.remote.Hash):
			from, op = gone[DeleteLocal][p.st.remote.Hash], MoveLocal
			gone[DeleteLocal][p.st.remote.Hash] = popFirst(from)
		}
		if len(from) == 0 {
			continue
		}
		src := plan[from[0]]
		// The old path must still be the agreed version on the side
		// that moves it.
		if op == Move && (src.st.remote == nil || src.st.remote.Hash != src.st.agreed.RemoteHash) ||
			op == MoveLocal && (src.st.local == nil || src.st.local.Hash != src.st.agreed.MD5) {
			continue
		}
		plan[i] = step{p.st, op, src.st}
		plan[from[0]].op = None
	}
	return plan
}

func popFirst(s []int) []int {
	if len(s) == 0 {
		return s
	}
	return s[1:]
}

// move renames from to st.path on side t (REMOTE for a Move, LOCAL for a
// MoveLocal) and moves the base entry along.
func (s *Syncer) move(ctx context.Context, base *Base, t Tree, from *state, st *state) error {
	if t == s.Local {
		if err := s.stillLocal(ctx, from); err != nil {
			return err
		}
	}
	moved, err := t.Move(ctx, from.path, st.path)
	if err != nil {
		return err
	}
	ag := from.agreed
	ag.At = time.Now().UnixMilli()
	if t == s.Remote {
		ag.LocalMTime, ag.RemoteHash, ag.RemoteMTime = st.local.MTime, moved.Hash, moved.MTime
	} else {
		ag.LocalMTime, ag.RemoteHash, ag.RemoteMTime = moved.MTime, st.remote.Hash, st.remote.MTime
	}
	base.forget(from.path)
	base.set(st.path, ag)
	return nil
}

// keepErrors wraps report to keep the first maxLastErrors errors in errs.
func keepErrors(report func(Action), errs *[]string) func(Action) {
	return func(a Action) {
		if a.Err != nil && len(*errs) < maxLastErrors {
			*errs = append(*errs, a.Err.Error())
		}
		report(a)
	}
}

// withIgnoreFile adds LOCAL's IgnoreFile, when there is one, to f.
func withIgnoreFile(ctx context.Context, local Tree, f *Filter) (*Filter, error) {
	data, _, err := local.Read(ctx, IgnoreFile)
	switch {
	case isNotFound(err):
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("reading %s: %w", IgnoreFile, err)
	}
	return f.WithIgnore(data), nil
}
