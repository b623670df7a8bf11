package embed

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/botpkg"
)

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func TestHashed(t *testing.T) {
	h := NewHashed(0)
	if h.Dimensions() != 384 || h.ID() != "hashed-v1/384" {
		t.Fatalf("dims %d id %s", h.Dimensions(), h.ID())
	}
	texts := []string{
		"Items may be returned within thirty days for a full refund.",
		"Can I return items? Refunds within thirty days.",
		"The boiler pressure valve must be inspected every month.",
		"---",
		"Ação de preservação de equipamentos",
	}
	vs, err := h.Embed(context.Background(), texts)
	if err != nil || len(vs) != len(texts) {
		t.Fatalf("Embed: %d vectors, %v", len(vs), err)
	}
	for i, v := range vs {
		if len(v) != 384 {
			t.Fatalf("vector %d has %d dims", i, len(v))
		}
		if n := cosine(v, v); math.Abs(n-1) > 1e-5 {
			t.Fatalf("vector %d: self-similarity %f, want 1 (unit, non-zero)", i, n)
		}
	}
	if related, unrelated := cosine(vs[0], vs[1]), cosine(vs[0], vs[2]); related <= unrelated+0.1 {
		t.Fatalf("related texts score %.3f, unrelated %.3f", related, unrelated)
	}
	again := h.Vector(texts[4])
	for i := range again {
		if again[i] != vs[4][i] {
			t.Fatal("not deterministic")
		}
	}
	if inflected := h.Vector("preservar equipamento"); cosine(inflected, vs[4]) < cosine(inflected, vs[2])+0.1 {
		t.Fatalf("trigrams should match inflections: %.3f vs unrelated %.3f", cosine(inflected, vs[4]), cosine(inflected, vs[2]))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Embed(ctx, texts); !errors.Is(err, context.Canceled) {
		t.Fatalf("Embed on a cancelled context: %v", err)
	}
}

func TestBatches(t *testing.T) {
	for _, tt := range []struct {
		name         string
		lens         []int
		size, tokens int
		want         [][2]int
	}{
		{"count bound", []int{3, 3, 3, 3, 3}, 2, 1000, [][2]int{{0, 2}, {2, 4}, {4, 5}}},
		{"token bound", []int{600, 600, 600}, 16, 512, [][2]int{{0, 2}, {2, 3}}},
		{"oversized text alone", []int{3, 3000, 3}, 16, 512, [][2]int{{0, 1}, {1, 2}, {2, 3}}},
		{"none", nil, 16, 512, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			texts := make([]string, len(tt.lens))
			for i, n := range tt.lens {
				texts[i] = strings.Repeat("x", n)
			}
			got := Batches(texts, tt.size, tt.tokens)
			if len(got) != len(tt.want) {
				t.Fatalf("Batches = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("Batches = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// fakeServer answers /v1/embeddings with vectors [len(text), index, 1],
// in reverse order, after the scripted failures.
type fakeServer struct {
	mu       sync.Mutex
	failures []int // status codes to answer first
	requests []embedRequest
	auth     []string
	dims     int
	delay    time.Duration
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	var req embedRequest
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.requests = append(f.requests, req)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	var status int
	if len(f.failures) > 0 {
		status, f.failures = f.failures[0], f.failures[1:]
	}
	dims, delay := f.dims, f.delay
	f.mu.Unlock()
	if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		http.Error(w, `{"error":"scripted"}`, status)
		return
	}
	type item struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	var resp struct {
		Data []item `json:"data"`
	}
	for i := len(req.Input) - 1; i >= 0; i-- {
		v := make([]float32, max(dims, 3))
		v[0], v[1], v[2] = float32(len(req.Input[i])), float32(i), 1
		resp.Data = append(resp.Data, item{Index: i, Embedding: v})
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func client(t *testing.T, f *fakeServer, edit func(*HTTPConfig)) *HTTP {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := HTTPConfig{URL: srv.URL, Model: "bge-small", Key: "k", MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	if edit != nil {
		edit(&cfg)
	}
	h, err := NewHTTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHTTP(t *testing.T) {
	texts := []string{"a", strings.Repeat("b", 900), "cc", strings.Repeat("d", 900), "e"}
	for _, tt := range []struct {
		name     string
		server   *fakeServer
		cfg      func(*HTTPConfig)
		wantErr  error // nil: success
		requests int
	}{
		{name: "batched by tokens", requests: 2},
		{name: "batched by count", cfg: func(c *HTTPConfig) { c.BatchSize, c.BatchTokens = 2, 10000 }, requests: 3},
		{name: "5xx retried", server: &fakeServer{failures: []int{502, 503}}, requests: 4},
		{name: "429 retried", server: &fakeServer{failures: []int{429}}, requests: 3},
		{name: "retries run out", server: &fakeServer{failures: []int{500, 500, 500}}, cfg: func(c *HTTPConfig) { c.Retries = 2 }, wantErr: errAny, requests: 3},
		{name: "4xx not retried", server: &fakeServer{failures: []int{401}}, wantErr: ErrRejected, requests: 1},
		{name: "wrong size", cfg: func(c *HTTPConfig) { c.Dimensions = 384 }, wantErr: ErrBadResponse, requests: 1},
		{name: "right size", server: &fakeServer{dims: 8}, cfg: func(c *HTTPConfig) { c.Dimensions = 8 }, requests: 2},
		{name: "timeout retried then fails", server: &fakeServer{delay: time.Second}, cfg: func(c *HTTPConfig) { c.Timeout, c.Retries = 20*time.Millisecond, 1 }, wantErr: context.DeadlineExceeded, requests: 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.server
			if f == nil {
				f = &fakeServer{}
			}
			h := client(t, f, tt.cfg)
			vs, err := h.Embed(context.Background(), texts)
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.requests) != tt.requests {
				t.Fatalf("%d requests, want %d", len(f.requests), tt.requests)
			}
			if tt.wantErr != nil {
				if err == nil || (tt.wantErr != errAny && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("Embed: %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), h.Endpoint()) {
					t.Fatalf("error %q does not name the endpoint", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			for i, v := range vs {
				if int(v[0]) != len(texts[i]) {
					t.Fatalf("vector %d is for a text of %d bytes, want %d: answers not put back in order", i, int(v[0]), len(texts[i]))
				}
			}
			for i, r := range f.requests {
				if r.Model != "bge-small" || f.auth[i] != "Bearer k" {
					t.Fatalf("request %d: model %q auth %q", i, r.Model, f.auth[i])
				}
				tokens := 0
				for _, in := range r.Input {
					tokens += EstimateTokens(in)
				}
				if len(r.Input) > 1 && tokens > DefaultBatchTokens {
					t.Fatalf("request %d holds %d estimated tokens", i, tokens)
				}
			}
		})
	}
}

var errAny = errors.New("any error")

func TestFromSettings(t *testing.T) {
	for _, tt := range []struct {
		name     string
		csv      string
		endpoint string
		wantNil  bool
		wantErr  string
	}{
		{name: "no url: default embedder", csv: "llm-model,x\n", wantNil: true},
		{name: "base url", csv: "embedding-url,http://localhost:8082\n", endpoint: "http://localhost:8082/v1/embeddings"},
		{name: "v1 url", csv: "Embedding-URL, http://h/v1/ \n", endpoint: "http://h/v1/embeddings"},
		{name: "full url", csv: "embedding-url,https://api.example.com/v1/embeddings\nembedding-dimensions,1536\nembedding-batch-size,8\nembedding-batch-tokens,1\n", endpoint: "https://api.example.com/v1/embeddings"},
		{name: "bad url", csv: "embedding-url,localhost:8082\n", wantErr: `line 1: embedding-url: expected an http(s) URL, found "localhost:8082"`},
		{name: "bad number", csv: "embedding-url,http://h\nembedding-batch-size,many\n", wantErr: "line 2: embedding-batch-size"},
		{name: "zero dimensions", csv: "embedding-url,http://h\nembedding-dimensions,0\n", wantErr: "line 2: embedding-dimensions"},
		{name: "batch tokens not a number", csv: "embedding-url,http://h\nembedding-batch-tokens,lots\n", wantErr: `line 2: embedding-batch-tokens: expected a positive whole number, found "lots"`},
		{name: "bad number without a url", csv: "embedding-batch-tokens,lots\n", wantErr: "line 1: embedding-batch-tokens"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := botpkg.Parse([]byte(tt.csv))
			h, err := FromSettings(cfg, HTTPConfig{})
			switch {
			case tt.wantErr != "":
				if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("FromSettings: %v, want ErrBadConfig with %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case tt.wantNil:
				if h != nil {
					t.Fatalf("got %v, want nil", h)
				}
			case h.Endpoint() != tt.endpoint:
				t.Fatalf("endpoint %q, want %q", h.Endpoint(), tt.endpoint)
			}
		})
	}
}
