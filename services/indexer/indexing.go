package indexer

import (
	"context"
	"errors"
	"fmt"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/indexer/chunk"
	"github.com/drivemon/drivemon/services/indexer/extract"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// Result is what Sync did to one document.
type Result struct {
	Status   events.Status
	ETag     string
	Total    int // chunks the document has now
	Embedded int // chunks embedded and written
	Deleted  int // points removed
	Reason   string
}

// ErrNotKB is returned by Sync for a path outside every knowledge base.
var ErrNotKB = errors.New("not a knowledge-base document")

// errPermanent marks failures retrying the same content cannot fix: a file
// over the size limits, a document whose text passes the text limit, that
// the parser refuses, or whose extraction runs out of time. The consumer
// parks them at once; the document's state records the failure against
// its ETag. New content comes as a new change (a new ETag) and is
// processed afresh. A file read in the middle of a write is no exception:
// its completed version is a new change.
var errPermanent = errors.New("permanent")

// permanentError marks err as permanent without changing its text.
type permanentError struct{ error }

func (e permanentError) Unwrap() error        { return e.error }
func (e permanentError) Is(target error) bool { return target == errPermanent }

func permanent(err error) error { return permanentError{err} }

// Sync brings the index in line with the current content of one document
// of bot: it reads the file fresh from storage, so whichever change
// triggered it, the index ends up holding the latest content. seq is the
// DRIVE sequence of the triggering change (0: unknown); a change at or
// below the last fully processed sequence is skipped. Only one replica
// syncs a document at a time (a lease in JetStream KV).
func (s *Service) Sync(ctx context.Context, bot, path string, seq uint64) (Result, error) {
	cl := events.Classify(path)
	if cl.Kind != events.KindKB {
		return Result{}, fmt.Errorf("syncing %s: %w", events.Key(bot, path), ErrNotKB)
	}
	if err := s.awaitSettings(ctx, bot, path, seq); err != nil {
		return Result{}, err
	}
	st, err := s.state(ctx)
	if err != nil {
		return Result{}, err
	}
	l, lctx, err := st.acquire(ctx, bot, path, s.cfg.LeaseWait)
	if err != nil {
		return Result{}, err
	}
	defer l.release(ctx)
	prev, err := st.get(lctx, bot, path)
	if err != nil {
		return Result{}, err
	}
	if seq != 0 && seq <= prev.Seq && prev.Status != StatusFailed {
		agrees, err := s.indexAgrees(lctx, bot, path, cl.KB, prev)
		if err != nil {
			return Result{}, err
		}
		if agrees {
			return Result{Status: events.StatusSkipped, ETag: prev.ETag, Total: prev.Chunks,
				Reason: fmt.Sprintf("change %d is already reflected (processed up to %d)", seq, prev.Seq)}, nil
		}
		// The index does not hold what the state says (a fresh or restored
		// index, a replay into an empty one): index the document afresh.
		s.log.Warn("index disagrees with the document state; re-indexing", "bot", bot, "path", events.DisplayPath(path), "etag", prev.ETag, "state_chunks", prev.Chunks)
		prev = DocState{Seq: prev.Seq}
	}
	res, next, err := s.syncSettled(lctx, bot, path, cl.KB, prev)
	if err != nil {
		if lctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("%w (the document lease was lost)", err)
		}
		failed := prev
		failed.Bot, failed.KB, failed.Path = bot, cl.KB, path
		if next.ETag != prev.ETag {
			failed.Failures = 0 // new content: a fresh count
		}
		failed.ETag, failed.Status, failed.Error = next.ETag, StatusFailed, err.Error()
		failed.Failures++
		if perr := st.put(ctx, failed); perr != nil {
			s.log.Warn("recording a failure", "bot", bot, "path", events.DisplayPath(path), "etag", failed.ETag, "err", perr)
		}
		return Result{Status: events.StatusFailed, ETag: next.ETag}, err
	}
	next.Bot, next.KB, next.Path = bot, cl.KB, path
	next.Seq = max(prev.Seq, seq)
	if err := st.put(ctx, next); err != nil {
		return res, err
	}
	return res, nil
}

// syncSettled is sync, done again (at most twice more) when the settings
// that govern path changed while it ran: a settings change handled by the
// re-sync loop (resync.go) meanwhile found the document's state not yet
// written, so this sync must pick the new settings up itself.
func (s *Service) syncSettled(ctx context.Context, bot, path, kb string, prev DocState) (Result, DocState, error) {
	for try := 0; ; try++ {
		stamp := s.settingsStamp(bot, path)
		res, next, err := s.sync(ctx, bot, path, kb, prev)
		if err != nil || try == 2 || s.settingsStamp(bot, path) == stamp {
			return res, next, err
		}
		next.Seq = prev.Seq
		prev = next
	}
}

