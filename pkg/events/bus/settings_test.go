package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

func settingsOf(t *testing.T, bot, path string, seq uint64, csv string) botpkg.Settings {
	t.Helper()
	cfg, problems := botpkg.Validate([]byte(csv))
	if botpkg.HasErrors(problems) {
		t.Fatalf("%q: %v", csv, problems)
	}
	s := cfg.Settings()
	s.Bot, s.Path, s.Seq = bot, path, seq
	return s
}

// TestIntegrationSettingsPublishAndWatch: a version is never replaced by
// an older one, a tombstone hides the settings, a view started later gets
// the current values, and the governing rule is botpkg's.
func TestIntegrationSettingsPublishAndWatch(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx := context.Background()
	kv, err := bus.EnsureSettings(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	put := func(s botpkg.Settings, want bool) {
		t.Helper()
		wrote, err := bus.PutSettings(ctx, kv, s)
		if err != nil || wrote != want {
			t.Fatalf("PutSettings(seq %d) = %v, %v; want %v", s.Seq, wrote, err, want)
		}
	}
	own := settingsOf(t, "harbor", "harbor.gbot/config.csv", 5, "theme-color1,#0a7\nembedding-url,http://e/v1\nembedding-key,sk-1\nkb-language,pt\n")
	put(own, true)
	put(own, false) // the same version again
	put(settingsOf(t, "harbor", "harbor.gbot/config.csv", 4, "theme-color1,red\n"), false)
	got, ok, err := bus.GetSettings(ctx, kv, "harbor", "harbor.gbot/config.csv")
	if err != nil || !ok || got.Theme[botpkg.ThemeColor1] != "#0a7" || got.Embedding.Key != "sk-1" || got.KBLanguage != "pt" || got.Seq != 5 {
		t.Fatalf("GetSettings = %+v, %v, %v", got, ok, err)
	}
	put(settingsOf(t, "harbor", "marketing.gbot/config.csv", 6, "kb-language,es\n"), true)
	put(botpkg.Settings{Bot: "harbor", Path: "gone.gbot/config.csv", Seq: 7, Deleted: true}, true)
	put(settingsOf(t, "harbor", "gone.gbot/config.csv", 3, "kb-language,fr\n"), false) // older than its delete

	changed := make(chan string, 16)
	vctx, cancel := context.WithCancel(ctx)
	defer cancel()
	v, err := bus.WatchSettings(vctx, kv, func(bot string) { changed <- bot })
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-v.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("the view never became ready")
	}
	for len(changed) > 0 { // the initial values are changes too
		<-changed
	}
	for _, tt := range []struct{ path, lang string }{
		{"marketing.gbkb/faq/a.md", "es"},
		{"harbor.gbkb/faq/a.md", "pt"},
		{"gone.gbkb/a.md", "pt"}, // its own config is a tombstone: the bot's governs
	} {
		if s, ok := v.Governing("harbor", tt.path); !ok || s.KBLanguage != tt.lang {
			t.Errorf("Governing(%s) = %+v, %v; want kb-language %s", tt.path, s, ok, tt.lang)
		}
	}
	if s, ok := v.Primary("harbor"); !ok || s.Path != "harbor.gbot/config.csv" {
		t.Errorf("Primary = %+v, %v", s, ok)
	}
	if _, ok := v.Primary("other"); ok {
		t.Error("a bot without settings has a primary")
	}

	// A later version reaches the view; deleting the bot's own config
	// leaves marketing's as the primary one.
	put(settingsOf(t, "harbor", "harbor.gbot/config.csv", 9, "theme-color1,#123456\n"), true)
	waitBot(t, changed, "harbor")
	if s, _ := v.Primary("harbor"); s.Theme[botpkg.ThemeColor1] != "#123456" {
		t.Fatalf("Primary after the update = %+v", s)
	}
	put(botpkg.Settings{Bot: "harbor", Path: "harbor.gbot/config.csv", Seq: 10, Deleted: true}, true)
	waitBot(t, changed, "harbor")
	if s, ok := v.Primary("harbor"); !ok || s.Path != "marketing.gbot/config.csv" {
		t.Fatalf("Primary after the delete = %+v, %v", s, ok)
	}
	if _, ok, _ := bus.GetSettings(ctx, kv, "harbor", "harbor.gbot/config.csv"); ok {
		t.Fatal("GetSettings found a deleted config")
	}
}

func waitBot(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("change of %s, want %s", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no change of %s reached the view", want)
	}
}
