package vector

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func reopen(t *testing.T, dir string) *Embedded {
	t.Helper()
	e, err := OpenEmbedded(dir)
	if err != nil {
		t.Fatalf("OpenEmbedded: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestEmbeddedSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	col := Collection{Bot: "harbor", KB: "faq"}
	for _, tt := range []struct {
		name    string
		points  int
		deletes int
	}{
		{"few writes", 10, 3},
		{"compacted log", 5000, 4990},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			e := reopen(t, dir)
			if err := e.Ensure(ctx, col, 3); err != nil {
				t.Fatal(err)
			}
			var ids []string
			var pts []Point
			for i := range tt.points {
				p := Point{ID: PointID("harbor", "faq", "d.md", "h", i), Vector: []float32{float32(i) + 1, 1, 0}, Payload: Payload{Path: "d.md", ChunkIndex: i, Text: "t"}}
				ids = append(ids, p.ID)
				pts = append(pts, p)
			}
			for batch := range slices.Chunk(pts, 100) {
				if err := e.Upsert(ctx, col, batch); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.Delete(ctx, col, ids[:tt.deletes]); err != nil {
				t.Fatal(err)
			}
			before, _ := e.Document(ctx, col, "d.md")
			if st, _ := os.Stat(filepath.Join(dir, col.Name()+logSuffix)); tt.deletes > 4096 && st.Size() > 64<<10 {
				t.Fatalf("log of %d bytes for %d live points: not compacted", st.Size(), len(before))
			}
			e.Close()
			e2 := reopen(t, dir)
			after, err := e2.Document(ctx, col, "d.md")
			if err != nil || len(after) != tt.points-tt.deletes || len(after) != len(before) {
				t.Fatalf("after restart %d points (%v), want %d", len(after), err, tt.points-tt.deletes)
			}
			for i := range after {
				if after[i].ID != before[i].ID || after[i].Payload != before[i].Payload {
					t.Fatalf("point %d changed across restart: %+v vs %+v", i, after[i], before[i])
				}
			}
			if err := e2.Ensure(ctx, col, 4); err == nil {
				t.Fatal("the vector size was not kept across restart")
			}
			if err := e2.Upsert(ctx, col, []Point{{ID: "x", Vector: []float32{1, 2, 3}, Payload: Payload{Path: "e.md"}}}); err != nil {
				t.Fatalf("write after restart: %v", err)
			}
		})
	}
}

func TestEmbeddedTornTail(t *testing.T) {
	ctx := context.Background()
	col := Collection{Bot: "harbor", KB: "faq"}
	dir := t.TempDir()
	e := reopen(t, dir)
	if err := e.Ensure(ctx, col, 2); err != nil {
		t.Fatal(err)
	}
	for i, path := range []string{"a.md", "b.md"} {
		if err := e.Upsert(ctx, col, []Point{{ID: path, Vector: []float32{1, float32(i)}, Payload: Payload{Path: path}}}); err != nil {
			t.Fatal(err)
		}
	}
	e.Close()
	file := filepath.Join(dir, col.Name()+logSuffix)
	st, _ := os.Stat(file)
	if err := os.Truncate(file, st.Size()-5); err != nil { // a write cut short
		t.Fatal(err)
	}
	e2 := reopen(t, dir)
	if n, _ := e2.Count(ctx, col, ""); n != 1 {
		t.Fatalf("%d points after a torn write, want the 1 complete one", n)
	}
	if err := e2.Upsert(ctx, col, []Point{{ID: "c", Vector: []float32{1, 1}, Payload: Payload{Path: "c.md"}}}); err != nil {
		t.Fatal(err)
	}
	e2.Close()
	e3 := reopen(t, dir)
	if n, _ := e3.Count(ctx, col, ""); n != 2 {
		t.Fatalf("%d points, want 2: a write after the cut tail was lost", n)
	}
}

func TestQdrantWireSchema(t *testing.T) {
	f, addr := startFakeQdrant(t)
	q, err := OpenQdrant(QdrantConfig{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	col := Collection{Bot: "harbor", KB: "faq"}
	if err := q.Ensure(context.Background(), col, 384); err != nil {
		t.Fatal(err)
	}
	c, ok := f.Collection(col.Name())
	if !ok || c.Dims != 384 || c.Distance.String() != "Cosine" || c.Indexes["path"].String() != "FieldTypeKeyword" {
		t.Fatalf("collection %s created as %+v (exists %v); want 384 cosine with a keyword index on path", col.Name(), c, ok)
	}
}

func TestNames(t *testing.T) {
	for _, tt := range []struct {
		name, bot, kb, want string
	}{
		{"plain", "harbor", "faq", "drivemon_harbor_faq_"},
		{"odd characters", "harbor", "Perguntas ção/x", "drivemon_harbor_Perguntas___o_x_"},
		{"not utf-8", "harbor", "caf\xe9", "drivemon_harbor_caf__"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := CollectionName(tt.bot, tt.kb)
			if len(got) != len(tt.want)+8 || got[:len(tt.want)] != tt.want {
				t.Fatalf("CollectionName = %q, want %q + 8 hex digits", got, tt.want)
			}
		})
	}
	if CollectionName("b", "a_b") == CollectionName("b", "a b") {
		t.Fatal("names that sanitise alike collide")
	}
	a := PointID("b", "kb", "p", "h", 0)
	if a != PointID("b", "kb", "p", "h", 0) || len(a) != 36 {
		t.Fatalf("PointID not deterministic or not a UUID: %s", a)
	}
	for _, other := range []string{PointID("b", "kb", "p", "h", 1), PointID("b", "kb", "p2", "h", 0), PointID("b", "kbp", "", "h", 0), PointID("b2", "kb", "p", "h", 0)} {
		if other == a {
			t.Fatal("distinct chunks share a point id")
		}
	}
}

// Paths and KB names that are not UTF-8 survive a restart byte for byte:
// two that differ only in such bytes stay two documents.
func TestEmbeddedNonUTF8PathsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	col := Collection{Bot: "harbor", KB: "caf\xe9"}
	paths := []string{"harbor.gbkb/caf\xe9/caf\xe9.md", "harbor.gbkb/caf\xe9/caf\xe8.md", "harbor.gbkb/caf\xe9/café.md"}
	dir := t.TempDir()
	e := reopen(t, dir)
	if err := e.Ensure(ctx, col, 2); err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		pt := Point{ID: PointID(col.Bot, col.KB, p, "h", 0), Vector: []float32{float32(i) + 1, 1}, Payload: Payload{Bot: col.Bot, KB: col.KB, Path: p, Text: "chunk"}}
		if err := e.Upsert(ctx, col, []Point{pt}); err != nil {
			t.Fatal(err)
		}
	}
	e.Close()
	e2 := reopen(t, dir)
	for _, p := range paths {
		pts, err := e2.Document(ctx, col, p)
		if err != nil || len(pts) != 1 || pts[0].Path != p || pts[0].KB != col.KB || pts[0].Text != "chunk" {
			t.Fatalf("after restart, document %q = %+v, %v", p, pts, err)
		}
	}
	hits, err := e2.Search(ctx, col, []float32{1, 1}, 3)
	if err != nil || len(hits) != 3 {
		t.Fatalf("search after restart: %+v, %v", hits, err)
	}
	var got []string
	for _, h := range hits {
		got = append(got, h.Path)
	}
	slices.Sort(got)
	want := slices.Clone(paths)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("hit paths %q, want %q", got, want)
	}
}

