package vector

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"testing"
)

func TestEmbeddedBM25KnownAnswer(t *testing.T) {
	ctx := context.Background()
	e := reopen(t, t.TempDir())
	col := Collection{Bot: "harbor", KB: "faq"}
	if err := e.Ensure(ctx, col, 2); err != nil {
		t.Fatal(err)
	}
	pts := []Point{
		{ID: "a", Vector: []float32{1, 0}, Terms: map[string]int{"cat": 2, "dog": 1}, Payload: Payload{Path: "a.md"}},
		{ID: "b", Vector: []float32{0, 1}, Terms: map[string]int{"cat": 1, "fish": 3}, Payload: Payload{Path: "b.md"}},
		{ID: "c", Vector: []float32{1, 1}, Terms: map[string]int{"bird": 1}, Payload: Payload{Path: "c.md"}},
	}
	if err := e.Upsert(ctx, col, pts); err != nil {
		t.Fatal(err)
	}
	// By hand: N 3, average length 8/3, df(cat) 2, IDF ln(1.6) = 0.470004;
	// a: 2·2.2/(2 + 1.2·(0.25 + 0.75·3/(8/3))) = 1.328302 → 0.624307;
	// b: 2.2/(1 + 1.2·(0.25 + 0.75·4/(8/3))) = 0.830189 → 0.390192.
	hits, err := e.Query(ctx, col, Query{Mode: ModeLexical, Terms: []string{"cat"}}, 5)
	if err != nil || len(hits) != 2 {
		t.Fatalf("hits %+v, %v", hits, err)
	}
	for i, want := range []struct {
		id    string
		score float64
	}{{"a", 0.624307}, {"b", 0.390192}} {
		if hits[i].ID != want.id || math.Abs(float64(hits[i].Score)-want.score) > 1e-5 {
			t.Fatalf("hit %d = %s %.6f, want %s %.6f", i, hits[i].ID, hits[i].Score, want.id, want.score)
		}
	}
	if hits[0].Path != "a.md" {
		t.Fatalf("hit payload %+v", hits[0].Payload)
	}
	// k = 1 keeps the best; k = 0 nothing.
	if one, _ := e.Query(ctx, col, Query{Mode: ModeLexical, Terms: []string{"cat"}}, 1); len(one) != 1 || one[0].ID != "a" {
		t.Fatalf("k=1: %+v", one)
	}
	if none, _ := e.Query(ctx, col, Query{Mode: ModeLexical, Terms: []string{"cat"}}, 0); len(none) != 0 {
		t.Fatalf("k=0: %+v", none)
	}
}

// TestEmbeddedLexicalChurnMatchesRebuild: after random upserts, re-upserts
// (same id, new terms), deletes and whole-document deletes — enough to
// compact the inverted index and the log several times — and after a
// restart (the log replayed), the BM25 statistics and rankings equal
// those of an index built from scratch from the live points alone.
func TestEmbeddedLexicalChurnMatchesRebuild(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := reopen(t, dir)
	col := Collection{Bot: "harbor", KB: "faq"}
	if err := e.Ensure(ctx, col, 2); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 9))
	live := map[string]Point{}
	point := func(id string, path string) Point {
		terms := map[string]int{}
		for range 1 + r.IntN(12) {
			terms[fmt.Sprintf("w%d", int(math.Floor(math.Exp(r.Float64()*6))))]++ // skewed, like words
		}
		return Point{ID: id, Vector: []float32{r.Float32() + 0.1, r.Float32()}, Terms: terms, Payload: Payload{Path: path}}
	}
	for round := range 60 {
		var batch []Point
		for range 80 {
			id := fmt.Sprintf("p%d", r.IntN(400))
			p := point(id, fmt.Sprintf("d%d.md", r.IntN(20)))
			if old, ok := live[id]; ok {
				p.Path = old.Path // a point keeps its document
			}
			batch = append(batch, p)
		}
		if err := e.Upsert(ctx, col, batch); err != nil {
			t.Fatal(err)
		}
		for _, p := range batch {
			live[p.ID] = p
		}
		var del []string
		for id := range live {
			if r.IntN(3) == 0 {
				del = append(del, id)
			}
		}
		if err := e.Delete(ctx, col, del); err != nil {
			t.Fatal(err)
		}
		for _, id := range del {
			delete(live, id)
		}
		if round%10 == 9 {
			path := fmt.Sprintf("d%d.md", r.IntN(20))
			if err := e.DeleteDocument(ctx, col, path); err != nil {
				t.Fatal(err)
			}
			maps.DeleteFunc(live, func(_ string, p Point) bool { return p.Path == path })
		}
	}
	if len(live) == 0 {
		t.Fatal("churn left nothing to compare")
	}
	fresh := reopen(t, t.TempDir())
	if err := fresh.Ensure(ctx, col, 2); err != nil {
		t.Fatal(err)
	}
	if err := fresh.Upsert(ctx, col, slicesOf(live)); err != nil {
		t.Fatal(err)
	}
	want, _ := fresh.LexicalStats(ctx, col)
	// The expected statistics, counted here from the live points.
	df := map[string]int{}
	var length int64
	for _, p := range live {
		for term, n := range p.Terms {
			df[term]++
			length += int64(n)
		}
	}
	if want.Docs != len(live) || want.Length != length || !maps.Equal(want.DF, df) {
		t.Fatalf("rebuild stats %d docs, %d length, %d terms; counted %d, %d, %d", want.Docs, want.Length, len(want.DF), len(live), length, len(df))
	}
	check := func(name string, ix *Embedded) {
		t.Helper()
		got, err := ix.LexicalStats(ctx, col)
		if err != nil {
			t.Fatal(err)
		}
		if got.Docs != want.Docs || got.Length != want.Length || !maps.Equal(got.DF, want.DF) {
			t.Fatalf("%s: stats %d docs, %d length, %d terms; rebuild %d, %d, %d", name, got.Docs, got.Length, len(got.DF), want.Docs, want.Length, len(want.DF))
		}
		for _, q := range [][]string{{"w1"}, {"w2", "w40"}, {"w150", "w3", "w9"}} {
			a, _ := ix.Query(ctx, col, Query{Mode: ModeLexical, Terms: q}, 10)
			b, _ := fresh.Query(ctx, col, Query{Mode: ModeLexical, Terms: q}, 10)
			if len(a) != len(b) {
				t.Fatalf("%s: %q: %d hits, rebuild %d", name, q, len(a), len(b))
			}
			for i := range a {
				if math.Abs(float64(a[i].Score-b[i].Score)) > 1e-6 {
					t.Fatalf("%s: %q: hit %d scores %v, rebuild %v", name, q, i, a[i].Score, b[i].Score)
				}
			}
		}
	}
	check("after churn", e)
	e.Close()
	check("after restart", reopen(t, dir))
}

