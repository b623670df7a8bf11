package indexer

import (
	"context"
	"sync"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
)

// resyncer remembers the bots whose settings changed until Run's resync
// loop takes them.
type resyncer struct {
	mu   sync.Mutex
	bots map[string]bool
	wake chan struct{}
}

func newResyncer() *resyncer {
	return &resyncer{bots: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// changed is the settings view's onChange: bot's settings changed.
func (r *resyncer) changed(bot string) {
	r.mu.Lock()
	r.bots[bot] = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *resyncer) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.bots))
	for b := range r.bots {
		out = append(out, b)
	}
	clear(r.bots)
	return out
}

// resyncLoop re-syncs, after a change of a bot's settings (and, at start,
// for every bot with settings, in case they changed while it was down),
// the indexed documents whose recorded setup (embedder and analyzer) is
// not the one the settings now give: a document indexed before the
// settings of its config.csv were published (its change reached DRIVE
// first) gets them without changing itself. Each re-sync publishes its
// outcome. A failed document waits for its next change, as before.
func (s *Service) resyncLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.resync.wake:
		}
		for _, bot := range s.resync.take() {
			s.resyncBot(ctx, bot)
		}
	}
}

func (s *Service) resyncBot(ctx context.Context, bot string) {
	st, err := s.state(ctx)
	if err != nil {
		s.log.Warn("re-syncing after a settings change", "bot", bot, "err", err)
		return
	}
	docs, err := st.list(ctx, bot)
	if err != nil {
		s.log.Warn("re-syncing after a settings change", "bot", bot, "err", err)
		return
	}
	for _, d := range docs {
		if d.Status != StatusIndexed {
			continue
		}
		if setup, err := s.setupFor(ctx, bot, d.Path); err == nil && setup.id() == d.Embedder {
			continue
		}
		c := events.Change{V: events.Version, Bot: bot, Kind: events.KindKB, Op: events.OpUpdated, Path: d.Path, KB: d.KB}
		start := time.Now()
		res, err := s.Sync(ctx, bot, d.Path, 0)
		s.logSync(&c, d.Path, start, res, err)
		o := s.outcome(&c, d.Path, res, err)
		o.Attempt, o.Millis = 1, time.Since(start).Milliseconds()
		_ = s.publishOutcome(ctx, &o) // logs its failure
	}
}
