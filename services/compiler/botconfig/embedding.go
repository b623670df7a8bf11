package botconfig

import (
	"net/url"
	"strconv"

	"github.com/drivemon/drivemon/services/compiler/diag"
)

// Embedding keys used upstream.
const (
	EmbeddingURL        = "embedding-url"
	EmbeddingModel      = "embedding-model"
	EmbeddingKey        = "embedding-key"
	EmbeddingDimensions = "embedding-dimensions"
	EmbeddingBatchSize  = "embedding-batch-size"
)

// Embedding is the embedding service a bot configures. Zero fields are
// unset.
type Embedding struct {
	URL        string `json:"url,omitempty"`
	Model      string `json:"model,omitempty"`
	Key        string `json:"-"` // a secret: never serialised
	Dimensions int    `json:"dimensions,omitempty"`
	BatchSize  int    `json:"batchSize,omitempty"`
}

// Embedding returns the embedding-* settings, validated: the URL must be an
// absolute http(s) URL and the dimensions and batch size positive integers.
// Invalid values are left zero and reported as errors at their line.
func (c *Config) Embedding() (Embedding, []diag.Diagnostic) {
	var e Embedding
	var diags []diag.Diagnostic
	for _, en := range c.Entries {
		switch lower(en.Key) {
		case EmbeddingURL:
			u, err := url.Parse(en.Value)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				diags = append(diags, diag.Errorf(en.Line, 1, "%s: expected an http(s) URL, found %q", en.Key, en.Value))
				continue
			}
			e.URL = en.Value
		case EmbeddingModel:
			e.Model = en.Value
		case EmbeddingKey:
			e.Key = en.Value
		case EmbeddingDimensions:
			e.Dimensions = positive(en, &diags)
		case EmbeddingBatchSize:
			e.BatchSize = positive(en, &diags)
		}
	}
	return e, diags
}

// positive parses a positive integer setting, reporting anything else.
func positive(en Entry, diags *[]diag.Diagnostic) int {
	n, err := strconv.Atoi(en.Value)
	if err != nil || n <= 0 {
		*diags = append(*diags, diag.Errorf(en.Line, 1, "%s: expected a positive whole number, found %q", en.Key, en.Value))
		return 0
	}
	return n
}
