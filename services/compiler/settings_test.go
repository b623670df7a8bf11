package compiler

import (
	"context"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

func (u *unit) published(t *testing.T, bot, path string) (botpkg.Settings, bool) {
	t.Helper()
	kv, err := bus.EnsureSettings(context.Background(), u.js)
	if err != nil {
		t.Fatal(err)
	}
	s, ok, err := bus.GetSettings(context.Background(), kv, bot, path)
	if err != nil {
		t.Fatal(err)
	}
	return s, ok
}

// A good config.csv is published with the sequence of its change; a bad
// one leaves the good one in force and says so on the outcome; a removed
// one is withdrawn; the start scan publishes what the store holds.
func TestSettingsPublished(t *testing.T) {
	u := newUnit(t, Config{})
	good := u.mustRun(t, u.files.write(t, "harbor", configPath, "theme-color1,#0a7\nembedding-url,http://e/v1\nembedding-key,sk-1\nkb-language,pt\nsmtp-password,hunter2\n"))
	s, ok := u.published(t, "harbor", configPath)
	if !ok || s.Seq != u.seq || s.ETag != good.ETag || s.Theme[botpkg.ThemeColor1] != "#0a7" || s.Embedding.URL != "http://e/v1" || s.Embedding.Key != "sk-1" || s.KBLanguage != "pt" {
		t.Fatalf("published %+v, %v", s, ok)
	}
	goodSeq := u.seq
	kv, _ := bus.EnsureSettings(context.Background(), u.js)
	if e, err := kv.Get(context.Background(), bus.SettingsKey("harbor", configPath)); err != nil || strings.Contains(string(e.Value()), "hunter2") {
		t.Fatalf("a secret other than the embedding key reached the bucket (%v): %s", err, e.Value())
	}

	bad := u.mustRun(t, u.files.write(t, "harbor", configPath, "theme-color1,red\nembedding-batch-tokens,lots\n"))
	// Published as seen (its sequence), with the good version's settings.
	if s, _ := u.published(t, "harbor", configPath); s.Seq != u.seq || !s.Errors || s.Kept != goodSeq || s.Theme[botpkg.ThemeColor1] != "#0a7" || s.Embedding.Key != "sk-1" {
		t.Fatalf("a bad version replaced the good one: %+v", s)
	}
	// A second bad version keeps the same good one.
	u.mustRun(t, u.files.write(t, "harbor", configPath, "theme-color1\n"))
	if s, _ := u.published(t, "harbor", configPath); s.Seq != u.seq || !s.Errors || s.Kept != goodSeq || s.Theme[botpkg.ThemeColor1] != "#0a7" {
		t.Fatalf("a second bad version: %+v", s)
	}
	var kept *events.Diagnostic
	for i, d := range bad.Diagnostics {
		if strings.Contains(d.Message, "stay in force") {
			kept = &bad.Diagnostics[i]
		}
	}
	want := "harbor/harbor.gbot/config.csv has errors (the first on line 2), so its settings are not used; the previous settings (its version at DRIVE sequence 1) stay in force"
	if kept == nil || kept.Message != want || kept.Line != 2 || kept.Severity != "warning" {
		t.Fatalf("outcome diagnostics %+v; want a warning %q", bad.Diagnostics, want)
	}

	u.mustRun(t, u.files.remove(t, "harbor", configPath))
	if s, ok := u.published(t, "harbor", configPath); ok {
		t.Fatalf("a removed config.csv is still published: %+v", s)
	}

	// The start scan: a store filled before the bucket existed (a second
	// service over the same store and a fresh NATS).
	u.mustRun(t, u.files.write(t, "other", "other.gbot/config.csv", "theme-title,Other\n"))
	u.mustRun(t, u.files.write(t, "broken", "broken.gbot/config.csv", "theme-title\n"))
	v := newUnit(t, Config{})
	svc, err := New(Config{}, Deps{JS: settingsOnly{KVEnsurer: v.js}, Storage: u.files, Store: u.store})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.publishStored(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, ok := v.published(t, "other", "other.gbot/config.csv"); !ok || s.Theme[botpkg.ThemeTitle] != "Other" || s.Seq != u.seq-1 {
		t.Fatalf("the scan published %+v, %v", s, ok)
	}
	// A stored version with errors: seen, with no settings (the bucket
	// had none to keep); a removed file: nothing.
	if s, ok := v.published(t, "broken", "broken.gbot/config.csv"); !ok || !s.Errors || s.Kept != 0 || len(s.Theme) != 0 || s.Seq != u.seq {
		t.Fatalf("the scan published %+v, %v for a config with errors", s, ok)
	}
	if s, ok := v.published(t, "harbor", configPath); ok {
		t.Fatalf("the scan published a removed config: %+v", s)
	}
}
