package vector

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkEmbeddedSearch: brute-force top-5 cosine search over 100 000
// chunks of 384 dimensions; reports the p50 and p99 latency of the
// queries run.
func BenchmarkEmbeddedSearch(b *testing.B) {
	const n, dims = 100_000, 384
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
	vec := func() []float32 {
		v := make([]float32, dims)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	batch := make([]Point, 0, 5000)
	for i := range n {
		batch = append(batch, Point{ID: fmt.Sprintf("p%d", i), Vector: vec(), Payload: Payload{Path: fmt.Sprintf("doc%d.md", i/100), ChunkIndex: i % 100, Text: "chunk text"}})
		if len(batch) == cap(batch) {
			if err := e.Upsert(ctx, col, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	var lat []time.Duration
	for b.Loop() {
		q := vec()
		start := time.Now()
		hits, err := e.Search(ctx, col, q, 5)
		lat = append(lat, time.Since(start))
		if err != nil || len(hits) != 5 {
			b.Fatalf("Search = %d hits, %v", len(hits), err)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
