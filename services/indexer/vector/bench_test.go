package vector

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkEmbeddedSearch: top-5 searches over 100 000 chunks of 384
// dimensions and about 170 terms each (words drawn from a Zipf
// distribution over 50 000, as in text), side by side in one index: dense
// (brute-force cosine, the baseline), lexical (BM25 through the inverted
// index) and hybrid (both, fused). Queries have 6 words from the same
// distribution, so most name very common words, as questions do. Reports
// the p50 and p99 latency of the queries run.
func BenchmarkEmbeddedSearch(b *testing.B) {
	const n, dims, words, chunkLen = 100_000, 384, 50_000, 170
	ctx := context.Background()
	e, err := OpenEmbedded(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	col := Collection{Bot: "bench", KB: "kb"}
	if err := e.Ensure(ctx, col, dims); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.07, 2, words-1)
	vec := func() []float32 {
		v := make([]float32, dims)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	term := func() string { return fmt.Sprintf("w%d", zipf.Uint64()) }
	batch := make([]Point, 0, 5000)
	for i := range n {
		terms := map[string]int{}
		for range chunkLen {
			terms[term()]++
		}
		batch = append(batch, Point{ID: fmt.Sprintf("p%d", i), Vector: vec(), Terms: terms, Payload: Payload{Path: fmt.Sprintf("doc%d.md", i/100), ChunkIndex: i % 100, Text: "chunk text"}})
		if len(batch) == cap(batch) {
			if err := e.Upsert(ctx, col, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	for _, mode := range []Mode{ModeDense, ModeLexical, ModeHybrid} {
		b.Run(string(mode), func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				q := Query{Mode: mode, Vector: vec()}
				for range 6 {
					q.Terms = append(q.Terms, term())
				}
				start := time.Now()
				hits, err := e.Query(ctx, col, q, 5)
				lat = append(lat, time.Since(start))
				if err != nil || len(hits) != 5 {
					b.Fatalf("Query = %d hits, %v", len(hits), err)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