// settingsStamp identifies the versions of the settings that may govern
// path (0 before the view exists).
func (s *Service) settingsStamp(bot, path string) uint64 {
	s.viewMu.Lock()
	view := s.view
	s.viewMu.Unlock()
	if view == nil {
		return 0
	}
	var sum uint64
	for _, cfg := range botpkg.GoverningConfigs(bot, path) {
		sum = sum*31 + view.Version(bot, cfg)
	}
	return sum
}

// indexAgrees reports whether the index holds the points prev says it
// holds for a document: its chunks when indexed, none otherwise.
func (s *Service) indexAgrees(ctx context.Context, bot, path, kb string, prev DocState) (bool, error) {
	n, err := s.index.Count(ctx, vector.Collection{Bot: bot, KB: kb}, path)
	if err != nil {
		return false, fmt.Errorf("counting points of %s: %w", events.Key(bot, events.DisplayPath(path)), err)
	}
	want := 0
	if prev.Status == StatusIndexed {
		want = prev.Chunks
	}
	return n == want, nil
}

// sync does the work of Sync under the lease. It returns the new state
// (with at least ETag set on failure).
func (s *Service) sync(ctx context.Context, bot, path, kb string, prev DocState) (Result, DocState, error) {
	col := vector.Collection{Bot: bot, KB: kb}
	data, obj, err := s.reader.Read(ctx, bot, path, s.extractor.MaxInput(path))
	switch {
	case errors.Is(err, drive.ErrNotFound):
		n, err := s.deleteDocument(ctx, col, path)
		if err != nil {
			return Result{}, DocState{}, err
		}
		return Result{Status: events.StatusDeleted, Deleted: n}, DocState{Status: StatusDeleted}, nil
	case errors.Is(err, drive.ErrTooLarge):
		return Result{}, DocState{ETag: obj.ETag}, permanent(fmt.Errorf("reading %s: %w", events.Key(bot, path), err))
	case err != nil:
		return Result{}, DocState{ETag: prev.ETag}, fmt.Errorf("reading %s: %w", events.Key(bot, path), err)
	}
	setup, err := s.setupFor(ctx, bot, path)
	if err != nil {
		return Result{}, DocState{ETag: obj.ETag}, err
	}
	if obj.ETag != "" && obj.ETag == prev.ETag && prev.Status == StatusIndexed && prev.Embedder == setup.id() {
		return Result{Status: events.StatusOK, ETag: obj.ETag, Total: prev.Chunks, Reason: "content unchanged"}, prev, nil
	}
	text, err := s.extractor.Extract(ctx, path, data)
	switch {
	case errors.Is(err, extract.ErrUnsupported):
		// Not a format we read: nothing of it may stay in the index.
		n, derr := s.deleteDocument(ctx, col, path)
		if derr != nil {
			return Result{}, DocState{ETag: obj.ETag}, derr
		}
		return Result{Status: events.StatusSkipped, ETag: obj.ETag, Deleted: n, Reason: err.Error()},
			DocState{ETag: obj.ETag, Status: StatusUnsupported, Error: err.Error()}, nil
	case errors.Is(err, extract.ErrTooLarge), errors.Is(err, extract.ErrMalformed), errors.Is(err, extract.ErrTimeout):
		return Result{}, DocState{ETag: obj.ETag}, permanent(err)
	case err != nil:
		return Result{}, DocState{ETag: obj.ETag}, err
	}
	chunks := chunk.Split(text, s.chunkOpts)
	res, err := s.apply(ctx, col, path, obj.ETag, chunks, setup, prev.Embedder)
	if err != nil {
		return Result{}, DocState{ETag: obj.ETag}, err
	}
	return res, DocState{ETag: obj.ETag, Status: StatusIndexed, Chunks: res.Total, Embedder: setup.id()}, nil
}

