package vector

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drivemon/drivemon/services/indexer/lexical"
)

// QdrantConfig says how to reach a Qdrant server's gRPC port.
type QdrantConfig struct {
	// Addr is host:port of the gRPC API (Qdrant's default port is 6334).
	Addr   string
	APIKey string
	UseTLS bool
}

// Qdrant is the Index on a Qdrant server.
type Qdrant struct {
	client *qdrant.Client
}

// scrollPage is the page size of scrolls over a document's points.
const scrollPage = 256

// OpenQdrant connects to a Qdrant server (lazily: the first call fails if
// it is unreachable).
func OpenQdrant(cfg QdrantConfig) (*Qdrant, error) {
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("qdrant address %q: want host:port: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 {
		return nil, fmt.Errorf("qdrant address %q: bad port", cfg.Addr)
	}
	c, err := qdrant.NewClient(&qdrant.Config{
		Host: host, Port: port, APIKey: cfg.APIKey, UseTLS: cfg.UseTLS,
		SkipCompatibilityCheck: true, PoolSize: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to qdrant at %s: %w", cfg.Addr, err)
	}
	return &Qdrant{client: c}, nil
}

// Close closes the connection.
func (q *Qdrant) Close() error { return q.client.Close() }

func wait() *bool { return qdrant.PtrOf(true) }

func pathFilter(path string) *qdrant.Filter {
	return &qdrant.Filter{Must: []*qdrant.Condition{qdrant.NewMatchKeyword("path", path)}}
}

// missing reports an error saying the collection does not exist.
func missing(err error) bool {
	s, ok := status.FromError(errors.Unwrap(err))
	if !ok {
		s, ok = status.FromError(err)
	}
	return ok && s.Code() == codes.NotFound
}

func (q *Qdrant) wrap(op string, c Collection, err error) error {
	if missing(err) || (err != nil && strings.Contains(err.Error(), "doesn't exist")) {
		return fmt.Errorf("%s in %s (bot %s, kb %q): %w", op, c.Name(), c.Bot, c.KB, ErrNoCollection)
	}
	return fmt.Errorf("%s in %s: %w", op, c.Name(), err)
}

// Ensure implements Index: creates the collection (cosine) and its keyword
// index on "path", or checks the existing collection's vector size.
func (q *Qdrant) Ensure(ctx context.Context, c Collection, dims int) error {
	if dims <= 0 {
		return fmt.Errorf("creating collection %s: %w: %d dimensions", c.Name(), ErrVectorSize, dims)
	}
	name := c.Name()
	exists, err := q.client.CollectionExists(ctx, name)
	if err != nil {
		return fmt.Errorf("checking collection %s: %w", name, err)
	}
	if !exists {
		err := q.client.CreateCollection(ctx, &qdrant.CreateCollection{
			CollectionName: name,
			VectorsConfig:  qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: uint64(dims), Distance: qdrant.Distance_Cosine}),
			SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{
				SparseName: {Modifier: qdrant.Modifier_Idf.Enum()},
			}),
		})
		if err != nil && !alreadyExists(err) {
			return fmt.Errorf("creating collection %s: %w", name, err)
		}
		if _, err := q.client.CreateFieldIndex(ctx, &qdrant.CreateFieldIndexCollection{
			CollectionName: name, Wait: wait(), FieldName: "path",
			FieldType: qdrant.FieldType_FieldTypeKeyword.Enum(),
		}); err != nil {
			return fmt.Errorf("indexing the path payload of %s: %w", name, err)
		}
	}
	info, err := q.client.GetCollectionInfo(ctx, name)
	if err != nil {
		return fmt.Errorf("reading collection %s: %w", name, err)
	}
	size := int(info.GetConfig().GetParams().GetVectorsConfig().GetParams().GetSize())
	if size != dims {
		return fmt.Errorf("collection %s: %w: it holds %d dimensions, not %d", name, ErrVectorSize, size, dims)
	}
	sp := info.GetConfig().GetParams().GetSparseVectorsConfig().GetMap()[SparseName]
	if sp.GetModifier() != qdrant.Modifier_Idf {
		// Made before lexical search: rebuilt like a change of size.
		return fmt.Errorf("collection %s: %w: no %q sparse vector with the IDF modifier", name, ErrVectorSize, SparseName)
	}
	return nil
}

