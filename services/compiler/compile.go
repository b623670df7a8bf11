package compiler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/worker"
	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/diag"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// process applies one change to the store and fills the outcome. A
// returned error is transient (storage or database unavailable): the
// change is retried. A file that does not compile is not an error: it is
// stored with its diagnostics.
func (s *Service) process(ctx context.Context, c *events.Change, out *events.Outcome) error {
	switch c.Op {
	case events.OpCreated, events.OpUpdated:
		return s.apply(ctx, c.Kind, c, c.Path, out)
	case events.OpDeleted:
		return s.remove(ctx, c.Kind, c, c.Path, out)
	case events.OpMoved:
		// The new path first, so a renamed tool is never missing; then
		// the old one, whatever its kind was.
		if err := s.apply(ctx, c.Kind, c, c.Path, out); err != nil {
			return err
		}
		var gone events.Outcome
		return s.remove(ctx, events.Classify(c.From).Kind, c, c.From, &gone)
	}
	out.Status = events.StatusSkipped
	return nil
}

// apply compiles and stores the current content of path.
func (s *Service) apply(ctx context.Context, kind events.Kind, c *events.Change, path string, out *events.Outcome) error {
	switch kind {
	case events.KindDialog:
		return s.compileDialog(ctx, c, path, out)
	case events.KindConfig:
		return s.compileConfig(ctx, c, path, out)
	case events.KindKB:
		return s.kbDocument(ctx, c, path, true, out)
	}
	out.Status = events.StatusSkipped
	return nil
}

// remove deletes what path produced.
func (s *Service) remove(ctx context.Context, kind events.Kind, c *events.Change, path string, out *events.Outcome) error {
	switch kind {
	case events.KindDialog:
		w, err := s.store.DeleteScript(ctx, c.Bot, path, c.Seq, time.Now())
		if err != nil {
			return storeErr(err)
		}
		out.Status = deletedStatus(w)
		if w == store.Written {
			s.recheckReferrers(ctx, c.Bot, path)
		}
		return nil
	case events.KindConfig:
		w, prev, err := s.store.DeleteConfig(ctx, c.Bot, path, c.Seq, time.Now())
		if err != nil {
			return storeErr(err)
		}
		out.Status = deletedStatus(w)
		if w == store.Written {
			out.Config = configDiff(botpkg.Diff(settingsConfig(prev), nil))
		}
		if w != store.Stale {
			return s.unpublishSettings(ctx, c, path)
		}
		return nil
	case events.KindKB:
		return s.kbDocument(ctx, c, path, false, out)
	}
	out.Status = events.StatusSkipped
	return nil
}

// read reads path, bounded by Config.MaxFileBytes and ReadTimeout. gone
// reports a file that no longer exists (or is not a file): its change is
// then applied as a delete at the change's sequence, and the later
// events for the path settle the rest.
func (s *Service) read(ctx context.Context, bot, path string) (src []byte, obj drive.Object, gone bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ReadTimeout)
	defer cancel()
	src, obj, err = s.storage.Read(ctx, bot, path, s.cfg.MaxFileBytes)
	switch {
	case errors.Is(err, drive.ErrNotFound), errors.Is(err, drive.ErrNotFile):
		return nil, obj, true, nil
	case errors.Is(err, drive.ErrTooLarge):
		return nil, obj, false, err
	case err != nil:
		return nil, obj, false, fmt.Errorf("reading %s: %w", events.Key(bot, events.DisplayPath(path)), err)
	}
	return src, obj, false, nil
}

// tooLarge is the diagnostic of a file over the size limit.
func (s *Service) tooLarge() []diag.Diagnostic {
	return []diag.Diagnostic{diag.Errorf(1, 1, "file is larger than %d bytes, the most the compiler reads; split it", s.cfg.MaxFileBytes)}
}