func TestDecodePayload(t *testing.T) {
	for _, tt := range []struct {
		name, record string
		want         Payload
		wantErr      bool
	}{
		{name: "utf-8, as written before path_b64", record: `{"bot":"h","kb":"faq","path":"a.md","chunk_index":2}`, want: Payload{Bot: "h", KB: "faq", Path: "a.md", ChunkIndex: 2}},
		{name: "exact bytes", record: `{"kb":"caf\ufffd","kb_b64":"Y2Fm6Q==","path":"caf\ufffd.md","path_b64":"Y2Fm6S5tZA=="}`, want: Payload{KB: "caf\xe9", Path: "caf\xe9.md"}},
		{name: "bad path_b64", record: `{"path":"a.md","path_b64":"!"}`, wantErr: true},
		{name: "bad kb_b64", record: `{"kb":"a","kb_b64":"!"}`, wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodePayload([]byte(tt.record))
			if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
				t.Fatalf("decodePayload = %+v, %v; want %+v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// Qdrant payloads cannot hold strings that are not UTF-8: the adapter
// refuses such a point with ErrBadPoint (the client would panic), and
// reading or deleting by such a path fails with an error, not a crash.
func TestQdrantRefusesNonUTF8Paths(t *testing.T) {
	ctx := context.Background()
	_, addr := startFakeQdrant(t)
	q, err := OpenQdrant(QdrantConfig{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	col := Collection{Bot: "harbor", KB: "faq"}
	if err := q.Ensure(ctx, col, 2); err != nil {
		t.Fatal(err)
	}
	const path = "harbor.gbkb/faq/caf\xe9.md"
	pt := Point{ID: PointID(col.Bot, col.KB, path, "h", 0), Vector: []float32{1, 1}, Payload: Payload{Bot: col.Bot, KB: col.KB, Path: path}}
	if err := q.Upsert(ctx, col, []Point{pt}); !errors.Is(err, ErrBadPoint) || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("Upsert of a non-UTF-8 path: %v, want ErrBadPoint naming UTF-8", err)
	}
	if _, err := q.Count(ctx, col, path); err == nil {
		t.Fatal("Count by a non-UTF-8 path succeeded")
	}
}

func TestUvarintLen(t *testing.T) {
	for n, want := range map[int]int{0: 1, 1: 1, 127: 1, 128: 2, 16383: 2, 16384: 3, 1<<21 - 1: 3, 1 << 21: 4} {
		if got := uvarintLen(n); got != want {
			t.Errorf("uvarintLen(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestUpsertRecordExactSize: the record (after the room for its header) is
// allocated at its final size, and reads back as written.
func TestUpsertRecordExactSize(t *testing.T) {
	long := strings.Repeat("t", 200) // a term whose length takes 2 bytes
	pts := []Point{
		{ID: "a", Vector: []float32{1, 0}, Terms: map[string]int{"x": 1, long: 300}, Payload: Payload{Path: "a.md", Text: "é"}},
		{ID: "b", Vector: []float32{0, 1}, Terms: map[string]int{}, Payload: Payload{Path: "b.md"}},
	}
	b := upsertRecord(pts)
	if len(b) != cap(b) {
		t.Fatalf("record of %d bytes in %d", len(b), cap(b))
	}
	c := newCollection("c", 2)
	if err := c.apply(b[recordHeader:]); err != nil {
		t.Fatal(err)
	}
	if got := c.lex.termsOf("a"); !maps.Equal(got, pts[0].Terms) {
		t.Fatalf("terms of a: %v", got)
	}
	if st := c.lex.stats(); st.Docs != 2 || st.Length != 301 {
		t.Fatalf("stats %+v", st)
	}
}
