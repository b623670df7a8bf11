package compiler

import (
	"context"

	"github.com/drivemon/drivemon/pkg/events"
)

// kbDocument records a KB document's change (present: created, updated,
// moved here; else deleted or moved away) in the store, and re-checks the
// scripts naming its knowledge base when that knowledge base got its first
// document or lost its last one. The storage is not read: the change says
// it all. KB changes are the indexer's to process, so the compiler's
// outcome says skipped and handle does not publish it.
func (s *Service) kbDocument(ctx context.Context, c *events.Change, path string, present bool, out *events.Outcome) error {
	kb := events.Classify(path).KB
	changed, err := s.store.KBDocument(ctx, c.Bot, path, kb, c.Seq, present)
	if err != nil {
		return storeErr(err)
	}
	out.Status = events.StatusSkipped
	if changed {
		s.recheckKBReferrers(ctx, c.Bot, kb)
	}
	return nil
}