// SparseName is the name of the points' BM25 sparse vector in Qdrant.
const SparseName = "bm25"

// QdrantAvgLen is the chunk length, in terms, that Qdrant's BM25 length
// normalisation assumes: the sparse values are written once per point,
// so they cannot follow the collection's true average as the embedded
// index does. 50 is the average measured over the KB documents of the
// General Bots templates (54 chunks: Markdown guides cut at their
// sections, short PDFs).
const QdrantAvgLen = 50

// termIndex is the sparse dimension of a term: its 32-bit FNV-1a hash
// (terms that collide count as one).
func termIndex(t string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(t))
	return h.Sum32()
}

// sparseDoc is a point's BM25 sparse vector: for each term its saturated
// frequency lexical.TF; Qdrant multiplies it by the term's IDF.
func sparseDoc(terms map[string]int) ([]uint32, []float32) {
	tf := map[uint32]int{}
	dl := 0
	for t, n := range terms {
		tf[termIndex(t)] += n
		dl += n
	}
	idx := slices.Sorted(maps.Keys(tf))
	vals := make([]float32, len(idx))
	for i, x := range idx {
		vals[i] = float32(lexical.TF(tf[x], dl, QdrantAvgLen))
	}
	return idx, vals
}

// sparseQuery is a query's sparse vector: 1 for each distinct term.
func sparseQuery(terms []string) ([]uint32, []float32) {
	set := map[uint32]bool{}
	for _, t := range terms {
		set[termIndex(t)] = true
	}
	idx := slices.Sorted(maps.Keys(set))
	vals := make([]float32, len(idx))
	for i := range vals {
		vals[i] = 1
	}
	return idx, vals
}

func alreadyExists(err error) bool {
	s, ok := status.FromError(errors.Unwrap(err))
	return (ok && s.Code() == codes.AlreadyExists) || strings.Contains(err.Error(), "already exists")
}

// Drop implements Index.
func (q *Qdrant) Drop(ctx context.Context, c Collection) error {
	exists, err := q.client.CollectionExists(ctx, c.Name())
	if err != nil {
		return fmt.Errorf("checking collection %s: %w", c.Name(), err)
	}
	if !exists {
		return nil
	}
	if err := q.client.DeleteCollection(ctx, c.Name()); err != nil && !missing(err) {
		return fmt.Errorf("dropping collection %s: %w", c.Name(), err)
	}
	return nil
}

func payloadMap(p Payload) map[string]*qdrant.Value {
	return qdrant.NewValueMap(map[string]any{
		"bot": p.Bot, "kb": p.KB, "path": p.Path, "chunk_index": int64(p.ChunkIndex),
		"text": p.Text, "hash": p.Hash, "etag": p.ETag,
	})
}

func payloadOf(m map[string]*qdrant.Value) Payload {
	return Payload{
		Bot: m["bot"].GetStringValue(), KB: m["kb"].GetStringValue(), Path: m["path"].GetStringValue(),
		ChunkIndex: int(m["chunk_index"].GetIntegerValue()), Text: m["text"].GetStringValue(),
		Hash: m["hash"].GetStringValue(), ETag: m["etag"].GetStringValue(),
	}
}