func (s *Service) compileDialog(ctx context.Context, c *events.Change, path string, out *events.Outcome) error {
	src, obj, gone, err := s.read(ctx, c.Bot, path)
	if gone {
		return s.remove(ctx, events.KindDialog, c, path, out)
	}
	var res analysis.Result
	switch {
	case errors.Is(err, drive.ErrTooLarge):
		res = analysis.Compile(path, nil, nil)
		res.AST, res.Diagnostics = nil, s.tooLarge()
	case err != nil:
		return err
	default:
		// Compiled once to learn what it references, then, when it
		// references anything, again with what the bot has of it.
		res = analysis.Compile(path, src, nil)
		if inv := s.inventory(ctx, c.Bot, &res.Effects); inv != nil {
			res = analysis.Compile(path, src, inv)
		}
	}
	etag := obj.ETag
	if etag == "" && src == nil {
		etag = c.ETag // not read: the event's is all there is
	}
	sc, err := store.NewScript(ctx, c.Bot, path, c.Seq, etag, src, &res, time.Now())
	switch {
	case err != nil && ctx.Err() != nil:
		return err // stopped by the handler's deadline or shutdown: retried
	case err != nil:
		return worker.Permanent(err)
	}
	w, err := s.store.PutScript(ctx, sc)
	if err != nil {
		return storeErr(err)
	}
	out.ETag = etag
	out.Status = compiledStatus(w)
	if out.Status == events.StatusOK {
		out.Diagnostics = outcomeDiags(res.Diagnostics)
		out.Error = errorSummary(res.Diagnostics)
		if res.Tool != nil {
			out.Tool = res.Tool.MCP.Name
		}
		s.recheckReferrers(ctx, c.Bot, path)
	}
	return nil
}

func (s *Service) compileConfig(ctx context.Context, c *events.Change, path string, out *events.Outcome) error {
	src, obj, gone, err := s.read(ctx, c.Bot, path)
	if gone {
		return s.remove(ctx, events.KindConfig, c, path, out)
	}
	cfg := &botpkg.Config{Entries: []botpkg.Entry{}}
	var diags []diag.Diagnostic
	switch {
	case errors.Is(err, drive.ErrTooLarge):
		diags = s.tooLarge()
	case err != nil:
		return err
	default:
		var problems []botpkg.Problem
		cfg, problems = botpkg.Validate(src)
		diags = diag.FromConfig(problems)
	}
	etag := obj.ETag
	if etag == "" && src == nil {
		etag = c.ETag
	}
	settings := make([]store.Setting, 0, len(cfg.Entries))
	for _, e := range cfg.Entries {
		settings = append(settings, store.Setting{Key: e.Key, Value: e.Value, Line: e.Line})
	}
	w, prev, err := s.store.PutConfig(ctx, &store.Config{
		Bot: c.Bot, Path: path, Seq: c.Seq, ETag: etag, ContentHash: store.ContentHash(src),
		Settings: settings, Diagnostics: diags, CompiledAt: time.Now(),
	})
	if err != nil {
		return storeErr(err)
	}
	out.ETag = etag
	out.Status = compiledStatus(w)
	if out.Status == events.StatusOK {
		out.Diagnostics = outcomeDiags(diags)
		out.Error = errorSummary(diags)
	}
	if w == store.Written {
		out.Config = configDiff(botpkg.Diff(settingsConfig(prev), cfg))
	}
	if w != store.Stale {
		return s.publishSettings(ctx, c, path, etag, cfg, diags, out)
	}
	return nil
}

// inventory is what the bot has of what eff references, for reference
// warnings: which of the named tools are its active tools (from the store,
// by name) and its knowledge bases (kbNames); nil when eff references
// nothing by name. When either cannot be read the file compiles without
// reference warnings rather than waiting: they are advice, and the next
// compile has them.
func (s *Service) inventory(ctx context.Context, bot string, eff *analysis.Effects) *analysis.Inventory {
	var tools []string
	for _, r := range eff.Tools {
		if !r.Dynamic && r.Name != "" {
			tools = append(tools, strings.TrimSuffix(strings.TrimSuffix(r.Name, ".bas"), ".BAS"))
		}
	}
	kbRefs := slices.ContainsFunc(eff.KBs, func(r analysis.Ref) bool { return !r.Dynamic && r.Name != "" })
	if len(tools) == 0 && !kbRefs {
		return nil
	}
	inv := &analysis.Inventory{Tools: []string{}, KBs: []string{}}
	if len(tools) > 0 {
		found, err := s.store.ActiveToolNames(ctx, bot, tools)
		if err != nil {
			s.log.Warn("compiling without reference checks: tools unavailable", "bot", bot, "err", err)
			return nil
		}
		inv.Tools = found
	}
	if kbRefs {
		kbs, err := s.kbNames(ctx, bot)
		if err != nil {
			s.log.Warn("compiling without reference checks: knowledge bases unavailable", "bot", bot, "err", err)
			return nil
		}
		inv.KBs = kbs
	}
	return inv
}

