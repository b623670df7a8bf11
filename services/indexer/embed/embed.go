package embed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/drivemon/drivemon/pkg/botpkg"
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

// FromSettings returns the embedder a bot's config.csv asks for: an HTTP
// client when embedding-url is set, otherwise nil (meaning: use the
// default). Every embedding-* setting is validated by cfg.Embedding (the
// same check `drivemon check` reports); any problem is an ErrBadConfig,
// whether or not embedding-url is set.
func FromSettings(cfg *botpkg.Config, base HTTPConfig) (*HTTP, error) {
	emb, problems := cfg.Embedding()
	if len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = fmt.Sprintf("line %d: %s", p.Line, p.Message)
		}
		return nil, fmt.Errorf("%w: %s", ErrBadConfig, strings.Join(msgs, "; "))
	}
	return FromEmbedding(emb, base)
}

// FromEmbedding returns the embedder of validated embedding settings (as
// the compiler publishes them): an HTTP client when URL is set, otherwise
// nil (meaning: use the default).
func FromEmbedding(emb botpkg.Embedding, base HTTPConfig) (*HTTP, error) {
	if emb.URL == "" {
		return nil, nil
	}
	hc := base
	hc.URL, hc.Model, hc.Key = emb.URL, emb.Model, emb.Key
	hc.Dimensions, hc.BatchSize, hc.BatchTokens = emb.Dimensions, emb.BatchSize, emb.BatchTokens
	return NewHTTP(hc)
}

// backoff is the delay before retry n (1-based): min doubled, capped at max.
func backoff(n int, min, max time.Duration) time.Duration {
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return d
}
