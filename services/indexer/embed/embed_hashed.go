package embed

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode"
)

// DefaultHashedDimensions is the size of the built-in embedding (the size
// of bge-small, the upstream default model, so switching keeps the size).
const DefaultHashedDimensions = 384

// Hashed is the built-in lexical embedder (see the package comment).
type Hashed struct{ dims int }

// NewHashed returns a lexical embedder of dims dimensions (default 384).
func NewHashed(dims int) *Hashed {
	if dims <= 0 {
		dims = DefaultHashedDimensions
	}
	return &Hashed{dims: dims}
}

// ID is "hashed-v1/<dims>".
func (h *Hashed) ID() string { return fmt.Sprintf("hashed-v1/%d", h.dims) }

// Dimensions is the vector size.
func (h *Hashed) Dimensions() int { return h.dims }

// Embed never fails except on a cancelled context.
func (h *Hashed) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = h.Vector(t)
	}
	return out, nil
}

// Feature weights: whole words count most, then word pairs, then character
// trigrams (which match inflections and typos).
const (
	wordWeight    = 1.0
	pairWeight    = 0.5
	trigramWeight = 0.25
)

// Vector embeds one text.
func (h *Hashed) Vector(text string) []float32 {
	v := make([]float32, h.dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	prev := ""
	starts := make([]int, 0, 32)
	for _, w := range words {
		h.add(v, fnv1a(fnv1a(offset64, "w:"), w), wordWeight)
		if prev != "" {
			h.add(v, fnv1a(fnv1a(fnv1a(fnv1a(offset64, "p:"), prev), " "), w), pairWeight)
		}
		prev = w
		// Character trigrams of " word ", cut at rune starts.
		padded := " " + w + " "
		starts = starts[:0]
		for i := range padded {
			starts = append(starts, i)
		}
		starts = append(starts, len(padded))
		for k := 0; k+3 < len(starts); k++ {
			h.add(v, fnv1a(fnv1a(offset64, "t:"), padded[starts[k]:starts[k+3]]), trigramWeight)
		}
	}
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	if norm == 0 {
		// No words at all ("---"): a fixed unit vector rather than a zero
		// one, which has no direction for cosine similarity.
		v[0] = 1
		return v
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range v {
		v[i] *= inv
	}
	return v
}

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

// fnv1a continues an FNV-1a hash over s.
func fnv1a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime64
	}
	return h
}

// add adds a hashed feature: its bucket by the hash, its sign by the top bit.
func (h *Hashed) add(v []float32, sum uint64, weight float32) {
	if sum>>63 == 1 {
		weight = -weight
	}
	v[sum%uint64(h.dims)] += weight
}
