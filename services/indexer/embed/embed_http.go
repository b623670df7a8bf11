package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/drivemon/drivemon/pkg/botpkg"
)

// Defaults of HTTPConfig.
const (
	DefaultBatchSize   = 16
	DefaultBatchTokens = 512
	DefaultTimeout     = 60 * time.Second
	DefaultRetries     = 4
	DefaultMinBackoff  = 500 * time.Millisecond
	DefaultMaxBackoff  = 15 * time.Second
	// maxResponse bounds an answer: 16 MiB.
	maxResponse = 16 << 20
)

// HTTPConfig configures an OpenAI-compatible embeddings client.
type HTTPConfig struct {
	// URL is the server: a base URL ("http://host:8082"), a ".../v1" URL,
	// or the full ".../embeddings" endpoint.
	URL string
	// Model is sent as "model" (may be empty for single-model servers).
	Model string
	// Key, if set, is sent as a Bearer token.
	Key string
	// Dimensions, if set, is the size every vector must have.
	Dimensions int
	// BatchSize bounds the texts per request; BatchTokens their estimated
	// tokens (a text over the budget goes alone).
	BatchSize, BatchTokens int
	// Timeout bounds one request; Retries the retries after a failed one,
	// MinBackoff and MaxBackoff the delay between them.
	Timeout                time.Duration
	Retries                int
	MinBackoff, MaxBackoff time.Duration
	// Client is the HTTP client (default: a new one).
	Client *http.Client
}

// HTTP is an OpenAI-compatible /v1/embeddings client.
type HTTP struct {
	cfg      HTTPConfig
	endpoint string
}

// NewHTTP checks cfg, fills defaults and returns a client.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %s = %q: want an http(s) URL", ErrBadConfig, botpkg.EmbeddingURL, cfg.URL)
	}
	if cfg.Dimensions < 0 || cfg.BatchSize < 0 || cfg.BatchTokens < 0 || cfg.Retries < 0 {
		return nil, fmt.Errorf("%w: negative dimensions, batch size, batch tokens or retries", ErrBadConfig)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.BatchTokens == 0 {
		cfg.BatchTokens = DefaultBatchTokens
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Retries == 0 {
		cfg.Retries = DefaultRetries
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	ep := strings.TrimRight(cfg.URL, "/")
	switch {
	case strings.HasSuffix(ep, "/embeddings"):
	case strings.HasSuffix(ep, "/v1"):
		ep += "/embeddings"
	default:
		ep += "/v1/embeddings"
	}
	return &HTTP{cfg: cfg, endpoint: ep}, nil
}

// ID is "openai:<endpoint>#<model>/<dimensions>".
func (h *HTTP) ID() string {
	return fmt.Sprintf("openai:%s#%s/%d", h.endpoint, h.cfg.Model, h.cfg.Dimensions)
}

// Endpoint is the URL requests go to.
func (h *HTTP) Endpoint() string { return h.endpoint }

// EstimateTokens is the conservative token estimate batching uses: a token
// per 3 bytes, rounded up, at least 1.
func EstimateTokens(s string) int { return max(1, (len(s)+2)/3) }

// Batches splits texts into index ranges [start, end) bounded by count and
// estimated tokens.
func Batches(texts []string, size, tokens int) [][2]int {
	var out [][2]int
	start, sum := 0, 0
	for i, t := range texts {
		n := EstimateTokens(t)
		if i > start && (i-start >= size || sum+n > tokens) {
			out = append(out, [2]int{start, i})
			start, sum = i, 0
		}
		sum += n
	}
	if start < len(texts) {
		out = append(out, [2]int{start, len(texts)})
	}
	return out
}

// Embed sends texts in bounded batches and returns their vectors in order.
func (h *HTTP) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	dims := h.cfg.Dimensions
	for _, b := range Batches(texts, h.cfg.BatchSize, h.cfg.BatchTokens) {
		vecs, err := h.batch(ctx, texts[b[0]:b[1]])
		if err != nil {
			return nil, fmt.Errorf("embedding texts %d-%d of %d at %s: %w", b[0], b[1]-1, len(texts), h.endpoint, err)
		}
		for _, v := range vecs {
			if dims == 0 {
				dims = len(v)
			}
			if len(v) != dims {
				return nil, fmt.Errorf("embedding at %s: %w: a vector of %d dimensions, want %d", h.endpoint, ErrBadResponse, len(v), dims)
			}
		}
		out = append(out, vecs...)
	}
	return out, nil
}

type embedRequest struct {
	Model string   `json:"model,omitempty"`
	Input []string `json:"input"`
}

type embedResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
}

// retryable marks an error worth another try.
type retryable struct {
	err   error
	after time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

func (h *HTTP) batch(ctx context.Context, texts []string) ([][]float32, error) {
	body, err := json.Marshal(embedRequest{Model: h.cfg.Model, Input: texts})
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		vecs, err := h.post(ctx, body, len(texts))
		var r *retryable
		if err == nil || !errors.As(err, &r) || try >= h.cfg.Retries || ctx.Err() != nil {
			if r != nil {
				return nil, fmt.Errorf("after %d tries: %w", try+1, r.err)
			}
			return vecs, err
		}
		delay := backoff(try+1, h.cfg.MinBackoff, h.cfg.MaxBackoff)
		if r.after > 0 {
			delay = min(r.after, h.cfg.MaxBackoff)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}

func (h *HTTP) post(ctx context.Context, body []byte, n int) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if h.cfg.Key != "" {
		req.Header.Set("Authorization", "Bearer "+h.cfg.Key)
	}
	resp, err := h.cfg.Client.Do(req)
	if err != nil {
		return nil, &retryable{err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, &retryable{err: fmt.Errorf("reading the answer: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(data))
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			after, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return nil, &retryable{err: msg, after: time.Duration(after) * time.Second}
		}
		return nil, fmt.Errorf("%w: %w", ErrRejected, msg)
	}
	if len(data) > maxResponse {
		return nil, fmt.Errorf("%w: answer larger than %d bytes", ErrBadResponse, maxResponse)
	}
	var r embedResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	if len(r.Data) != n {
		return nil, fmt.Errorf("%w: %d vectors for %d texts", ErrBadResponse, len(r.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range r.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("%w: index %d out of range or repeated", ErrBadResponse, d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, fmt.Errorf("%w: empty vector at index %d", ErrBadResponse, d.Index)
		}
		for _, x := range d.Embedding {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("%w: non-finite value at index %d", ErrBadResponse, d.Index)
			}
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
