package reliability

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/services/indexer/lexical"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// diffLexical compares the BM25 statistics the embedded index keeps up to
// date write by write for a KB (document frequencies, chunk count, total
// length) with a recount from scratch of the texts of the KB's points, in
// English (the rig's bots set no kb-language).
func (r *rig) diffLexical(ctx context.Context, kb string, paths []string) []string {
	col := vector.Collection{Bot: r.bot, KB: kb}
	df := map[string]int{}
	docs, length := 0, int64(0)
	for _, p := range paths {
		pts, err := r.index.Document(ctx, col, p)
		if err != nil {
			return []string{fmt.Sprintf("index: reading %q: %v", p, err)}
		}
		for _, pt := range pts {
			docs++
			for t, n := range lexical.English.Terms(pt.Text) {
				df[t]++
				length += int64(n)
			}
		}
	}
	got, err := r.index.LexicalStats(ctx, col)
	if errors.Is(err, vector.ErrNoCollection) && docs == 0 {
		return nil
	}
	if err != nil {
		return []string{fmt.Sprintf("index: BM25 statistics of KB %q: %v", kb, err)}
	}
	if got.Docs != docs || got.Length != length || !maps.Equal(got.DF, df) {
		return []string{fmt.Sprintf("index: KB %q keeps BM25 statistics of %d chunks, length %d, %d terms; a recount gives %d, %d, %d",
			kb, got.Docs, got.Length, len(got.DF), docs, length, len(df))}
	}
	return nil
}

// TestIntegrationLexicalCheck: the convergence check catches BM25
// statistics that disagree with the points' texts, and clears once the
// point is written right again.
func TestIntegrationLexicalCheck(t *testing.T) {
	r := newRig(t, rigOptions{dir: true})
	r.stack(1, 1)
	r.seed(2)
	r.converge(60 * time.Second)
	path := r.bot + ".gbkb/faq/doc0.md"
	col := collection(r.bot, path)
	pts, err := r.index.Document(r.ctx, col, path)
	if err != nil || len(pts) == 0 {
		t.Fatalf("points of %s: %d, %v", path, len(pts), err)
	}
	vecs, err := r.index.Vectors(r.ctx, col, []string{pts[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	p := pts[0]
	p.Vector, p.Terms = vecs[p.ID], map[string]int{"bogus": 1}
	if err := r.index.Upsert(r.ctx, col, []vector.Point{p}); err != nil {
		t.Fatal(err)
	}
	diffs, _ := r.diff()
	if !containsPrefix(diffs, `index: KB "faq" keeps BM25 statistics`) {
		t.Fatalf("the check misses the wrong terms in:\n%s", strings.Join(diffs, "\n"))
	}
	p.Terms = nil // the English terms of the text, as indexed
	if err := r.index.Upsert(r.ctx, col, []vector.Point{p}); err != nil {
		t.Fatal(err)
	}
	r.converge(60 * time.Second)
}
