package embed

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Embedder turns texts into vectors.
type Embedder interface {
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// ID names the vector space: the model and its size.
	ID() string
}

// Sentinel errors.
var (
	// ErrRejected: the embedding server refused the request (a 4xx other
	// than 429); retrying the same request will not help.
	ErrRejected = errors.New("embedding request rejected")
	// ErrBadResponse: the server's answer does not fit the request.
	ErrBadResponse = errors.New("bad embedding response")
	// ErrBadConfig: an embedding-* setting is invalid.
	ErrBadConfig = errors.New("bad embedding configuration")
)

// Config keys read from a bot's config.csv.
const (
	KeyURL         = "embedding-url"
	KeyModel       = "embedding-model"
	KeyKey         = "embedding-key"
	KeyDimensions  = "embedding-dimensions"
	KeyBatchSize   = "embedding-batch-size"
	KeyBatchTokens = "embedding-batch-tokens"
)

// FromSettings returns the embedder a bot's settings ask for: an HTTP
// client when embedding-url is set, otherwise nil (meaning: use the
// default). Keys are matched case-insensitively.
func FromSettings(settings map[string]string, base HTTPConfig) (*HTTP, error) {
	get := func(k string) string {
		for key, v := range settings {
			if strings.EqualFold(strings.TrimSpace(key), k) {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	cfg := base
	cfg.URL = get(KeyURL)
	if cfg.URL == "" {
		return nil, nil
	}
	cfg.Model, cfg.Key = get(KeyModel), get(KeyKey)
	for _, n := range []struct {
		key string
		dst *int
	}{{KeyDimensions, &cfg.Dimensions}, {KeyBatchSize, &cfg.BatchSize}, {KeyBatchTokens, &cfg.BatchTokens}} {
		v := get(n.key)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i <= 0 {
			return nil, fmt.Errorf("%w: %s = %q: want a positive integer", ErrBadConfig, n.key, v)
		}
		*n.dst = i
	}
	return NewHTTP(cfg)
}

// backoff is the delay before retry n (1-based): min doubled, capped at max.
func backoff(n int, min, max time.Duration) time.Duration {
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return d
}
