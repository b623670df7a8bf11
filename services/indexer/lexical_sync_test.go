package indexer

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// TestIntegrationLexicalExactUnderChurn: differential edits (chunks moved,
// added, removed), deletes, re-creations, replays of old changes and a
// change of the bot's kb-language leave the BM25 statistics of the KB
// exactly those of a rebuild from scratch of the documents storage holds.
func TestIntegrationLexicalExactUnderChurn(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	const bot = "harbor"
	paths := make([]string, 6)
	for i := range paths {
		paths[i] = fmt.Sprintf("harbor.gbkb/ops/doc%d.md", i)
	}
	seq := uint64(0)
	sync := func(path string) {
		t.Helper()
		seq++
		if _, err := f.svc.Sync(ctx, bot, path, seq); err != nil {
			t.Fatalf("Sync %s: %v", path, err)
		}
	}
	version := func(doc, v int) string {
		return manual(6+doc, 3, func(s, p int) string {
			if (s+p+v)%4 == 0 {
				return fmt.Sprintf("Edited paragraph %d of version %d: penalties for late inspection of relief valves.", p, v)
			}
			if p == 1 {
				return "Inspections of the relief valves happen monthly." // never edited
			}
			return ""
		})
	}
	for round := range 5 {
		for i, p := range paths {
			switch {
			case (i+round)%5 == 4:
				f.reader.remove(bot, p)
			default:
				f.reader.put(bot, p, []byte(version(i, round+i%2)))
			}
			sync(p)
		}
		// A replay of an old change (at or below the recorded sequence)
		// and a second run of the same content change nothing.
		if _, err := f.svc.Sync(ctx, bot, paths[round%len(paths)], 1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Sync(ctx, bot, paths[(round+1)%len(paths)], 0); err != nil {
			t.Fatal(err)
		}
	}
	// The bot switches to Portuguese: every point gets new terms, those of
	// unchanged documents too.
	f.settings(t, f.svc, bot, "harbor.gbot/config.csv", "name,value\nkb-language,pt\n")
	for _, p := range paths {
		sync(p)
	}
	col := vector.Collection{Bot: bot, KB: events.Classify(paths[0]).KB}
	got, err := f.index.LexicalStats(ctx, col)
	if err != nil {
		t.Fatal(err)
	}
	// The rebuild: a new index and service over the same storage.
	g := newFixture(t, nil)
	g.reader = f.reader
	g.svc = g.replica(t, "rebuild", nil)
	g.settings(t, g.svc, bot, "harbor.gbot/config.csv", "name,value\nkb-language,pt\n")
	live := 0
	for _, p := range paths {
		if res, err := g.svc.Sync(ctx, bot, p, 0); err != nil {
			t.Fatal(err)
		} else if res.Status == events.StatusOK {
			live++
		}
	}
	want, err := g.index.LexicalStats(ctx, col)
	if err != nil {
		t.Fatal(err)
	}
	if live == 0 || want.Docs == 0 {
		t.Fatal("nothing left to compare")
	}
	if got.Docs != want.Docs || got.Length != want.Length || !maps.Equal(got.DF, want.DF) {
		t.Fatalf("after churn: %d chunks, length %d, %d terms; rebuild: %d, %d, %d", got.Docs, got.Length, len(got.DF), want.Docs, want.Length, len(want.DF))
	}
	// Portuguese stems, not English ones: English cuts "inspection" to
	// "inspect", Portuguese leaves it whole.
	if want.DF["inspection"] == 0 || want.DF["inspect"] != 0 {
		t.Fatalf("terms are not Portuguese: inspection %d, inspect %d", want.DF["inspection"], want.DF["inspect"])
	}
}

func TestKBSetupLanguage(t *testing.T) {
	for _, tt := range []struct {
		settings string // config.csv
		lang     string
		err      bool
	}{
		{"", "english", false},
		{" KB-Language , pt-BR\n", "portuguese", false},
		{"kb-language,Spanish\n", "spanish", false},
		{"kb-language,klingon\n", "", true},
	} {
		cfg, _ := botpkg.Parse([]byte(tt.settings))
		s, err := kbSetupFrom(cfg.Settings(), nil)
		if (err != nil) != tt.err || (err == nil && s.lex.Language() != tt.lang) {
			t.Errorf("%v: %+v, %v; want %s (error %v)", tt.settings, s, err, tt.lang, tt.err)
		}
	}
}
