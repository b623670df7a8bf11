package indexer

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/porter"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/indexer/embed"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// The search evaluation: every KB document of ../shared/corpus indexed
// into one knowledge base, evalQuestions asked in each mode, and a plain
// BM25 (Porter stemming, k1 1.2, b 0.75, written here) over the same
// chunks as the reference. `make bench` prints the figures
// (BenchmarkSearchQuality); docs/BENCHMARKS.md records them.

const evalKB = "corpus"

// evalRun is one way of answering: a name and a search returning paths
// and texts, best first.
type evalRun struct {
	name   string
	search func(q string, k int) ([]SearchHit, error)
}

type evalScores struct {
	hit1, hit5, mrr          float64
	ownHit1, ownHit5, paraH5 float64
}

// evalEnv indexes the corpus for bots of several setups: "eval" (no
// model), "evalfake" (a deterministic fake embedding server), and
// "evalmodel" when DRIVEMON_EMBEDDING_URL names a real server.
type evalEnv struct {
	f     *fixture
	paths []string
	runs  []evalRun
}

func newEvalEnv(tb testing.TB) *evalEnv {
	root := testinfra.CorpusDir(tb)
	f := newFixtureTB(tb, nil)
	ctx := context.Background()
	fake := httptest.NewServer(fakeEmbeddings(embed.NewHashed(64)))
	tb.Cleanup(fake.Close)
	bots := map[string]string{"eval": "", "evalfake": fake.URL}
	if u := os.Getenv("DRIVEMON_EMBEDDING_URL"); u != "" {
		bots["evalmodel"] = u
	}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(filepath.ToSlash(p), ".gbkb/") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) < 8 {
		tb.Fatalf("%d KB documents in the corpus (%v)", len(files), err)
	}
	e := &evalEnv{f: f}
	for bot, url := range bots {
		if url != "" {
			f.settings(tb, f.svc, bot, bot+".gbot/config.csv", "name,value\nembedding-url,"+url+"\n")
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				tb.Fatal(err)
			}
			// <bot>.gbkb/corpus/<folder>/<file>: the document's last two
			// path elements, which the answer keys name.
			rel := filepath.ToSlash(file)
			parts := strings.Split(rel, "/")
			path := bot + ".gbkb/" + evalKB + "/" + strings.Join(parts[len(parts)-2:], "/")
			f.reader.put(bot, path, data)
			if res, err := f.svc.Sync(ctx, bot, path, 0); err != nil || res.Status != events.StatusOK {
				tb.Fatalf("indexing %s: %+v, %v", path, res, err)
			}
			if bot == "eval" {
				e.paths = append(e.paths, path)
			}
		}
	}
	slices.Sort(e.paths)
	mode := func(bot string, m vector.Mode) func(string, int) ([]SearchHit, error) {
		return func(q string, k int) ([]SearchHit, error) { return f.svc.Search(ctx, bot, evalKB, q, k, m) }
	}
	ref := newRefBM25(tb, f, e.paths)
	tb.Logf("%d questions over %d chunks of %d documents", len(evalQuestions), len(ref.chunks), len(e.paths))
	e.runs = []evalRun{
		{"reference BM25 (Porter)", ref.search},
		{"lexical (default, no model)", mode("eval", vector.ModeLexical)},
		{"dense, built-in hashed embedder", mode("eval", vector.ModeDense)},
		{"hybrid, hashed + BM25", mode("eval", vector.ModeHybrid)},
	}
	if _, ok := bots["evalmodel"]; ok {
		e.runs = append(e.runs,
			evalRun{"dense, model", mode("evalmodel", vector.ModeDense)},
			evalRun{"hybrid, model + BM25 (default with a model)", mode("evalmodel", vector.ModeHybrid)})
	}
	return e
}

// fakeEmbeddings is a deterministic OpenAI-compatible embedding server.
func fakeEmbeddings(h *embed.Hashed) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Input []string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		type item struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		out := struct {
			Data []item `json:"data"`
		}{}
		for i, s := range req.Input {
			out.Data = append(out.Data, item{i, h.Vector(s)})
		}
		_ = json.NewEncoder(w).Encode(out)
	})
}

