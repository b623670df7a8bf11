package journal_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/files/journal"
)

type pub struct {
	t    *testing.T
	js   jetstream.JetStream
	base uint64
}

// change publishes one change and returns its stream sequence.
func (p *pub) change(bot string, op events.Op, path, etag string) uint64 {
	p.t.Helper()
	c := events.NewChange(bot, op, path)
	c.ETag, c.Size, c.Source, c.DetectedBy = etag, int64(len(etag)), events.SourceDir, events.DetectedByWatch
	p.base++
	c.Base = p.base
	ack, err := bus.Publish(context.Background(), p.js, &c)
	if err != nil {
		p.t.Fatal(err)
	}
	return ack.Sequence
}

func (p *pub) move(bot, from, to string) uint64 {
	p.t.Helper()
	c := events.NewChange(bot, events.OpMoved, to)
	c.From, c.ETag, c.Source, c.DetectedBy = from, "m", events.SourceDir, events.DetectedByWatch
	ack, err := bus.Publish(context.Background(), p.js, &c)
	if err != nil {
		p.t.Fatal(err)
	}
	return ack.Sequence
}

func summary(page journal.Page) []string {
	var out []string
	for _, e := range page.Changes {
		out = append(out, fmt.Sprintf("%s %s %s", e.Op, e.Path, e.ETag))
	}
	return out
}

func equal(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %q\nwant %q", got, want)
		}
	}
}

func TestIntegrationJournal(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx := context.Background()
	p := &pub{t: t, js: js}
	j := journal.New(js)

	p.change("harbor", events.OpCreated, "harbor.gbdrive/a.txt", "a1")
	p.change("harbor", events.OpUpdated, "harbor.gbdrive/a.txt", "a2")
	p.change("other", events.OpCreated, "other.gbdrive/x.txt", "x1")
	p.change("harbor", events.OpCreated, "harbor.gbdrive/b.txt", "b1")
	last := p.change("harbor", events.OpUpdated, "harbor.gbdrive/a.txt", "a3")

	t.Run("compaction: three writes, one entry; other bots excluded", func(t *testing.T) {
		page, err := j.Changes(ctx, "harbor", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, summary(page), "created harbor.gbdrive/a.txt a3", "created harbor.gbdrive/b.txt b1")
		if page.Cursor != last || page.Reset {
			t.Fatalf("cursor %d reset %v, want %d false", page.Cursor, page.Reset, last)
		}
	})

	t.Run("resume from a cursor", func(t *testing.T) {
		page, _ := j.Changes(ctx, "harbor", last, 100)
		if len(page.Changes) != 0 || page.Cursor != last {
			t.Fatalf("nothing new, got %+v", page)
		}
		p.change("harbor", events.OpDeleted, "harbor.gbdrive/b.txt", "b1")
		p.move("harbor", "harbor.gbdrive/a.txt", "harbor.gbdrive/c.txt")
		page2, err := j.Changes(ctx, "harbor", page.Cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, summary(page2), "deleted harbor.gbdrive/b.txt b1", "deleted harbor.gbdrive/a.txt ", "moved harbor.gbdrive/c.txt m")
	})

	t.Run("limit pages without losing entries", func(t *testing.T) {
		var seen []string
		cursor := uint64(0)
		for i := 0; i < 10; i++ {
			page, err := j.Changes(ctx, "harbor", cursor, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Changes) > 2 {
				t.Fatalf("page of %d entries with limit 2", len(page.Changes))
			}
			for _, e := range page.Changes {
				seen = append(seen, e.Path)
			}
			if page.Cursor == cursor {
				break
			}
			cursor = page.Cursor
		}
		full, _ := j.Changes(ctx, "harbor", 0, 100)
		want := map[string]bool{}
		for _, e := range full.Changes {
			want[e.Path] = true
		}
		got := map[string]bool{}
		for _, p := range seen {
			got[p] = true
		}
		if len(got) != len(want) {
			t.Fatalf("paging saw %v, one page saw %v", got, want)
		}
	})

	t.Run("reset when the cursor is past the stream or before what it retains", func(t *testing.T) {
		page, err := j.Changes(ctx, "harbor", 1_000_000, 100)
		if err != nil {
			t.Fatal(err)
		}
		// Current state: a.txt moved to c.txt, b.txt deleted.
		equal(t, summary(page), "moved harbor.gbdrive/c.txt m")
		if !page.Reset {
			t.Fatal("no reset for a cursor from the future")
		}
		s, _ := js.Stream(ctx, events.StreamDrive)
		info, _ := s.Info(ctx)
		if err := s.Purge(ctx, jetstream.WithPurgeSequence(info.State.LastSeq)); err != nil {
			t.Fatal(err)
		}
		p.change("harbor", events.OpCreated, "harbor.gbdrive/d.txt", "d1")
		page, err = j.Changes(ctx, "harbor", 2, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !page.Reset {
			t.Fatalf("no reset after retention dropped the cursor's history: %+v", page)
		}
		resumed, _ := j.Changes(ctx, "harbor", page.Cursor, 100)
		if resumed.Reset || len(resumed.Changes) != 0 {
			t.Fatalf("the reset's cursor does not resume: %+v", resumed)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, tt := range []struct {
			name  string
			bot   string
			limit int
		}{{"bad bot", "a.b", 10}, {"zero limit", "harbor", 0}, {"huge limit", "harbor", journal.MaxLimit + 1}} {
			if _, err := j.Changes(ctx, tt.bot, 0, tt.limit); err == nil {
				t.Errorf("%s: no error", tt.name)
			}
		}
	})
}
