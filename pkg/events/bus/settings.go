package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/events"
)

// SettingsBucket is the KV bucket of published settings: one key per
// config.csv (SettingsKey), its value the JSON of a botpkg.Settings. The
// compiler writes it; the themer and the indexer watch it.
const SettingsBucket = "SETTINGS"

// SettingsKey is the key of the settings of bot's config.csv at path.
func SettingsKey(bot, path string) string { return bot + "." + events.PathToken(path) }

// EnsureSettings creates or opens the settings bucket (file storage, the
// latest value of each key kept without age limit).
func EnsureSettings(ctx context.Context, js KVEnsurer) (jetstream.KeyValue, error) {
	return EnsureKeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:      SettingsBucket,
		Description: "settings of every config.csv, as the compiler published them",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
}

// SettingsStore is the part of jetstream.KeyValue publishing settings needs.
type SettingsStore interface {
	Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error)
	Create(ctx context.Context, key string, value []byte, opts ...jetstream.KVCreateOpt) (uint64, error)
	Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error)
}

// GetSettings returns the settings published for bot's config.csv at path;
// ok is false when none are (never published, or a tombstone).
func GetSettings(ctx context.Context, kv SettingsStore, bot, path string) (s botpkg.Settings, ok bool, err error) {
	s, _, err = getSettings(ctx, kv, SettingsKey(bot, path))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return botpkg.Settings{}, false, nil
	}
	if err != nil {
		return botpkg.Settings{}, false, fmt.Errorf("reading the settings of %s: %w", events.Key(bot, events.DisplayPath(path)), err)
	}
	return s, !s.Deleted, nil
}

func getSettings(ctx context.Context, kv SettingsStore, key string) (botpkg.Settings, uint64, error) {
	e, err := kv.Get(ctx, key)
	if err != nil {
		return botpkg.Settings{}, 0, err
	}
	var s botpkg.Settings
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return botpkg.Settings{}, e.Revision(), fmt.Errorf("decoding %s: %w", key, err)
	}
	return s, e.Revision(), nil
}

// PutSettings publishes s (a version of s.Bot's config.csv at s.Path, or
// its tombstone when s.Deleted) unless the bucket already holds that
// version or a later one (by s.Seq), and reports whether it wrote. Writes
// are compare-and-set on the revision read, so two compiler replicas
// publishing different versions at once leave the later one.
func PutSettings(ctx context.Context, kv SettingsStore, s botpkg.Settings) (bool, error) {
	key := SettingsKey(s.Bot, s.Path)
	data, err := json.Marshal(s)
	if err != nil {
		return false, fmt.Errorf("encoding the settings of %s: %w", events.Key(s.Bot, events.DisplayPath(s.Path)), err)
	}
	for range 5 {
		cur, rev, err := getSettings(ctx, kv, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			_, err = kv.Create(ctx, key, data)
		case err != nil && rev == 0:
			return false, fmt.Errorf("publishing the settings of %s: %w", events.Key(s.Bot, events.DisplayPath(s.Path)), err)
		case err == nil && cur.Seq >= s.Seq:
			return false, nil
		default: // newer, or a value that does not decode: replaced
			_, err = kv.Update(ctx, key, data, rev)
		}
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return false, fmt.Errorf("publishing the settings of %s: %w", events.Key(s.Bot, events.DisplayPath(s.Path)), err)
		}
		// Another writer came between the read and the write: read again.
	}
	return false, fmt.Errorf("publishing the settings of %s: the key kept changing", events.Key(s.Bot, events.DisplayPath(s.Path)))
}

// SettingsView holds every bot's published settings, kept current by a
// watcher of the settings bucket. A service that starts later gets the
// current values first (Ready), then every change.
type SettingsView struct {
	mu    sync.RWMutex
	byKey map[string]botpkg.Settings
	// versions is the Seq of every key, tombstones included.
	versions map[string]uint64
	ready    chan struct{}
	err      error
	done     chan struct{}
}

// WatchSettings watches kv until ctx ends. onChange, if set, is called
// (from the watcher's goroutine, one call at a time) with the bot one of
// whose config.csv files has a new version or was removed, after the view
// holds the change: for every value the bucket held first, then for each
// change.
func WatchSettings(ctx context.Context, kv jetstream.KeyValue, onChange func(bot string)) (*SettingsView, error) {
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("watching %s: %w", SettingsBucket, err)
	}
	v := &SettingsView{byKey: map[string]botpkg.Settings{}, versions: map[string]uint64{}, ready: make(chan struct{}), done: make(chan struct{})}
	go v.run(ctx, w, onChange)
	return v, nil
}

func (v *SettingsView) run(ctx context.Context, w jetstream.KeyWatcher, onChange func(bot string)) {
	defer close(v.done)
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				v.mu.Lock()
				v.err = fmt.Errorf("watching %s: the watcher stopped", SettingsBucket)
				v.mu.Unlock()
				return
			}
			if e == nil { // the initial values are in
				close(v.ready)
				continue
			}
			if bot, changed := v.apply(e); changed && onChange != nil {
				onChange(bot)
			}
		}
	}
}

// apply records one entry and returns its bot and whether the view changed.
func (v *SettingsView) apply(e jetstream.KeyValueEntry) (string, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	old, had := v.byKey[e.Key()]
	var s botpkg.Settings
	if e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &s) != nil {
		delete(v.byKey, e.Key())
		delete(v.versions, e.Key())
		return old.Bot, had
	}
	v.versions[e.Key()] = s.Seq
	if s.Deleted {
		delete(v.byKey, e.Key())
		return s.Bot, had
	}
	v.byKey[e.Key()] = s
	return s.Bot, !had || old.Seq != s.Seq || !old.Equal(s)
}

// Ready is closed once the view holds every value the bucket had when the
// watch began.
func (v *SettingsView) Ready() <-chan struct{} { return v.ready }

// Done is closed when the watch ended (its context, or Err).
func (v *SettingsView) Done() <-chan struct{} { return v.done }

// Err says why the watch ended on its own, nil while it runs.
func (v *SettingsView) Err() error {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.err
}

// Version is the DRIVE sequence of the latest version (or removal) of
// bot's config.csv at path the view holds, 0 for none.
func (v *SettingsView) Version(bot, path string) uint64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.versions[SettingsKey(bot, path)]
}

// Governing returns the settings that apply to path in bot's package: those
// of the first of botpkg.GoverningConfigs that were published.
func (v *SettingsView) Governing(bot, path string) (botpkg.Settings, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for _, cfg := range botpkg.GoverningConfigs(bot, path) {
		if s, ok := v.byKey[SettingsKey(bot, cfg)]; ok {
			return s, true
		}
	}
	return botpkg.Settings{}, false
}

// Primary returns the settings that speak for the whole bot: those of
// botpkg.PrimaryConfig among its published config.csv files.
func (v *SettingsView) Primary(bot string) (botpkg.Settings, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	var all []botpkg.Settings
	for _, s := range v.byKey {
		if s.Bot == bot {
			all = append(all, s)
		}
	}
	slices.SortFunc(all, func(a, b botpkg.Settings) int { return strings.Compare(a.Path, b.Path) })
	paths := make([]string, len(all))
	for i, s := range all {
		paths[i] = s.Path
	}
	if i := botpkg.PrimaryConfig(bot, paths); i >= 0 {
		return all[i], true
	}
	return botpkg.Settings{}, false
}
