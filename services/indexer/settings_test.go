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