// Upsert implements Index, in requests of at most 256 points.
func (q *Qdrant) Upsert(ctx context.Context, c Collection, pts []Point) error {
	if err := validPoints(c, pts, 0); err != nil {
		return err
	}
	for _, p := range pts {
		// Qdrant payload strings are protobuf strings, which must be
		// UTF-8 (the client panics on anything else).
		for _, s := range []string{p.Bot, p.KB, p.Path, p.Text, p.Hash, p.ETag} {
			if !utf8.ValidString(s) {
				return fmt.Errorf("%w: point %q: payload %q is not UTF-8, which a Qdrant payload cannot hold", ErrBadPoint, p.ID, strings.ToValidUTF8(s, "\uFFFD"))
			}
		}
	}
	for batch := range slices.Chunk(pts, 256) {
		ps := make([]*qdrant.PointStruct, len(batch))
		for i, p := range batch {
			idx, vals := sparseDoc(p.terms())
			ps[i] = &qdrant.PointStruct{Id: qdrant.NewID(p.ID), Payload: payloadMap(p.Payload), Vectors: qdrant.NewVectorsMap(map[string]*qdrant.Vector{
				"": qdrant.NewVectorDense(p.Vector), SparseName: qdrant.NewVectorSparse(idx, vals),
			})}
		}
		_, err := q.client.Upsert(ctx, &qdrant.UpsertPoints{CollectionName: c.Name(), Wait: wait(), Points: ps})
		if err != nil {
			if strings.Contains(err.Error(), "dimension") {
				return fmt.Errorf("upserting %d points in %s: %w: %w", len(ps), c.Name(), ErrVectorSize, err)
			}
			return q.wrap(fmt.Sprintf("upserting %d points", len(ps)), c, err)
		}
	}
	return nil
}

func ids(list []string) []*qdrant.PointId {
	out := make([]*qdrant.PointId, len(list))
	for i, id := range list {
		out[i] = qdrant.NewID(id)
	}
	return out
}

// Delete implements Index.
func (q *Qdrant) Delete(ctx context.Context, c Collection, list []string) error {
	if len(list) == 0 {
		return nil
	}
	_, err := q.client.Delete(ctx, &qdrant.DeletePoints{CollectionName: c.Name(), Wait: wait(), Points: qdrant.NewPointsSelectorIDs(ids(list))})
	if err != nil {
		return q.wrap(fmt.Sprintf("deleting %d points", len(list)), c, err)
	}
	return nil
}

// DeleteDocument implements Index with a filter on the path payload.
func (q *Qdrant) DeleteDocument(ctx context.Context, c Collection, path string) error {
	_, err := q.client.Delete(ctx, &qdrant.DeletePoints{CollectionName: c.Name(), Wait: wait(), Points: qdrant.NewPointsSelectorFilter(pathFilter(path))})
	if err != nil {
		return q.wrap("deleting document "+path, c, err)
	}
	return nil
}

// Document implements Index by scrolling with a filter on the path.
func (q *Qdrant) Document(ctx context.Context, c Collection, path string) ([]Point, error) {
	var out []Point
	var offset *qdrant.PointId
	for {
		pts, next, err := q.client.ScrollAndOffset(ctx, &qdrant.ScrollPoints{
			CollectionName: c.Name(), Filter: pathFilter(path), Offset: offset,
			Limit: qdrant.PtrOf(uint32(scrollPage)), WithPayload: qdrant.NewWithPayload(true),
			WithVectors: qdrant.NewWithVectors(false),
		})
		if err != nil {
			if missing(err) {
				return nil, nil
			}
			return nil, q.wrap("reading document "+path, c, err)
		}
		for _, p := range pts {
			out = append(out, Point{ID: p.GetId().GetUuid(), Payload: payloadOf(p.GetPayload())})
		}
		if next == nil || len(pts) == 0 {
			break
		}
		offset = next
	}
	sortPoints(out)
	return out, nil
}

