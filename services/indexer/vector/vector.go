package vector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/drivemon/drivemon/services/indexer/lexical"
)

// Index stores and searches the chunk vectors of knowledge bases. Methods
// on a collection that does not exist fail with ErrNoCollection, except
// Drop, Count (0) and Document (none), for which a missing collection is
// simply empty.
type Index interface {
	// Ensure creates the collection with vectors of dims dimensions, or
	// checks the existing one has that size (ErrVectorSize otherwise).
	Ensure(ctx context.Context, c Collection, dims int) error
	// Drop deletes the collection and all its points.
	Drop(ctx context.Context, c Collection) error
	// Upsert writes points, replacing those with the same ids.
	Upsert(ctx context.Context, c Collection, pts []Point) error
	// Delete removes points by id; unknown ids are ignored.
	Delete(ctx context.Context, c Collection, ids []string) error
	// DeleteDocument removes every point whose path payload is path.
	DeleteDocument(ctx context.Context, c Collection, path string) error
	// Document returns the points of one path without their vectors,
	// ordered by chunk index.
	Document(ctx context.Context, c Collection, path string) ([]Point, error)
	// Vectors returns the vectors of the given points that exist.
	Vectors(ctx context.Context, c Collection, ids []string) (map[string][]float32, error)
	// Count counts the points of path, or of the whole collection when
	// path is "".
	Count(ctx context.Context, c Collection, path string) (int, error)
	// Search returns the k points most similar to vec by cosine, best
	// first (Query with ModeDense).
	Search(ctx context.Context, c Collection, vec []float32, k int) ([]Hit, error)
	// Query returns the k best points for q in q.Mode, best first.
	Query(ctx context.Context, c Collection, q Query, k int) ([]Hit, error)
}

// Mode is how a Query ranks points.
type Mode string

// Modes of Query; a Hit's Score is per mode.
const (
	// ModeDense ranks by the cosine similarity of the vectors (-1..1).
	ModeDense Mode = "dense"
	// ModeLexical ranks by BM25 over the points' terms (0 and up, no upper
	// bound; points sharing no term with the query are not returned).
	ModeLexical Mode = "lexical"
	// ModeHybrid fuses the dense and the lexical ranking by reciprocal
	// rank fusion: the sum over both lists of 1/(RRFK + rank), rank from 1,
	// over each list's FusionDepth(k) best (at most 2/61).
	ModeHybrid Mode = "hybrid"
)

// RRFK is the k of reciprocal rank fusion (the value of the original paper
// and of most engines).
const RRFK = 60

// FusionDepth is how many of each ranking's best points a hybrid query of
// k results fuses.
func FusionDepth(k int) int { return max(k, 50) }

// Query is a search: Vector for ModeDense, Terms (lexical.Analyzer's
// query terms, distinct) for ModeLexical, both for ModeHybrid.
type Query struct {
	Mode   Mode
	Vector []float32
	Terms  []string
}

func (q Query) check(c Collection) error {
	switch q.Mode {
	case ModeDense, ModeLexical, ModeHybrid:
	default:
		return fmt.Errorf("searching %s: unknown mode %q", c.Name(), q.Mode)
	}
	if q.Mode != ModeLexical && len(q.Vector) == 0 {
		return fmt.Errorf("searching %s: %w: a %s query needs a vector", c.Name(), ErrVectorSize, q.Mode)
	}
	return nil
}

// Sentinel errors.
var (
	// ErrNoCollection: the collection does not exist.
	ErrNoCollection = errors.New("no such collection")
	// ErrVectorSize: a vector's size differs from its collection's.
	ErrVectorSize = errors.New("vector size mismatch")
	// ErrBadPoint: a point lacks an id, a vector or a path.
	ErrBadPoint = errors.New("invalid point")
)

// Collection is the knowledge base KB of a bot.
type Collection struct {
	Bot, KB string
}

// Name is CollectionName(c.Bot, c.KB).
func (c Collection) Name() string { return CollectionName(c.Bot, c.KB) }

