package compiler

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/compiler/diag"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// settingsBucket opens the settings bucket (bus.SettingsBucket) once.
type settingsBucket struct {
	mu sync.Mutex
	kv jetstream.KeyValue
}

func (s *Service) settingsKV(ctx context.Context) (jetstream.KeyValue, error) {
	s.settings.mu.Lock()
	defer s.settings.mu.Unlock()
	if s.settings.kv != nil {
		return s.settings.kv, nil
	}
	// Bounded: a reply lost while NATS restarts must not hold the change.
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	kv, err := bus.EnsureSettings(rctx, s.js)
	if err != nil {
		return nil, err
	}
	s.settings.kv = kv
	return kv, nil
}

// publishSettings publishes the settings of a config.csv version the store
// now holds (written, or already stored by an earlier try whose publish
// failed). A version with errors does not change the settings: the last
// good version's stay in force (published again, marked, at this
// version's sequence), and a warning on the outcome says so.
func (s *Service) publishSettings(ctx context.Context, c *events.Change, path, etag string, cfg *botpkg.Config, diags []diag.Diagnostic, out *events.Outcome) error {
	kv, err := s.settingsKV(ctx)
	if err != nil {
		return err
	}
	kept, err := publishVersion(ctx, kv, c.Bot, path, c.Seq, etag, cfg, diags)
	if err != nil {
		return err
	}
	if first, bad := firstError(diags); bad {
		out.Diagnostics = append(out.Diagnostics, events.Diagnostic{Severity: string(diag.Warning), Line: first.Line, Col: first.Col,
			Message: keptMessage(c.Bot, path, first.Line, kept)})
	}
	return nil
}

// publishVersion publishes version seq of bot's config.csv at path (see
// botpkg.Settings) and returns, for a version with errors, the sequence
// of the version whose settings stay in force (0: none, the defaults).
func publishVersion(ctx context.Context, kv bus.SettingsStore, bot, path string, seq uint64, etag string, cfg *botpkg.Config, diags []diag.Diagnostic) (uint64, error) {
	st := cfg.Settings()
	if _, bad := firstError(diags); bad {
		prev, ok, err := bus.GetSettings(ctx, kv, bot, path)
		if err != nil {
			return 0, err
		}
		st = botpkg.Settings{}
		if ok {
			st, st.Kept = prev, prev.Seq
			if prev.Errors {
				st.Kept = prev.Kept
			}
		}
		st.Errors = true
	}
	st.Bot, st.Path, st.Seq, st.ETag = bot, path, seq, etag
	_, err := bus.PutSettings(ctx, kv, st)
	return st.Kept, err
}

// keptMessage says which settings stay in force while path has errors.
func keptMessage(bot, path string, line int, kept uint64) string {
	file := events.Key(bot, events.DisplayPath(path))
	if kept == 0 {
		return fmt.Sprintf("%s has errors (the first on line %d), so its settings are not used; no earlier version was without errors, so the services keep their defaults", file, line)
	}
	return fmt.Sprintf("%s has errors (the first on line %d), so its settings are not used; the previous settings (its version at DRIVE sequence %d) stay in force", file, line, kept)
}

func firstError(ds []diag.Diagnostic) (diag.Diagnostic, bool) {
	for _, d := range ds {
		if d.Severity == diag.Error {
			return d, true
		}
	}
	return diag.Diagnostic{}, false
}

// unpublishSettings writes the tombstone of a removed config.csv.
func (s *Service) unpublishSettings(ctx context.Context, c *events.Change, path string) error {
	kv, err := s.settingsKV(ctx)
	if err != nil {
		return err
	}
	_, err = bus.PutSettings(ctx, kv, botpkg.Settings{Bot: c.Bot, Path: path, Seq: c.Seq, Deleted: true})
	return err
}

// publishStored is the start scan: it publishes every config.csv version
// in the store, so a bucket that is new (an upgrade) or was lost is
// filled without waiting for the files to change. Versions the bucket
// already holds are left alone (PutSettings compares sequences); a stored
// version with errors keeps what the bucket has, as when it was compiled.
func (s *Service) publishStored(ctx context.Context) error {
	kv, err := s.settingsKV(ctx)
	if err != nil {
		return err
	}
	bots, err := s.store.Bots(ctx)
	if err != nil {
		return fmt.Errorf("listing bots for the settings scan: %w", err)
	}
	n := 0
	for _, b := range bots {
		if b.Configs == 0 {
			continue
		}
		cfgs, err := s.store.Configs(ctx, b.Bot)
		if err != nil {
			return fmt.Errorf("listing the configs of %s: %w", b.Bot, err)
		}
		for _, sc := range cfgs {
			wrote, err := publishStoredConfig(ctx, kv, &sc)
			if err != nil {
				return err
			}
			if wrote {
				n++
			}
		}
	}
	s.log.Info("settings scan", "bots", len(bots), "published", n)
	return nil
}

func publishStoredConfig(ctx context.Context, kv bus.SettingsStore, sc *store.Config) (bool, error) {
	if cur, _, err := bus.GetSettings(ctx, kv, sc.Bot, sc.Path); err != nil || cur.Seq >= sc.Seq {
		return false, err
	}
	_, err := publishVersion(ctx, kv, sc.Bot, sc.Path, sc.Seq, sc.ETag, settingsConfig(sc.Settings), sc.Diagnostics)
	return err == nil, err
}