// Vectors implements Index.
func (q *Qdrant) Vectors(ctx context.Context, c Collection, list []string) (map[string][]float32, error) {
	out := make(map[string][]float32, len(list))
	for batch := range slices.Chunk(list, scrollPage) {
		pts, err := q.client.Get(ctx, &qdrant.GetPoints{CollectionName: c.Name(), Ids: ids(batch), WithVectors: qdrant.NewWithVectorsInclude(""), WithPayload: qdrant.NewWithPayload(false)})
		if err != nil {
			return nil, q.wrap("reading vectors", c, err)
		}
		for _, p := range pts {
			v := p.GetVectors().GetVector()
			if v == nil {
				v = p.GetVectors().GetVectors().GetVectors()[""]
			}
			out[p.GetId().GetUuid()] = denseOf(v)
		}
	}
	return out, nil
}

func denseOf(v *qdrant.VectorOutput) []float32 {
	if d := v.GetDense().GetData(); len(d) > 0 {
		return d
	}
	//lint:ignore SA1019 older Qdrant servers fill only the deprecated field
	return v.GetData()
}

// Count implements Index (exact counts).
func (q *Qdrant) Count(ctx context.Context, c Collection, path string) (int, error) {
	req := &qdrant.CountPoints{CollectionName: c.Name(), Exact: qdrant.PtrOf(true)}
	if path != "" {
		req.Filter = pathFilter(path)
	}
	n, err := q.client.Count(ctx, req)
	if err != nil {
		if missing(err) {
			return 0, nil
		}
		return 0, q.wrap("counting "+path, c, err)
	}
	return int(n), nil
}

// Search implements Index.
func (q *Qdrant) Search(ctx context.Context, c Collection, vec []float32, k int) ([]Hit, error) {
	return q.Query(ctx, c, Query{Mode: ModeDense, Vector: vec}, k)
}

// Query implements Index with Qdrant's Query API: the dense vector, the
// "bm25" sparse vector (IDF applied by the server), or both as prefetches
// fused by the server's reciprocal rank fusion (k = RRFK).
func (q *Qdrant) Query(ctx context.Context, c Collection, qu Query, k int) ([]Hit, error) {
	if k <= 0 {
		return nil, nil
	}
	if err := qu.check(c); err != nil {
		return nil, err
	}
	idx, vals := sparseQuery(qu.Terms)
	if qu.Mode == ModeLexical && len(idx) == 0 {
		return nil, nil // no terms: nothing matches
	}
	req := &qdrant.QueryPoints{CollectionName: c.Name(), Limit: qdrant.PtrOf(uint64(k)), WithPayload: qdrant.NewWithPayload(true)}
	switch qu.Mode {
	case ModeDense:
		req.Query = qdrant.NewQueryDense(qu.Vector)
	case ModeLexical:
		req.Query, req.Using = qdrant.NewQuerySparse(idx, vals), qdrant.PtrOf(SparseName)
	case ModeHybrid:
		depth := qdrant.PtrOf(uint64(FusionDepth(k)))
		req.Prefetch = []*qdrant.PrefetchQuery{{Query: qdrant.NewQueryDense(qu.Vector), Limit: depth}}
		if len(idx) > 0 {
			req.Prefetch = append(req.Prefetch, &qdrant.PrefetchQuery{Query: qdrant.NewQuerySparse(idx, vals), Using: qdrant.PtrOf(SparseName), Limit: depth})
		}
		req.Query = qdrant.NewQueryRRF(&qdrant.Rrf{K: qdrant.PtrOf(uint32(RRFK))})
	}
	res, err := q.client.Query(ctx, req)
	if err != nil {
		if strings.Contains(err.Error(), "dimension") {
			return nil, fmt.Errorf("searching %s: %w: %w", c.Name(), ErrVectorSize, err)
		}
		return nil, q.wrap("searching", c, err)
	}
	out := make([]Hit, len(res))
	for i, p := range res {
		out[i] = Hit{ID: p.GetId().GetUuid(), Score: p.GetScore(), Payload: payloadOf(p.GetPayload())}
	}
	return out, nil
}