// CollectionName is the one name of the collection of a bot's knowledge
// base: "drivemon_<bot>_<kb>_<hash>", where <kb> keeps the letters, digits
// and dashes of the KB name (at most 40, others as "_") and <hash> is 8 hex
// digits of the SHA-256 of the exact KB name, so distinct names never
// collide. The result is a valid Qdrant collection name and file name.
func CollectionName(bot, kb string) string {
	var b strings.Builder
	for _, r := range kb {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	sum := sha256.Sum256([]byte(kb))
	return "drivemon_" + bot + "_" + b.String() + "_" + hex.EncodeToString(sum[:4])
}

// pointNamespace is the UUIDv5 namespace of point ids.
var pointNamespace = uuid.MustParse("6f0c1e8a-3b2d-5c4e-9a7f-1d2e3f405162")

// PointID is the one id of a chunk's point: a UUIDv5 over bot, KB, path,
// the chunk's content hash and its occurrence (0 for the first chunk with
// that hash in the document, 1 for the second…). The chunk's index is left
// out, so a chunk that only moves keeps its id.
func PointID(bot, kb, path, hash string, occurrence int) string {
	var b strings.Builder
	for _, s := range []string{bot, kb, path, hash, strconv.Itoa(occurrence)} {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return uuid.NewSHA1(pointNamespace, []byte(b.String())).String()
}

// Payload is what a point carries besides its vector.
type Payload struct {
	Bot        string `json:"bot"`
	KB         string `json:"kb"`
	Path       string `json:"path"`
	ChunkIndex int    `json:"chunk_index"`
	Text       string `json:"text"`
	Hash       string `json:"hash"`
	// ETag is the version of the document the point was written for.
	ETag string `json:"etag"`
}

// Point is one stored chunk.
type Point struct {
	ID     string
	Vector []float32 // nil when read by Document
	// Terms counts the chunk's terms for BM25 (lexical.Analyzer.Terms);
	// nil means the payload text analysed in English. Not returned by
	// Document.
	Terms map[string]int
	Payload
}

// terms is p.Terms, or the English terms of its text when nil.
func (p Point) terms() map[string]int {
	if p.Terms != nil {
		return p.Terms
	}
	return lexical.English.Terms(p.Text)
}

// Hit is a search result.
type Hit struct {
	ID    string
	Score float32
	Payload
}

func validPoints(c Collection, pts []Point, dims int) error {
	for _, p := range pts {
		if p.ID == "" || p.Path == "" || len(p.Vector) == 0 {
			return fmt.Errorf("%w: point %q of %q lacks an id, a path or a vector", ErrBadPoint, p.ID, p.Path)
		}
		if dims > 0 && len(p.Vector) != dims {
			return fmt.Errorf("%w: point %s has %d dimensions, collection %s has %d", ErrVectorSize, p.ID, len(p.Vector), c.Name(), dims)
		}
	}
	return nil
}

// sortPoints orders a document's points by chunk index, then id.
func sortPoints(pts []Point) {
	slices.SortFunc(pts, func(a, b Point) int {
		if a.ChunkIndex != b.ChunkIndex {
			return a.ChunkIndex - b.ChunkIndex
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// fuse merges rankings by reciprocal rank fusion (RRFK), best first, k at
// most; equal scores are ordered by id so the result is deterministic.
func fuse(k int, lists ...[]Hit) []Hit {
	score := map[string]float64{}
	hit := map[string]Hit{}
	for _, l := range lists {
		for rank, h := range l {
			score[h.ID] += 1 / float64(RRFK+rank+1)
			if _, ok := hit[h.ID]; !ok {
				hit[h.ID] = h
			}
		}
	}
	out := make([]Hit, 0, len(hit))
	for id, h := range hit {
		h.Score = float32(score[id])
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b Hit) int {
		if sa, sb := score[a.ID], score[b.ID]; sa != sb {
			if sa > sb {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out[:min(k, len(out))]
}