// apply makes the document's points match chunks: embeds and writes the
// chunks it lacks, rewrites (with their stored vectors) the chunks that only
// moved, deletes the points that vanished, then checks the count. Every
// point written carries its terms. prevSetup is the setup id the document
// was indexed with: another embedder re-embeds every chunk, another
// analyzer (without a sparse-only path) rewrites every point.
func (s *Service) apply(ctx context.Context, col vector.Collection, path, etag string, chunks []chunk.Chunk, setup kbSetup, prevSetup string) (Result, error) {
	key := events.Key(col.Bot, path)
	emb := setup.emb
	reembed := prevSetup != "" && embedderOf(prevSetup) != emb.ID()
	// Points written before terms existed, or with another language.
	reterm := prevSetup != setup.id()
	existing, err := s.index.Document(ctx, col, path)
	if err != nil {
		return Result{}, fmt.Errorf("indexing %s: %w", key, err)
	}
	have := make(map[string]vector.Point, len(existing))
	if !reembed {
		for _, p := range existing {
			have[p.ID] = p
		}
	}
	seen := map[string]int{}
	want := make(map[string]bool, len(chunks))
	var fresh, moved []vector.Point
	for _, c := range chunks {
		id := vector.PointID(col.Bot, col.KB, path, c.Hash, seen[c.Hash])
		seen[c.Hash]++
		want[id] = true
		p := vector.Point{ID: id, Payload: vector.Payload{Bot: col.Bot, KB: col.KB, Path: path, ChunkIndex: c.Index, Text: c.Text, Hash: c.Hash, ETag: etag}}
		old, ok := have[id]
		switch {
		case !ok:
			fresh = append(fresh, p)
		case old.ChunkIndex != c.Index || reterm:
			p.ETag = old.ETag // same text: still the version it was embedded for
			moved = append(moved, p)
		}
	}
	var stale []string
	for _, p := range existing {
		if !want[p.ID] { // re-embedded points are replaced by the upsert
			stale = append(stale, p.ID)
		}
	}
	for _, pts := range [][]vector.Point{fresh, moved} {
		for i := range pts {
			pts[i].Terms = setup.lex.Terms(pts[i].Text)
		}
	}
	if len(fresh) > 0 {
		texts := make([]string, len(fresh))
		for i, p := range fresh {
			texts[i] = p.Text
		}
		vecs, err := emb.Embed(ctx, texts)
		if err != nil {
			return Result{}, fmt.Errorf("indexing %s: %w", key, err)
		}
		if len(vecs) != len(fresh) {
			return Result{}, fmt.Errorf("indexing %s: embedder gave %d vectors for %d chunks", key, len(vecs), len(fresh))
		}
		for i := range fresh {
			fresh[i].Vector = vecs[i]
		}
		if err := s.ensure(ctx, col, len(vecs[0])); err != nil {
			return Result{}, fmt.Errorf("indexing %s: %w", key, err)
		}
	}
	if len(moved) > 0 {
		ids := make([]string, len(moved))
		for i, p := range moved {
			ids[i] = p.ID
		}
		vecs, err := s.index.Vectors(ctx, col, ids)
		if err != nil {
			return Result{}, fmt.Errorf("indexing %s: %w", key, err)
		}
		for i := range moved {
			moved[i].Vector = vecs[moved[i].ID]
			if moved[i].Vector == nil {
				return Result{}, fmt.Errorf("indexing %s: point %s vanished during the update", key, moved[i].ID)
			}
		}
	}
	if err := s.index.Upsert(ctx, col, append(fresh, moved...)); err != nil {
		return Result{}, fmt.Errorf("indexing %s: %w", key, err)
	}
	if len(stale) > 0 {
		if err := s.index.Delete(ctx, col, stale); err != nil {
			return Result{}, fmt.Errorf("indexing %s: %w", key, err)
		}
	}
	n, err := s.index.Count(ctx, col, path)
	if err != nil {
		return Result{}, fmt.Errorf("indexing %s: %w", key, err)
	}
	if n != len(chunks) {
		return Result{}, fmt.Errorf("indexing %s: %d points after the update, want %d", key, n, len(chunks))
	}
	return Result{Status: events.StatusOK, ETag: etag, Total: len(chunks), Embedded: len(fresh), Deleted: len(stale)}, nil
}

// ensure creates the collection, or rebuilds it when it holds vectors of
// another size (the embedder changed): sizes never mix in a collection.
// The KB's other documents are then re-indexed as their changes arrive
// (or by a re-publish); the drop is logged.
func (s *Service) ensure(ctx context.Context, col vector.Collection, dims int) error {
	err := s.index.Ensure(ctx, col, dims)
	if !errors.Is(err, vector.ErrVectorSize) {
		return err
	}
	s.log.Warn("vector size changed: dropping the collection; its documents need re-indexing",
		"bot", col.Bot, "kb", col.KB, "collection", col.Name(), "dims", dims)
	if err := s.index.Drop(ctx, col); err != nil {
		return err
	}
	return s.index.Ensure(ctx, col, dims)
}

// deleteDocument removes every point of path and checks none is left.
func (s *Service) deleteDocument(ctx context.Context, col vector.Collection, path string) (int, error) {
	key := events.Key(col.Bot, path)
	n, err := s.index.Count(ctx, col, path)
	if err != nil {
		return 0, fmt.Errorf("deleting %s: %w", key, err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := s.index.DeleteDocument(ctx, col, path); err != nil {
		return 0, fmt.Errorf("deleting %s: %w", key, err)
	}
	left, err := s.index.Count(ctx, col, path)
	if err != nil {
		return 0, fmt.Errorf("deleting %s: %w", key, err)
	}
	if left != 0 {
		return 0, fmt.Errorf("deleting %s: %d points left after the delete", key, left)
	}
	return n, nil
}
