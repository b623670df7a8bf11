package botsync

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
)

// PairStatus is what `drivemon sync status` says of one REMOTE of a LOCAL.
type PairStatus struct {
	Remote string
	Last   LastPass
	// Pending are LOCAL's changes since the last pass (Upload or
	// DeleteRemote in two-way terms); REMOTE's are seen by the next pass.
	Pending []Action
}

// Status reads every base under LOCAL/.drivemon and compares LOCAL with
// it, without contacting REMOTE.
func Status(ctx context.Context, local *DirTree) ([]PairStatus, error) {
	files, err := filepath.Glob(filepath.Join(local.Root(), StateDir, "sync-*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []PairStatus
	for _, file := range files {
		base, err := LoadBase(file, "")
		if err != nil {
			return nil, err
		}
		globs := base.Last.Excludes // every glob the last pass used
		if len(globs) == 0 {
			globs = DefaultExcludes
		}
		filter, err := NewFilter(globs)
		if err != nil {
			return nil, fmt.Errorf("%s: excludes: %w", file, err)
		}
		if filter, err = withIgnoreFile(ctx, local, filter); err != nil {
			return nil, err
		}
		pending, err := localChanges(ctx, local, base, filter)
		if err != nil {
			return nil, err
		}
		out = append(out, PairStatus{Remote: base.Remote, Last: base.Last, Pending: pending})
	}
	return out, nil
}

// localChanges lists LOCAL's paths that differ from the base.
func localChanges(ctx context.Context, local *DirTree, base *Base, filter *Filter) ([]Action, error) {
	s := &Syncer{Local: local, Opt: Options{Filter: filter}}
	files, _, err := local.List(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Action
	for i := range files {
		e := &files[i]
		if filter.Excluded(e.Path) {
			continue
		}
		seen[e.Path] = true
		ag, ok := base.Files[e.Path]
		if err := s.fillHash(ctx, local, e, ok, ag, ag.LocalMTime, ag.MD5); err != nil {
			return nil, err
		}
		if !ok || e.Hash != ag.MD5 {
			out = append(out, Action{Op: Upload, Path: e.Path})
		}
	}
	for p := range base.Files {
		if !seen[p] && !filter.Excluded(p) {
			out = append(out, Action{Op: DeleteRemote, Path: p})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
