package indexer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/indexer/chunk"
	"github.com/drivemon/drivemon/services/indexer/extract"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// BenchmarkPipeline: a new 100-chunk Markdown document per iteration,
// read, extracted, chunked, embedded with the built-in embedder and
// upserted into the embedded index, through Sync (lease and state in
// embedded JetStream included).
func BenchmarkPipeline(b *testing.B) {
	f := newBenchFixture(b)
	ctx := context.Background()
	content := []byte(manual(25, 4, nil))
	chunks := 0
	i := 0
	start := time.Now()
	for b.Loop() {
		path := fmt.Sprintf("harbor.gbkb/ops/doc%d.md", i)
		i++
		f.reader.put("harbor", path, content)
		res, err := f.svc.Sync(ctx, "harbor", path, 0)
		if err != nil {
			b.Fatal(err)
		}
		chunks += res.Embedded
	}
	b.ReportMetric(float64(chunks)/time.Since(start).Seconds(), "chunks/s")
	b.ReportMetric(float64(chunks)/float64(b.N), "chunks/op")
}

// BenchmarkReindexEdit: a one-paragraph edit of a 1 000-chunk document,
// re-indexed differentially (Sync) and fully (the upstream behaviour:
// delete every point, embed and upsert every chunk), side by side.
func BenchmarkReindexEdit(b *testing.B) {
	const bot, path = "harbor", "harbor.gbkb/ops/big.md"
	versions := [2]string{manual(130, 4, nil), manual(130, 4, func(s, p int) string {
		if s == 60 && p == 2 {
			return "An edited paragraph about the inspection of relief valves."
		}
		return ""
	})}
	b.Run("differential", func(b *testing.B) {
		f := newBenchFixture(b)
		ctx := context.Background()
		f.reader.put(bot, path, []byte(versions[0]))
		res, err := f.svc.Sync(ctx, bot, path, 0)
		if err != nil || res.Total < 1000 {
			b.Fatalf("%+v, %v: want 1000+ chunks", res, err)
		}
		before := f.emb.texts.Load()
		n := 0
		for b.Loop() {
			n++
			f.reader.put(bot, path, []byte(versions[n%2]))
			if _, err := f.svc.Sync(ctx, bot, path, 0); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(f.emb.texts.Load()-before)/float64(n), "embeds/op")
		b.ReportMetric(float64(res.Total), "chunks")
	})
	b.Run("full", func(b *testing.B) {
		f := newBenchFixture(b)
		ctx := context.Background()
		col := vector.Collection{Bot: bot, KB: events.Classify(path).KB}
		ex := extract.New(extract.Limits{})
		n := 0
		before := f.emb.texts.Load()
		for b.Loop() {
			n++
			text, err := ex.Extract(ctx, path, []byte(versions[n%2]))
			if err != nil {
				b.Fatal(err)
			}
			chunks := chunk.Split(text, chunk.Options{})
			texts := make([]string, len(chunks))
			for i, c := range chunks {
				texts[i] = c.Text
			}
			vecs, err := f.emb.Embed(ctx, texts)
			if err != nil {
				b.Fatal(err)
			}
			if err := f.index.Ensure(ctx, col, len(vecs[0])); err != nil {
				b.Fatal(err)
			}
			if err := f.index.DeleteDocument(ctx, col, path); err != nil {
				b.Fatal(err)
			}
			pts := make([]vector.Point, len(chunks))
			for i, c := range chunks {
				pts[i] = vector.Point{ID: vector.PointID(bot, col.KB, path, c.Hash, i), Vector: vecs[i], Payload: vector.Payload{Bot: bot, KB: col.KB, Path: path, ChunkIndex: i, Text: c.Text, Hash: c.Hash}}
			}
			if err := f.index.Upsert(ctx, col, pts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(f.emb.texts.Load()-before)/float64(n), "embeds/op")
	})
}

func newBenchFixture(b *testing.B) *fixture {
	b.Helper()
	return newFixtureTB(b, nil)
}
