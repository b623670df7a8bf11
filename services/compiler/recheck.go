package compiler

import (
	"context"
	"strings"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// recheckReferrers re-checks the other scripts of bot that name the tool
// the dialog at path defines (its file stem), after that dialog was
// stored or removed: the tool may just have appeared, changed state or
// gone, and their reference warnings with it. This runs on every stored
// dialog, so the references are found by name (Store.Referrers), never by
// reading all of them.
func (s *Service) recheckReferrers(ctx context.Context, bot, path string) {
	tool := analysis.ToolName(path)
	refs, err := s.store.Referrers(ctx, bot, store.RefTool, []string{tool, tool + ".bas"})
	if err != nil {
		s.log.Warn("reference recheck skipped: references unavailable", "bot", bot, "err", err)
		return
	}
	s.recheckRows(ctx, bot, path, refs)
}

// recheckKBReferrers re-checks the scripts of bot that name knowledge base
// kb, or the package's whole knowledge-base folder, after kb got its
// first document or lost its last one, or may have (the store does not
// know the bot's knowledge bases yet: then on every KB change). Only the
// bot's KB references are read (Store.References), so the cost follows
// the USE KB statements, not the bot's size.
func (s *Service) recheckKBReferrers(ctx context.Context, bot, kb string) {
	all, err := s.store.References(ctx, bot, store.RefKB)
	if err != nil {
		s.log.Warn("reference recheck skipped: references unavailable", "bot", bot, "err", err)
		return
	}
	var refs []store.RefRow
	for _, r := range all {
		if strings.EqualFold(r.Name, kb) || botpkg.FolderKind(r.Name) == botpkg.KindKB {
			refs = append(refs, r)
		}
	}
	s.recheckRows(ctx, bot, "", refs)
}

// recheckRows re-checks every script of refs but skip, once each, leaving
// out dynamic references. Each is compiled again from its stored
// version's content, its diagnostics replaced in the store
// (Store.Recheck) and an outcome published, so the API and the dashboard
// show them without the script being touched. It is advice: a failure is
// logged and the next compile of the script has it right.
func (s *Service) recheckRows(ctx context.Context, bot, skip string, refs []store.RefRow) {
	seen := map[string]bool{skip: true}
	for _, r := range refs {
		if r.Dynamic || seen[r.Path] {
			continue
		}
		seen[r.Path] = true
		if err := s.recheck(ctx, bot, r.Path); err != nil {
			s.log.Warn("reference recheck failed", "bot", bot, "path", events.DisplayPath(r.Path), "err", err)
		}
	}
}

// recheck compiles the stored version of bot/path again with what the bot
// has now and stores its diagnostics if that version is still current.
func (s *Service) recheck(ctx context.Context, bot, path string) error {
	sc, err := s.store.Script(ctx, bot, path)
	if err != nil {
		return err
	}
	src, _, gone, err := s.read(ctx, bot, path)
	if err != nil || gone || store.ContentHash(src) != sc.ContentHash {
		return err // changed or gone since: its own change will compile it
	}
	res := analysis.Compile(path, src, nil)
	if inv := s.inventory(ctx, bot, &res.Effects); inv != nil {
		res = analysis.Compile(path, src, inv)
	}
	done, err := s.store.Recheck(ctx, bot, path, sc.Seq, sc.ContentHash, res.Diagnostics)
	if err != nil || !done {
		return err
	}
	out := events.Outcome{
		Service: Name, Bot: bot, Kind: events.KindDialog, Path: path, ETag: sc.ETag,
		ChangeSeq: sc.Seq, Status: events.StatusOK, Diagnostics: outcomeDiags(res.Diagnostics),
		Error: errorSummary(res.Diagnostics),
	}
	if res.Tool != nil {
		out.Tool = res.Tool.MCP.Name
	}
	return bus.PublishOutcome(ctx, s.js, &out)
}