// kbNames returns the knowledge bases of bot from the store, which KB
// changes keep (kb.go). The first time the store does not know the bot's
// knowledge bases, they are listed once from the storage: the first folder
// of every document under <bot>.gbkb/ (events.Classify's KB). Packages
// whose KB folder is named otherwise are not seen, which only costs
// warnings.
func (s *Service) kbNames(ctx context.Context, bot string) ([]string, error) {
	names, known, err := s.store.KBNames(ctx, bot)
	if err != nil || known {
		return names, err
	}
	docs, err := s.listKBs(ctx, bot)
	if err != nil {
		return nil, err
	}
	if err := s.store.SeedKBs(ctx, bot, docs); err != nil {
		return nil, err
	}
	names, _, err = s.store.KBNames(ctx, bot)
	return names, err
}

// listKBs lists the documents under <bot>.gbkb/ in the storage.
func (s *Service) listKBs(ctx context.Context, bot string) ([]store.KBDoc, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ReadTimeout)
	defer cancel()
	docs := []store.KBDoc{}
	for obj, err := range s.storage.List(ctx, bot, bot+".gbkb/") {
		switch {
		case errors.Is(err, drive.ErrNotFound):
			continue // no package (yet): no KBs
		case errors.Is(err, events.ErrBadPath):
			continue // a file name the system refuses: not a KB
		case err != nil:
			return nil, fmt.Errorf("listing knowledge bases of %s: %w", bot, err)
		}
		if cl := events.Classify(obj.Path); cl.Kind == events.KindKB {
			docs = append(docs, store.KBDoc{Path: obj.Path, KB: cl.KB})
		}
	}
	return docs, nil
}

// storeErr classifies a store error: an invalid write cannot succeed on a
// retry; anything else (connection lost, lock timeout) may.
func storeErr(err error) error {
	if errors.Is(err, store.ErrInvalid) {
		return worker.Permanent(err)
	}
	return err
}

func compiledStatus(w store.Write) events.Status {
	if w == store.Stale {
		return events.StatusSkipped
	}
	return events.StatusOK
}

func deletedStatus(w store.Write) events.Status {
	if w == store.Stale {
		return events.StatusSkipped
	}
	return events.StatusDeleted
}

func outcomeDiags(ds []diag.Diagnostic) []events.Diagnostic {
	out := make([]events.Diagnostic, 0, len(ds))
	for _, d := range ds {
		out = append(out, events.Diagnostic{Severity: string(d.Severity), Line: d.Line, Col: d.Col, Message: d.Message})
	}
	return out
}

// errorSummary says that a file compiled with errors ("" without):
// `2 errors, the first at 3:5: …`. The outcome stays ok (the result is
// stored), its error field says the file is not right.
func errorSummary(ds []diag.Diagnostic) string {
	n, first := 0, diag.Diagnostic{}
	for _, d := range ds {
		if d.Severity == diag.Error {
			if n == 0 {
				first = d
			}
			n++
		}
	}
	switch n {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("1 error, at %s", first)
	}
	return fmt.Sprintf("%d errors, the first at %s", n, first)
}

func settingsConfig(settings []store.Setting) *botpkg.Config {
	cfg := &botpkg.Config{Entries: make([]botpkg.Entry, 0, len(settings))}
	for _, st := range settings {
		cfg.Entries = append(cfg.Entries, botpkg.Entry{Key: st.Key, Value: st.Value, Line: st.Line})
	}
	return cfg
}

// configDiff is the outcome form of a config diff; nil when nothing
// changed.
func configDiff(ch botpkg.Changes) *events.ConfigDiff {
	if ch.Empty() {
		return nil
	}
	d := &events.ConfigDiff{}
	if len(ch.Added) > 0 {
		d.Added = map[string]string{}
		for _, e := range ch.Added {
			d.Added[e.Key] = e.Value
		}
	}
	if len(ch.Changed) > 0 {
		d.Changed = map[string]string{}
		for _, c := range ch.Changed {
			d.Changed[c.Key] = c.New
		}
	}
	for _, e := range ch.Removed {
		d.Removed = append(d.Removed, e.Key)
	}
	return d
}