// normText lower-cases s and turns every run of other than letters and
// digits into one space, so a phrase matches across markup.
func normText(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// answers reports whether a hit answers question q.
func (q evalQuestion) answers(h SearchHit) bool {
	return strings.HasSuffix(h.Path, "/"+q.doc) && strings.Contains(normText(h.Text), normText(q.phrase))
}

// score asks every question of run and returns hit@1, hit@5 and MRR (of
// the first answering hit in the top 10), overall and by kind.
func (e *evalEnv) score(tb testing.TB, run evalRun) evalScores {
	var s evalScores
	own, para := 0, 0
	for _, q := range evalQuestions {
		hits, err := run.search(q.q, 10)
		if err != nil {
			tb.Fatalf("%s: %q: %v", run.name, q.q, err)
		}
		rank := 0
		for i, h := range hits {
			if q.answers(h) {
				rank = i + 1
				break
			}
		}
		at1, at5 := b2f(rank == 1), b2f(rank >= 1 && rank <= 5)
		s.hit1 += at1
		s.hit5 += at5
		if rank > 0 {
			s.mrr += 1 / float64(rank)
		}
		if q.own {
			own++
			s.ownHit1 += at1
			s.ownHit5 += at5
		} else {
			para++
			s.paraH5 += at5
		}
	}
	n := float64(len(evalQuestions))
	s.hit1, s.hit5, s.mrr = s.hit1/n, s.hit5/n, s.mrr/n
	s.ownHit1, s.ownHit5, s.paraH5 = s.ownHit1/float64(own), s.ownHit5/float64(own), s.paraH5/float64(para)
	return s
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// refBM25 is a plain BM25 over the indexed chunks: words split at other
// than letters and digits, lower-cased, Porter-stemmed; Lucene's IDF.
type refBM25 struct {
	chunks []SearchHit
	tf     []map[string]int
	dl     []int
	df     map[string]int
	avgdl  float64
}

func refTerms(s string) []string {
	env := snowballstem.NewEnv("")
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		env.SetCurrent(w)
		porter.Stem(env)
		out = append(out, env.Current())
	}
	return out
}

func newRefBM25(tb testing.TB, f *fixture, paths []string) *refBM25 {
	r := &refBM25{df: map[string]int{}}
	total := 0
	for _, p := range paths {
		pts, err := f.index.Document(context.Background(), vector.Collection{Bot: "eval", KB: evalKB}, p)
		if err != nil {
			tb.Fatal(err)
		}
		for _, pt := range pts {
			tf := map[string]int{}
			terms := refTerms(pt.Text)
			for _, t := range terms {
				tf[t]++
			}
			for t := range tf {
				r.df[t]++
			}
			r.chunks = append(r.chunks, SearchHit{Path: p, ChunkIndex: pt.ChunkIndex, Text: pt.Text})
			r.tf = append(r.tf, tf)
			r.dl = append(r.dl, len(terms))
			total += len(terms)
		}
	}
	r.avgdl = float64(total) / float64(len(r.chunks))
	return r
}

func (r *refBM25) search(q string, k int) ([]SearchHit, error) {
	n := float64(len(r.chunks))
	seen := map[string]bool{}
	scores := make([]float64, len(r.chunks))
	for _, t := range refTerms(q) {
		if seen[t] || r.df[t] == 0 {
			continue
		}
		seen[t] = true
		idf := math.Log(1 + (n-float64(r.df[t])+0.5)/(float64(r.df[t])+0.5))
		for i, tf := range r.tf {
			if f := float64(tf[t]); f > 0 {
				scores[i] += idf * f * 2.2 / (f + 1.2*(0.25+0.75*float64(r.dl[i])/r.avgdl))
			}
		}
	}
	var out []SearchHit
	for i, s := range scores {
		if s > 0 {
			h := r.chunks[i]
			h.Score = float32(s)
			out = append(out, h)
		}
	}
	slices.SortStableFunc(out, func(a, b SearchHit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return 0
	})
	return out[:min(k, len(out))], nil
}

// TestIntegrationSearchEval checks the harness's answer keys, that the
// default (lexical) search finds as much as the reference BM25, and that
// hybrid search through an embedding server is the reciprocal rank fusion
// of its dense and lexical rankings.
func TestIntegrationSearchEval(t *testing.T) {
	e := newEvalEnv(t)
	ctx := context.Background()
	// Every answer key names an indexed chunk.
	for _, q := range evalQuestions {
		found := false
		for _, p := range e.paths {
			pts, _ := e.f.index.Document(ctx, vector.Collection{Bot: "eval", KB: evalKB}, p)
			for _, pt := range pts {
				found = found || q.answers(SearchHit{Path: p, Text: pt.Text})
			}
		}
		if !found {
			t.Errorf("no chunk answers %q (%s: %q)", q.q, q.doc, q.phrase)
		}
	}
	if len(evalQuestions) < 40 {
		t.Fatalf("%d questions, want at least 40", len(evalQuestions))
	}
	scores := map[string]evalScores{}
	for _, run := range e.runs {
		s := e.score(t, run)
		scores[run.name] = s
		t.Logf("%-45s hit@1 %.2f  hit@5 %.2f  MRR %.2f  own words hit@1 %.2f hit@5 %.2f  paraphrased hit@5 %.2f", run.name, s.hit1, s.hit5, s.mrr, s.ownHit1, s.ownHit5, s.paraH5)
	}
	ref, lex := scores[e.runs[0].name], scores[e.runs[1].name]
	if lex.hit5 < ref.hit5-0.05 || lex.mrr < ref.mrr-0.05 {
		t.Errorf("lexical search (hit@5 %.2f, MRR %.2f) falls behind plain BM25 (%.2f, %.2f)", lex.hit5, lex.mrr, ref.hit5, ref.mrr)
	}
	// The fusion path through an HTTP embedder: hybrid = RRF(dense, lexical).
	for _, q := range evalQuestions[:10] {
		depth := vector.FusionDepth(5)
		dense, err1 := e.f.svc.Search(ctx, "evalfake", evalKB, q.q, depth, vector.ModeDense)
		lexi, err2 := e.f.svc.Search(ctx, "evalfake", evalKB, q.q, depth, vector.ModeLexical)
		hy, err3 := e.f.svc.Search(ctx, "evalfake", evalKB, q.q, 5, "") // default with a model: hybrid
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err1, err2, err3)
		}
		want := map[string]float64{}
		for _, l := range [][]SearchHit{dense, lexi} {
			for i, h := range l {
				want[fmt.Sprint(h.Path, "#", h.ChunkIndex)] += 1 / float64(60+i+1)
			}
		}
		if len(hy) != min(5, len(want)) {
			t.Fatalf("%q: %d hybrid hits, want %d", q.q, len(hy), min(5, len(want)))
		}
		for i, h := range hy {
			w := want[fmt.Sprint(h.Path, "#", h.ChunkIndex)]
			if math.Abs(float64(h.Score)-w) > 1e-6 {
				t.Fatalf("%q: hybrid hit %d %s#%d scores %v, RRF of the two rankings %v", q.q, i, h.Path, h.ChunkIndex, h.Score, w)
			}
			if i > 0 && h.Score > hy[i-1].Score {
				t.Fatalf("%q: hybrid hits out of order", q.q)
			}
		}
		got := map[string]bool{}
		for _, h := range hy {
			got[fmt.Sprint(h.Path, "#", h.ChunkIndex)] = true
		}
		for key, s := range want {
			if s > float64(hy[len(hy)-1].Score)+1e-6 && !got[key] {
				t.Fatalf("%q: %s fuses to %v, above the hybrid top 5, but is missing", q.q, key, s)
			}
		}
	}
}

// BenchmarkSearchQuality reports hit@1, hit@5 and MRR of each mode and of
// the reference BM25 over the corpus questions (figures, not speed).
func BenchmarkSearchQuality(b *testing.B) {
	e := newEvalEnv(b)
	for _, run := range e.runs {
		b.Run(strings.NewReplacer(" ", "_", ",", "", "(", "", ")", "").Replace(run.name), func(b *testing.B) {
			var s evalScores
			for b.Loop() {
				s = e.score(b, run)
			}
			b.ReportMetric(s.hit1, "hit@1")
			b.ReportMetric(s.hit5, "hit@5")
			b.ReportMetric(s.mrr, "MRR")
			b.ReportMetric(s.ownHit1, "own-hit@1")
			b.ReportMetric(s.paraH5, "para-hit@5")
		})
	}
}
