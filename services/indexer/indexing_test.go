package indexer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/indexer/chunk"
	"github.com/drivemon/drivemon/services/indexer/extract"
	"github.com/drivemon/drivemon/services/indexer/extract/extracttest"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// manual is a Markdown document of sections of distinct paragraphs.
func manual(sections, paras int, edit func(s, p int) string) string {
	var b strings.Builder
	b.WriteString("# Operations manual\n\n")
	for s := range sections {
		fmt.Fprintf(&b, "## Procedure %d\n\n", s)
		for p := range paras {
			if edit != nil {
				if t := edit(s, p); t != "" {
					b.WriteString(t + "\n\n")
					continue
				}
			}
			for w := range 40 {
				fmt.Fprintf(&b, "valve%d step%d item%d ", s, p, w)
			}
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

func TestIntegrationSyncDifferential(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	const bot, path = "harbor", "harbor.gbkb/ops/manual.md"
	f.reader.put(bot, path, []byte(manual(20, 4, nil)))

	res, err := f.svc.Sync(ctx, bot, path, 10)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total < 50 || res.Embedded != res.Total || res.Deleted != 0 || f.count(t, bot, path) != res.Total {
		t.Fatalf("first sync %+v, %d points; want 50+ chunks all embedded", res, f.count(t, bot, path))
	}
	for _, tt := range []struct {
		name         string
		content      string
		seq          uint64
		status       string
		maxEmbedded  int
		wantEmbedded int // -1: 1..maxEmbedded
	}{
		{name: "same content does no work", content: manual(20, 4, nil), seq: 11, status: "ok", wantEmbedded: 0},
		{name: "one paragraph edited", content: manual(20, 4, func(s, p int) string {
			if s == 9 && p == 2 {
				return "This paragraph was rewritten entirely with new words about pressure relief and inspection."
			}
			return ""
		}), seq: 12, status: "ok", maxEmbedded: 3, wantEmbedded: -1},
		{name: "older change is skipped", content: manual(3, 1, nil), seq: 12, status: "skipped", wantEmbedded: 0},
		{name: "a section inserted up front moves chunks without embedding them", content: manual(20, 4, func(s, p int) string {
			if s == 9 && p == 2 {
				return "This paragraph was rewritten entirely with new words about pressure relief and inspection."
			}
			if s == 0 && p == 0 {
				return "## Preface\n\nA short preface."
			}
			return ""
		}), seq: 13, status: "ok", maxEmbedded: 3, wantEmbedded: -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.reader.put(bot, path, []byte(tt.content))
			before := f.emb.texts.Load()
			res, err := f.svc.Sync(ctx, bot, path, tt.seq)
			if err != nil {
				t.Fatal(err)
			}
			embedded := int(f.emb.texts.Load() - before)
			if string(res.Status) != tt.status || embedded != res.Embedded {
				t.Fatalf("Sync = %+v with %d texts embedded; want status %s", res, embedded, tt.status)
			}
			if tt.wantEmbedded >= 0 && embedded != tt.wantEmbedded || tt.wantEmbedded < 0 && (embedded < 1 || embedded > tt.maxEmbedded) {
				t.Fatalf("%d chunks embedded (result %+v)", embedded, res)
			}
			if res.Status == "ok" {
				assertIndexed(t, f, bot, path, tt.content)
			}
		})
	}
	t.Run("delete leaves no point", func(t *testing.T) {
		f.reader.remove(bot, path)
		res, err := f.svc.Sync(ctx, bot, path, 20)
		if err != nil || res.Status != events.StatusDeleted || res.Deleted < 50 {
			t.Fatalf("Sync after delete = %+v, %v", res, err)
		}
		if n := f.count(t, bot, path); n != 0 {
			t.Fatalf("%d points left", n)
		}
	})
}

// assertIndexed checks the index holds exactly the chunks of content.
func assertIndexed(t *testing.T, f *fixture, bot, path, content string) {
	t.Helper()
	text, err := extract.New(extract.Limits{}).Extract(context.Background(), path, []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	chunks := chunk.Split(text, chunk.Options{})
	pts, err := f.index.Document(context.Background(), vector.Collection{Bot: bot, KB: events.Classify(path).KB}, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != len(chunks) {
		t.Fatalf("%s: %d points for %d chunks", path, len(pts), len(chunks))
	}
	for i, c := range chunks {
		if pts[i].Hash != c.Hash || pts[i].ChunkIndex != i || pts[i].Text != c.Text {
			t.Fatalf("%s: point %d is %q (chunk %d), want chunk %q", path, i, pts[i].Hash, pts[i].ChunkIndex, c.Hash)
		}
	}
}

func TestIntegrationSyncFailures(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	const bot = "harbor"
	for _, tt := range []struct {
		name      string
		path      string
		data      []byte
		permanent bool
		status    events.Status
		state     string
	}{
		{name: "malformed pdf is permanent", path: "harbor.gbkb/a/broken.pdf", data: []byte("%PDF-1.4 garbage"), permanent: true, status: events.StatusFailed, state: StatusFailed},
		{name: "text over the limit is permanent", path: "harbor.gbkb/a/wide.csv", data: extracttest.WideHeaderCSV(1<<20, 40), permanent: true, status: events.StatusFailed, state: StatusFailed},
		{name: "pdf without its end marker is permanent", path: "harbor.gbkb/a/cut.pdf", data: []byte("%PDF-1.4\n" + strings.Repeat("1 0 obj\n(cut short)\n", 10)), permanent: true, status: events.StatusFailed, state: StatusFailed},
		{name: "pdf page tree cycle is permanent", path: "harbor.gbkb/a/cycle.pdf", data: extracttest.PagesCycle(), permanent: true, status: events.StatusFailed, state: StatusFailed},
		{name: "too large is permanent", path: "harbor.gbkb/a/huge.md", data: make([]byte, 17<<20), permanent: true, status: events.StatusFailed, state: StatusFailed},
		{name: "unsupported is skipped", path: "harbor.gbkb/a/photo.png", data: []byte{0x89, 'P', 'N', 'G'}, status: events.StatusSkipped, state: StatusUnsupported},
		{name: "not a KB path", path: "harbor.gbdialog/start.bas", data: []byte("TALK 1")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.reader.put(bot, tt.path, tt.data)
			res, err := f.svc.Sync(ctx, bot, tt.path, 1)
			if tt.status == "" {
				if !errors.Is(err, ErrNotKB) {
					t.Fatalf("Sync = %v, want ErrNotKB", err)
				}
				return
			}
			if res.Status != tt.status || (tt.status == events.StatusFailed) != (err != nil) || errors.Is(err, errPermanent) != tt.permanent {
				t.Fatalf("Sync = %+v, %v", res, err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "extracting ") && !strings.HasPrefix(err.Error(), "reading ") {
				t.Fatalf("error %q does not start with what was being done", err)
			}
			st, _ := f.svc.store.get(ctx, bot, tt.path)
			if st.Status != tt.state || (tt.state == StatusFailed && (st.Error == "" || st.Failures != 1)) {
				t.Fatalf("state %+v", st)
			}
		})
	}
	t.Run("new content resets the failure", func(t *testing.T) {
		path := "harbor.gbkb/a/broken.pdf"
		if _, err := f.svc.Sync(ctx, bot, path, 2); err == nil {
			t.Fatal("second try of the same broken file succeeded")
		}
		if st, _ := f.svc.store.get(ctx, bot, path); st.Failures != 2 {
			t.Fatalf("failures %d, want 2", st.Failures)
		}
		f.reader.remove(bot, path)
		path = "harbor.gbkb/a/broken.md"
		f.reader.put(bot, path, []byte("# fine\n\nnow readable"))
		res, err := f.svc.Sync(ctx, bot, path, 3)
		st, _ := f.svc.store.get(ctx, bot, path)
		if err != nil || res.Status != events.StatusOK || st.Status != StatusIndexed || st.Failures != 0 || st.Error != "" {
			t.Fatalf("Sync = %+v, %v; state %+v", res, err, st)
		}
	})
}

// TestIntegrationCorpusSearch indexes every KB document of the corpus and
// checks that a sentence taken from each document finds it first.
func TestIntegrationCorpusSearch(t *testing.T) {
	root := testinfra.CorpusDir(t)
	f := newFixture(t, nil)
	ctx := context.Background()
	type doc struct{ bot, path, text string }
	var docs []doc
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(filepath.ToSlash(p), ".gbkb/") {
			return err
		}
		rel := filepath.ToSlash(p[len(root)+1:])
		i := strings.Index(rel, ".gbai/")
		pkg := rel[:i+len(".gbai")]
		bot, _ := events.BotFromPackage(filepath.Base(pkg))
		path := rel[i+len(".gbai/"):]
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.reader.put(bot, path, data)
		text, err := extract.New(extract.Limits{}).Extract(ctx, path, data)
		if err != nil {
			return err
		}
		docs = append(docs, doc{bot, path, text})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 8 {
		t.Fatalf("%d KB documents in the corpus", len(docs))
	}
	for _, d := range docs {
		res, err := f.svc.Sync(ctx, d.bot, d.path, 0)
		if err != nil || res.Status != events.StatusOK || res.Total == 0 {
			t.Fatalf("indexing %s/%s: %+v, %v", d.bot, d.path, res, err)
		}
	}
	for _, d := range docs {
		t.Run(d.bot+"/"+d.path, func(t *testing.T) {
			q := sentence(d.text)
			hits, err := f.svc.Search(ctx, d.bot, events.Classify(d.path).KB, q, 3, "")
			if err != nil || len(hits) == 0 {
				t.Fatalf("Search(%q) = %v, %v", q, hits, err)
			}
			if hits[0].Path != d.path {
				t.Fatalf("Search(%q) ranks %s first (%.3f), want %s", q, hits[0].Path, hits[0].Score, d.path)
			}
		})
	}
}

// sentence picks the longest line of text, cut to at most 20 words.
func sentence(text string) string {
	best := ""
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if len(strings.Fields(line)) > len(strings.Fields(best)) {
			best = line
		}
	}
	w := strings.Fields(best)
	return strings.Join(w[:min(len(w), 20)], " ")
}
