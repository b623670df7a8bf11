package indexer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestIntegrationHTTPAPI(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	const bot = "harbor"
	docs := map[string]string{
		"harbor.gbkb/faq/shipping.md": "# Shipping\n\nWe ship worldwide within five business days using insured couriers.",
		"harbor.gbkb/faq/returns.md":  "# Returns\n\nItems may be returned within thirty days for a full refund.",
		"harbor.gbkb/ops/broken.pdf":  "%PDF-1.4 broken",
	}
	for p, c := range docs {
		f.reader.put(bot, p, []byte(c))
		_, _ = f.svc.Sync(ctx, bot, p, 1)
	}
	srv := httptest.NewServer(f.svc.Routes())
	defer srv.Close()
	get := func(t *testing.T, path string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("content type %q", ct)
		}
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	for _, tt := range []struct {
		name, path string
		status     int
		errHas     string
	}{
		{"no query", "/api/bots/harbor/kb/faq/search", 400, "q"},
		{"k not a number", "/api/bots/harbor/kb/faq/search?q=ship&k=x", 400, "k"},
		{"k too big", "/api/bots/harbor/kb/faq/search?q=ship&k=1000", 400, "k"},
		{"bad bot", "/api/bots/a.b/kb/faq/search?q=ship", 400, "bot"},
		{"unknown kb", "/api/bots/harbor/kb/nothing/search?q=ship", 404, "nothing"},
		{"unknown mode", "/api/bots/harbor/kb/faq/search?q=ship&mode=fuzzy", 400, "mode"},
		{"bad bot in listing", "/api/bots/a.b/kb", 400, "bot"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, tt.path)
			if status != tt.status || !strings.Contains(body["error"].(string), tt.errHas) {
				t.Fatalf("GET %s = %d %v; want %d with an error naming %q", tt.path, status, body, tt.status, tt.errHas)
			}
		})
	}
	t.Run("search", func(t *testing.T) {
		status, body := get(t, "/api/bots/harbor/kb/faq/search?k=1&q="+url.QueryEscape("how long to return items for a refund"))
		hits, _ := body["hits"].([]any)
		if status != 200 || len(hits) != 1 {
			t.Fatalf("search = %d %v", status, body)
		}
		h := hits[0].(map[string]any)
		if h["path"] != "harbor.gbkb/faq/returns.md" || h["chunk_index"] != 0.0 || !strings.Contains(h["text"].(string), "thirty days") || h["score"].(float64) <= 0 {
			t.Fatalf("hit %v", h)
		}
		// No model configured: lexical (BM25) by default; the highlights
		// are the matched words as written.
		if hl := fmt.Sprint(h["highlights"]); hl != "[Returns Items returned for a refund]" {
			t.Fatalf("highlights %s", hl)
		}
	})
	t.Run("modes", func(t *testing.T) {
		q := url.QueryEscape("couriers shipping worldwide")
		scores := map[string]float64{}
		for _, mode := range []string{"lexical", "dense", "hybrid", ""} {
			status, body := get(t, "/api/bots/harbor/kb/faq/search?k=2&mode="+mode+"&q="+q)
			hits, _ := body["hits"].([]any)
			if status != 200 || len(hits) == 0 {
				t.Fatalf("mode %q: %d %v", mode, status, body)
			}
			h := hits[0].(map[string]any)
			if h["path"] != "harbor.gbkb/faq/shipping.md" {
				t.Fatalf("mode %q: first hit %v", mode, h)
			}
			scores[mode] = h["score"].(float64)
		}
		// Lexical: only the shipping document shares a word, and BM25 is
		// unbounded; dense: a cosine; hybrid: first in both lists, 2/61.
		if scores["lexical"] <= 1 || scores[""] != scores["lexical"] {
			t.Fatalf("lexical score %v, default %v", scores["lexical"], scores[""])
		}
		if scores["dense"] <= 0 || scores["dense"] > 1.0001 {
			t.Fatalf("dense score %v", scores["dense"])
		}
		if math.Abs(scores["hybrid"]-2.0/61) > 1e-6 {
			t.Fatalf("hybrid score %v, want 2/61", scores["hybrid"])
		}
	})
	t.Run("listing", func(t *testing.T) {
		status, body := get(t, "/api/bots/harbor/kb")
		kbs, _ := body["kbs"].([]any)
		if status != 200 || len(kbs) != 2 {
			t.Fatalf("listing = %d %v", status, body)
		}
		faq, ops := kbs[0].(map[string]any), kbs[1].(map[string]any)
		if faq["name"] != "faq" || faq["chunks"] != 2.0 || len(faq["documents"].([]any)) != 2 {
			t.Fatalf("faq %v", faq)
		}
		doc := ops["documents"].([]any)[0].(map[string]any)
		if doc["status"] != StatusFailed || doc["error"] == "" || doc["chunks"] != 0.0 {
			t.Fatalf("failed document listed as %v", doc)
		}
	})
}
