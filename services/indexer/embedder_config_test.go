package indexer

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/drivemon/drivemon/services/indexer/vector"
)

// TestIntegrationBotEmbedder: a bot's config.csv selects an HTTP embedder;
// switching back to the built-in one (another vector size) rebuilds the
// collection instead of mixing sizes.
func TestIntegrationBotEmbedder(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req struct{ Input []string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		type item struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var out struct {
			Data []item `json:"data"`
		}
		for i, s := range req.Input {
			out.Data = append(out.Data, item{i, []float32{float32(len(s)), 1, 2, 3, 4, 5, 6, 7}})
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	defer srv.Close()
	f := newFixture(t, nil)
	ctx := context.Background()
	const bot, path = "harbor", "marketing.gbkb/faq/a.md"
	col := vector.Collection{Bot: bot, KB: "faq"}
	f.reader.put(bot, path, []byte("# A\n\nsome words here"))
	// The package prefix of the KB folder ("marketing") locates config.csv.
	f.settings(t, f.svc, bot, "marketing.gbot/config.csv", "name,value\nembedding-url,"+srv.URL+"\nembedding-dimensions,8\n")
	if res, err := f.svc.Sync(ctx, bot, path, 1); err != nil || res.Embedded != 1 {
		t.Fatalf("Sync = %+v, %v", res, err)
	}
	if calls.Load() != 1 || f.emb.texts.Load() != 0 {
		t.Fatalf("HTTP embedder called %d times, default %d texts", calls.Load(), f.emb.texts.Load())
	}
	if err := f.index.Ensure(ctx, col, 384); !errors.Is(err, vector.ErrVectorSize) {
		t.Fatalf("collection is not 8-dimensional: %v", err)
	}
	f.settings(t, f.svc, bot, "marketing.gbot/config.csv", "name,value\nllm-model,x\n")
	res, err := f.svc.Sync(ctx, bot, path, 2)
	if err != nil || res.Embedded != 1 || f.emb.texts.Load() != 1 {
		t.Fatalf("Sync after the embedder change = %+v, %v (default embedded %d)", res, err, f.emb.texts.Load())
	}
	if err := f.index.Ensure(ctx, col, 384); err != nil {
		t.Fatalf("collection not rebuilt at 384 dimensions: %v", err)
	}
	if n := f.count(t, bot, path); n != 1 {
		t.Fatalf("%d points", n)
	}
	// kb-language is the indexer's to check: an unknown one fails the
	// bot's documents with the reason.
	f.settings(t, f.svc, bot, "marketing.gbot/config.csv", "kb-language,klingon\n")
	f.reader.put(bot, path, []byte("# A\n\nchanged"))
	if _, err := f.svc.Sync(ctx, bot, path, 3); err == nil || !strings.Contains(err.Error(), "kb-language") {
		t.Fatalf("an unknown kb-language was accepted: %v", err)
	}
	// Not one read of a config.csv: the settings came from the bucket.
	if n := f.reader.readsOf(isConfig); len(n) != 0 {
		t.Fatalf("config.csv read from storage: %v", n)
	}
}

func isConfig(key string) bool { return strings.HasSuffix(key, "/config.csv") }