func slicesOf(m map[string]Point) []Point {
	out := make([]Point, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	return out
}

// TestEmbeddedOldRecordsGetEnglishTerms: a log written before terms were
// logged (opUpsert records) opens with each point's terms taken from its
// text in English.
func TestEmbeddedOldRecordsGetEnglishTerms(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := reopen(t, dir)
	col := Collection{Bot: "harbor", KB: "faq"}
	if err := e.Ensure(ctx, col, 2); err != nil {
		t.Fatal(err)
	}
	b := binary.AppendUvarint([]byte{opUpsert}, 1)
	b = appendStr(b, "old")
	b = appendStr(b, string(encodePayload(Payload{Path: "old.md", Text: "Penalties for late payments"})))
	for _, x := range []float32{1, 0} {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	if err := e.cols[col.Name()].write(b); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e2 := reopen(t, dir)
	hits, err := e2.Query(ctx, col, Query{Mode: ModeLexical, Terms: []string{"penalti", "payment"}}, 5)
	if err != nil || len(hits) != 1 || hits[0].ID != "old" {
		t.Fatalf("hits %+v, %v", hits, err)
	}
	st, _ := e2.LexicalStats(ctx, col)
	if want := map[string]int{"penalti": 1, "for": 1, "late": 1, "payment": 1}; !maps.Equal(st.DF, want) || st.Length != 4 {
		t.Fatalf("stats %+v", st)
	}
}

// TestQdrantSparseVectors: what the adapter writes and asks for, by
// known answers (FNV-1a of "a" is 0xe40c292c, of "b" 0xe70c2de5).
func TestQdrantSparseVectors(t *testing.T) {
	f, addr := startFakeQdrant(t)
	q, err := OpenQdrant(QdrantConfig{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	col := Collection{Bot: "harbor", KB: "faq"}
	if err := q.Ensure(ctx, col, 2); err != nil {
		t.Fatal(err)
	}
	id := PointID("harbor", "faq", "a.md", "h", 0)
	if err := q.Upsert(ctx, col, []Point{{ID: id, Vector: []float32{1, 0}, Terms: map[string]int{"b": 1, "a": 2}, Payload: Payload{Path: "a.md"}}}); err != nil {
		t.Fatal(err)
	}
	// Length 3 against QdrantAvgLen 50: a: 2·2.2/(2 + 1.2·(0.25 + 0.75·3/50))
	// = 1.869159; b: 2.2/(1 + 1.2·0.295) = 1.624815.
	got := f.Sparse(col.Name(), id)
	want := map[uint32]float64{0xe40c292c: 1.869159, 0xe70c2de5: 1.624815}
	if len(got) != len(want) {
		t.Fatalf("sparse vector %v, want %v", got, want)
	}
	for x, w := range want {
		if math.Abs(float64(got[x])-w) > 1e-5 {
			t.Fatalf("sparse vector %v, want %v", got, want)
		}
	}
	idx, vals := sparseQuery([]string{"b", "a", "b"})
	if len(idx) != 2 || idx[0] != 0xe40c292c || idx[1] != 0xe70c2de5 || vals[0] != 1 || vals[1] != 1 {
		t.Fatalf("query vector %v %v", idx, vals)
	}
	// One point: IDF ln(1 + 0.5/1.5); the score is IDF × 1.869159.
	hits, err := q.Query(ctx, col, Query{Mode: ModeLexical, Terms: []string{"a"}}, 3)
	if err != nil || len(hits) != 1 || math.Abs(float64(hits[0].Score)-math.Log(1+0.5/1.5)*1.869159) > 1e-5 {
		t.Fatalf("hits %+v, %v", hits, err)
	}
}
