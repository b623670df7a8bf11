package indexer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
)

// TestIntegrationKBSyncReadsNoConfig is the done-when of issue 16: a KB
// sync through the consumer reads the document from storage and never a
// config.csv, though one lies where the governing rule would look; the
// settings it applies (kb-language) come from the settings bucket, and a
// replica started after they were published gets them too.
func TestIntegrationKBSyncReadsNoConfig(t *testing.T) {
	f := newFixture(t, nil)
	const bot, path = "harbor", "marketing.gbkb/ops/valves.md"
	// Storage holds English settings; the bucket Portuguese ones.
	f.reader.put(bot, "marketing.gbot/config.csv", []byte("kb-language,en\n"))
	f.reader.put(bot, "harbor.gbot/config.csv", []byte("kb-language,en\n"))
	f.settings(t, f.svc, bot, "marketing.gbot/config.csv", "name,value\nkb-language,pt\n")
	f.reader.put(bot, path, []byte("# Valves\n\nPenalties for late inspection of relief valves.\n"))

	late := f.replica(t, "late", nil) // its view starts now, after the publish
	outs := collectOutcomes(t, f.js, bot)
	run(t, late)
	f.publish(t, bot, events.OpCreated, path)
	waitFor(t, "the document indexed", 30*time.Second, func() bool {
		_, ok := outs.last(path, events.StatusOK)
		return ok
	})

	reads := f.reader.readsOf(func(k string) bool { return true })
	if reads[events.Key(bot, path)] == 0 {
		t.Fatalf("the document was never read: %v", reads)
	}
	for k, n := range reads {
		if strings.HasSuffix(k, "/config.csv") {
			t.Errorf("%s read %d times during the sync", k, n)
		}
	}
	// Portuguese stems, so the bucket's settings applied: English cuts
	// "inspection" to "inspect", Portuguese leaves it whole.
	stats, err := f.index.LexicalStats(context.Background(), collectionOf(bot, path))
	if err != nil {
		t.Fatal(err)
	}
	if stats.DF["inspection"] == 0 || stats.DF["inspect"] != 0 {
		t.Fatalf("terms are not Portuguese: inspection %d, inspect %d", stats.DF["inspection"], stats.DF["inspect"])
	}
}

// TestIntegrationSyncAwaitsSettings: a document changed right after its
// bot's config.csv waits for the compiler to publish that version, then is
// indexed with it; a version never published fails the sync (retried).
func TestIntegrationSyncAwaitsSettings(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.LeaseWait = 5 * time.Second })
	ctx := context.Background()
	const bot, path, cfgPath = "harbor", "harbor.gbkb/ops/valves.md", "harbor.gbot/config.csv"
	f.reader.put(bot, cfgPath, []byte("kb-language,pt\n"))
	f.publish(t, bot, events.OpCreated, cfgPath) // the detector saw it
	f.reader.put(bot, path, []byte("# Valves\n\nPenalties for late inspection of relief valves.\n"))
	cfgSeq := lastSeq(t, f, bot, cfgPath)

	published := make(chan struct{})
	go func() {
		defer close(published)
		time.Sleep(300 * time.Millisecond) // the compiler is busy
		f.seq = cfgSeq - 1
		f.settings(t, f.svc, bot, cfgPath, "kb-language,pt\n")
	}()
	start := time.Now()
	if _, err := f.svc.Sync(ctx, bot, path, cfgSeq+1); err != nil {
		t.Fatal(err)
	}
	<-published
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("the sync did not wait for the settings (%s)", waited)
	}
	stats, err := f.index.LexicalStats(ctx, collectionOf(bot, path))
	if err != nil {
		t.Fatal(err)
	}
	if stats.DF["inspection"] == 0 || stats.DF["inspect"] != 0 {
		t.Fatalf("indexed without the settings: inspection %d, inspect %d", stats.DF["inspection"], stats.DF["inspect"])
	}

	// A version the compiler never publishes (the compiler is down): after
	// LeaseWait the sync goes on with the settings in force (none were
	// published: the defaults, English stems) rather than stopping.
	g := newFixture(t, func(c *Config) { c.LeaseWait = 200 * time.Millisecond })
	g.reader.put(bot, cfgPath, []byte("kb-language,pt\n"))
	g.publish(t, bot, events.OpCreated, cfgPath)
	g.reader.put(bot, path, []byte("# Valves\n\nPenalties for late inspection of relief valves.\n"))
	start = time.Now()
	if _, err := g.svc.Sync(ctx, bot, path, lastSeq(t, g, bot, cfgPath)+1); err != nil {
		t.Fatalf("Sync with settings never published = %v, want the settings in force used", err)
	}
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Fatalf("the sync did not wait LeaseWait for the settings (%s)", waited)
	}
	stats, err = g.index.LexicalStats(ctx, collectionOf(bot, path))
	if err != nil {
		t.Fatal(err)
	}
	if stats.DF["inspect"] == 0 {
		t.Fatalf("not indexed with the settings in force (English): %v", stats.DF)
	}
}

// lastSeq is the DRIVE sequence of the last change of bot's path.
func lastSeq(t *testing.T, f *fixture, bot, path string) uint64 {
	t.Helper()
	s, err := f.js.Stream(context.Background(), events.StreamDrive)
	if err != nil {
		t.Fatal(err)
	}
	c := events.Change{Bot: bot, Kind: events.Classify(path).Kind, Path: path}
	m, err := s.GetLastMsgForSubject(context.Background(), events.ChangeSubject(&c))
	if err != nil {
		t.Fatal(err)
	}
	return m.Sequence
}

// TestIntegrationSettingsChangeResyncs: a document indexed before its
// bot's settings were published (its change came first) is indexed again
// with them when they arrive, with an outcome, without changing itself.
func TestIntegrationSettingsChangeResyncs(t *testing.T) {
	f := newFixture(t, nil)
	const bot, path = "harbor", "harbor.gbkb/ops/valves.md"
	outs := collectOutcomes(t, f.js, bot)
	run(t, f.svc)
	f.reader.put(bot, path, []byte("# Valves\n\nPenalties for late inspection of relief valves.\n"))
	f.publish(t, bot, events.OpCreated, path)
	waitFor(t, "the document indexed", 30*time.Second, func() bool { return outs.len() == 1 })
	english := func() bool {
		stats, err := f.index.LexicalStats(context.Background(), collectionOf(bot, path))
		return err == nil && stats.DF["inspect"] > 0 && stats.DF["inspection"] == 0
	}
	if !english() {
		t.Fatal("not indexed in English at first")
	}
	f.settings(t, f.svc, bot, "harbor.gbot/config.csv", "kb-language,pt\n")
	waitFor(t, "the re-sync's outcome", 30*time.Second, func() bool { return outs.len() == 2 })
	if o, ok := outs.last(path, events.StatusOK); !ok || o.ChunksEmbedded == nil {
		t.Fatalf("re-sync outcome %+v", o)
	}
	stats, err := f.index.LexicalStats(context.Background(), collectionOf(bot, path))
	if err != nil || stats.DF["inspection"] == 0 || stats.DF["inspect"] != 0 {
		t.Fatalf("not re-indexed in Portuguese: %+v, %v", stats.DF, err)
	}
	// Settings that do not change the setup (a theme key) re-sync nothing.
	f.settings(t, f.svc, bot, "harbor.gbot/config.csv", "kb-language,pt\ntheme-color1,red\n")
	time.Sleep(500 * time.Millisecond)
	if n := outs.len(); n != 2 {
		t.Fatalf("%d outcomes after a theme change, want 2", n)
	}
}
