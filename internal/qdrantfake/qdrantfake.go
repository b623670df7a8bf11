// Package qdrantfake is an in-memory server of the Qdrant gRPC API (the
// Collections and Points services) with just the behaviour drivemon's
// Qdrant adapter (services/indexer/vector) uses, strict about what it is
// sent: writes must wait, filters must be a keyword match on an indexed
// field, ids must be UUIDs, collections must declare the "bm25" sparse
// vector with the IDF modifier, every point must carry the unnamed dense
// vector of the collection's size and a well-formed "bm25" sparse vector,
// and hybrid queries must be prefetches fused by RRF with k set. The
// vector tests run the adapter against it; cmd/qdrant-standin serves it as
// a stand-in for the qdrant image where no Qdrant can be had.
package qdrantfake

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// SparseName is the one sparse vector a collection may declare.
const SparseName = "bm25"

// Server is the store behind both gRPC services; it keeps everything in
// memory.
type Server struct {
	mu   sync.Mutex
	cols map[string]*fakeCollection
}

// fakeCollections and fakePoints are the two gRPC services over one store.
type fakeCollections struct {
	qdrant.UnimplementedCollectionsServer
	*Server
}

type fakePoints struct {
	qdrant.UnimplementedPointsServer
	*Server
}

type fakeCollection struct {
	dims     int
	distance qdrant.Distance
	indexes  map[string]qdrant.FieldType
	points   map[string]*fakePoint
}

type fakePoint struct {
	vec     []float32
	sparse  map[uint32]float32
	payload map[string]*qdrant.Value
}

// New returns an empty store.
func New() *Server {
	return &Server{cols: map[string]*fakeCollection{}}
}

// Register adds the Collections and Points services of f to s.
func (f *Server) Register(s *grpc.Server) {
	qdrant.RegisterCollectionsServer(s, fakeCollections{Server: f})
	qdrant.RegisterPointsServer(s, fakePoints{Server: f})
}

// CollectionInfo is what a collection was created with.
type CollectionInfo struct {
	Dims     int
	Distance qdrant.Distance
	Indexes  map[string]qdrant.FieldType // payload field → index type
	Points   int
}

// Collection describes the collection name, if it exists.
func (f *Server) Collection(name string) (CollectionInfo, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cols[name]
	if !ok {
		return CollectionInfo{}, false
	}
	return CollectionInfo{Dims: c.dims, Distance: c.distance, Indexes: maps.Clone(c.indexes), Points: len(c.points)}, true
}

// Collections lists the collections' names, sorted.
func (f *Server) Collections() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.cols))
}

// Sparse returns the stored sparse vector of point id (a UUID) in the
// collection name, nil if there is no such point.
func (f *Server) Sparse(name, id string) map[uint32]float32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.cols[name]
	if !ok || c.points[id] == nil {
		return nil
	}
	return maps.Clone(c.points[id].sparse)
}

func (f *Server) col(name string) (*fakeCollection, error) {
	c, ok := f.cols[name]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Not found: Collection `%s` doesn't exist!", name)
	}
	return c, nil
}

func (f fakeCollections) CollectionExists(ctx context.Context, r *qdrant.CollectionExistsRequest) (*qdrant.CollectionExistsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.cols[r.GetCollectionName()]
	return &qdrant.CollectionExistsResponse{Result: &qdrant.CollectionExists{Exists: ok}}, nil
}

func (f fakeCollections) Create(ctx context.Context, r *qdrant.CreateCollection) (*qdrant.CollectionOperationResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.cols[r.GetCollectionName()]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "Collection `%s` already exists!", r.GetCollectionName())
	}
	p := r.GetVectorsConfig().GetParams()
	if p == nil || p.GetSize() == 0 {
		return nil, status.Error(codes.InvalidArgument, "fake: want one unnamed dense vector config")
	}
	sp := r.GetSparseVectorsConfig().GetMap()
	if len(sp) != 1 || sp[SparseName].GetModifier() != qdrant.Modifier_Idf {
		return nil, status.Errorf(codes.InvalidArgument, "fake: want one sparse vector %q with the IDF modifier, got %v", SparseName, sp)
	}
	f.cols[r.GetCollectionName()] = &fakeCollection{dims: int(p.GetSize()), distance: p.GetDistance(), indexes: map[string]qdrant.FieldType{}, points: map[string]*fakePoint{}}
	return &qdrant.CollectionOperationResponse{Result: true}, nil
}

func (f fakeCollections) Get(ctx context.Context, r *qdrant.GetCollectionInfoRequest) (*qdrant.GetCollectionInfoResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.col(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	return &qdrant.GetCollectionInfoResponse{Result: &qdrant.CollectionInfo{
		PointsCount: qdrant.PtrOf(uint64(len(c.points))),
		Config: &qdrant.CollectionConfig{Params: &qdrant.CollectionParams{
			VectorsConfig: qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: uint64(c.dims), Distance: c.distance}),
			SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{
				SparseName: {Modifier: qdrant.Modifier_Idf.Enum()},
			}),
		}},
	}}, nil
}

func (f fakeCollections) Delete(ctx context.Context, r *qdrant.DeleteCollection) (*qdrant.CollectionOperationResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.cols[r.GetCollectionName()]
	delete(f.cols, r.GetCollectionName())
	return &qdrant.CollectionOperationResponse{Result: ok}, nil
}

func (f fakePoints) CreateFieldIndex(ctx context.Context, r *qdrant.CreateFieldIndexCollection) (*qdrant.PointsOperationResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.col(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	c.indexes[r.GetFieldName()] = r.GetFieldType()
	return done(), nil
}

func done() *qdrant.PointsOperationResponse {
	return &qdrant.PointsOperationResponse{Result: &qdrant.UpdateResult{Status: qdrant.UpdateStatus_Completed}}
}

func mustWait(w *bool) error {
	if w == nil || !*w {
		return status.Error(codes.InvalidArgument, "fake: writes must wait")
	}
	return nil
}

func pointID(id *qdrant.PointId) (string, error) {
	u := id.GetUuid()
	if _, err := uuid.Parse(u); err != nil {
		return "", status.Errorf(codes.InvalidArgument, "fake: point id %v is not a UUID", id)
	}
	return u, nil
}

func unit(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	out := slices.Clone(v)
	if n > 0 {
		for i := range out {
			out[i] = float32(float64(out[i]) / math.Sqrt(n))
		}
	}
	return out
}

func (f fakePoints) Upsert(ctx context.Context, r *qdrant.UpsertPoints) (*qdrant.PointsOperationResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := mustWait(r.Wait); err != nil {
		return nil, err
	}
	c, err := f.col(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	pts := make(map[string]*fakePoint, len(r.GetPoints()))
	for _, p := range r.GetPoints() {
		id, err := pointID(p.GetId())
		if err != nil {
			return nil, err
		}
		named := p.GetVectors().GetVectors().GetVectors()
		if len(named) != 2 {
			return nil, status.Errorf(codes.InvalidArgument, "fake: point %s: want the named vectors \"\" and %q, got %v", id, SparseName, p.GetVectors())
		}
		v := named[""].GetDense().GetData()
		if len(v) != c.dims {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.dims, len(v))
		}
		sv, err := sparseOfVector(named[SparseName].GetSparse())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "fake: point %s: %v", id, err)
		}
		pts[id] = &fakePoint{vec: unit(v), sparse: sv, payload: p.GetPayload()}
	}
	maps.Copy(c.points, pts)
	return done(), nil
}

// sparseOfVector checks a sparse vector as Qdrant does: as many values as
// indices, no index twice.
func sparseOfVector(v *qdrant.SparseVector) (map[uint32]float32, error) {
	if v == nil {
		return nil, errors.New("no sparse vector")
	}
	if len(v.GetIndices()) != len(v.GetValues()) {
		return nil, fmt.Errorf("sparse vector with %d indices and %d values", len(v.GetIndices()), len(v.GetValues()))
	}
	out := make(map[uint32]float32, len(v.GetIndices()))
	for i, x := range v.GetIndices() {
		if _, dup := out[x]; dup {
			return nil, fmt.Errorf("sparse index %d given twice", x)
		}
		out[x] = v.GetValues()[i]
	}
	return out, nil
}

// match applies the one filter shape the adapter may send.
func (c *fakeCollection) match(flt *qdrant.Filter) (func(*fakePoint) bool, error) {
	if flt == nil {
		return func(*fakePoint) bool { return true }, nil
	}
	if len(flt.GetMust()) != 1 || len(flt.GetShould()) > 0 || len(flt.GetMustNot()) > 0 {
		return nil, status.Error(codes.InvalidArgument, "fake: want exactly one must condition")
	}
	fc := flt.GetMust()[0].GetField()
	kw, ok := fc.GetMatch().GetMatchValue().(*qdrant.Match_Keyword)
	if fc == nil || !ok {
		return nil, status.Error(codes.InvalidArgument, "fake: want a keyword match")
	}
	if c.indexes[fc.GetKey()] != qdrant.FieldType_FieldTypeKeyword {
		return nil, status.Errorf(codes.InvalidArgument, "fake: filter on %q, which has no keyword index", fc.GetKey())
	}
	key, want := fc.GetKey(), kw.Keyword
	return func(p *fakePoint) bool { return p.payload[key].GetStringValue() == want }, nil
}

func (f fakePoints) Delete(ctx context.Context, r *qdrant.DeletePoints) (*qdrant.PointsOperationResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := mustWait(r.Wait); err != nil {
		return nil, err
	}
	c, err := f.col(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if list := r.GetPoints().GetPoints(); list != nil {
		for _, id := range list.GetIds() {
			u, err := pointID(id)
			if err != nil {
				return nil, err
			}
			delete(c.points, u)
		}
		return done(), nil
	}
	m, err := c.match(r.GetPoints().GetFilter())
	if err != nil {
		return nil, err
	}
	if r.GetPoints().GetFilter() == nil {
		return nil, status.Error(codes.InvalidArgument, "fake: delete without ids or filter")
	}
	for id, p := range c.points {
		if m(p) {
			delete(c.points, id)
		}
	}
	return done(), nil
}

// retrieved answers with the dense vector when it is asked for (by
// enable, or by including "" in a selector), as Qdrant does for a
// collection with named vectors.
func (f *Server) retrieved(id string, p *fakePoint, sel *qdrant.WithVectorsSelector) *qdrant.RetrievedPoint {
	rp := &qdrant.RetrievedPoint{Id: qdrant.NewID(id), Payload: p.payload}
	if sel.GetEnable() || slices.Contains(sel.GetInclude().GetNames(), "") {
		dense := &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Dense{Dense: &qdrant.DenseVector{Data: p.vec}}}
		rp.Vectors = &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vectors{Vectors: &qdrant.NamedVectorsOutput{Vectors: map[string]*qdrant.VectorOutput{"": dense}}}}
	}
	return rp
}

func (f fakePoints) Get(ctx context.Context, r *qdrant.GetPoints) (*qdrant.GetResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.col(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	var out []*qdrant.RetrievedPoint
	for _, id := range r.GetIds() {
		u, err := pointID(id)
		if err != nil {
			return nil, err
		}
		if p, ok := c.points[u]; ok {
			out = append(out, f.retrieved(u, p, r.GetWithVectors()))
		}
	}
	return &qdrant.GetResponse{Result: out}, nil
}

func (f fakePoints) Scroll(ctx context.Context, r *qdrant.ScrollPoints) (*qdrant.ScrollResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.col(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	m, err := c.match(r.GetFilter())
	if err != nil {
		return nil, err
	}
	var keys []string
	for id, p := range c.points {
		if m(p) && (r.Offset == nil || id >= r.GetOffset().GetUuid()) {
			keys = append(keys, id)
		}
	}
	sort.Strings(keys)
	limit := int(r.GetLimit())
	if limit == 0 {
		limit = 10
	}
	resp := &qdrant.ScrollResponse{}
	for i, id := range keys {
		if i == limit {
			resp.NextPageOffset = qdrant.NewID(id)
			break
		}
		resp.Result = append(resp.Result, f.retrieved(id, c.points[id], r.GetWithVectors()))
	}
	return resp, nil
}

func (f fakePoints) Count(ctx context.Context, r *qdrant.CountPoints) (*qdrant.CountResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.col(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	m, err := c.match(r.GetFilter())
	if err != nil {
		return nil, err
	}
	n := 0
	for _, p := range c.points {
		if m(p) {
			n++
		}
	}
	return &qdrant.CountResponse{Result: &qdrant.CountResult{Count: uint64(n)}}, nil
}

func (f fakePoints) Query(ctx context.Context, r *qdrant.QueryPoints) (*qdrant.QueryResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.col(r.GetCollectionName())
	if err != nil {
		return nil, err
	}
	if c.distance != qdrant.Distance_Cosine {
		return nil, status.Error(codes.Internal, "fake: only cosine collections")
	}
	var out []*qdrant.ScoredPoint
	if rrf := r.GetQuery().GetRrf(); rrf != nil {
		if rrf.K == nil || len(r.GetPrefetch()) == 0 {
			return nil, status.Error(codes.InvalidArgument, "fake: want RRF with k set over prefetches")
		}
		var lists [][]*qdrant.ScoredPoint
		for _, p := range r.GetPrefetch() {
			l, err := c.nearest(p.GetQuery(), p.GetUsing(), int(p.GetLimit()))
			if err != nil {
				return nil, err
			}
			lists = append(lists, l)
		}
		out = fakeRRF(int(rrf.GetK()), lists)
	} else if out, err = c.nearest(r.GetQuery(), r.GetUsing(), len(c.points)); err != nil {
		return nil, err
	}
	if n := int(r.GetLimit()); len(out) > n {
		out = out[:n]
	}
	return &qdrant.QueryResponse{Result: out}, nil
}

// nearest ranks the points for a dense query on the unnamed vector or a
// sparse one on "bm25" (dot product, each term weighted by its IDF as the
// modifier does), best first, limit at most; points without a shared term
// have no sparse score and are left out.
func (c *fakeCollection) nearest(q *qdrant.Query, using string, limit int) ([]*qdrant.ScoredPoint, error) {
	in := q.GetNearest()
	var out []*qdrant.ScoredPoint
	switch {
	case using == "" && in.GetDense() != nil:
		v := in.GetDense().GetData()
		if len(v) != c.dims {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.dims, len(v))
		}
		v = unit(v)
		for id, p := range c.points {
			var s float32
			for i := range v {
				s += v[i] * p.vec[i]
			}
			out = append(out, &qdrant.ScoredPoint{Id: qdrant.NewID(id), Score: s, Payload: p.payload})
		}
	case using == SparseName && in.GetSparse() != nil:
		qv, err := sparseOfVector(in.GetSparse())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "fake: query: %v", err)
		}
		for id, p := range c.points {
			var s float64
			hit := false
			for x, w := range qv {
				if d, ok := p.sparse[x]; ok {
					hit = true
					s += idf(len(c.points), c.df(x)) * float64(w) * float64(d)
				}
			}
			if hit {
				out = append(out, &qdrant.ScoredPoint{Id: qdrant.NewID(id), Score: float32(s), Payload: p.payload})
			}
		}
	default:
		return nil, status.Errorf(codes.InvalidArgument, "fake: want a dense query on \"\" or a sparse one on %q, got %v using %q", SparseName, q, using)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].GetId().GetUuid() < out[j].GetId().GetUuid()
	})
	return out[:min(limit, len(out))], nil
}

// idf is the weight of Qdrant's IDF modifier for a term in df of n points:
// ln(1 + (n - df + 0.5)/(df + 0.5)).
func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// df counts the points whose sparse vector has index x.
func (c *fakeCollection) df(x uint32) int {
	n := 0
	for _, p := range c.points {
		if _, ok := p.sparse[x]; ok {
			n++
		}
	}
	return n
}

// fakeRRF fuses rankings: each point scores the sum of 1/(k + rank), rank
// from 1.
func fakeRRF(k int, lists [][]*qdrant.ScoredPoint) []*qdrant.ScoredPoint {
	byID := map[string]*qdrant.ScoredPoint{}
	for _, l := range lists {
		for rank, p := range l {
			id := p.GetId().GetUuid()
			if byID[id] == nil {
				byID[id] = &qdrant.ScoredPoint{Id: p.GetId(), Payload: p.GetPayload()}
			}
			byID[id].Score += float32(1 / float64(k+rank+1))
		}
	}
	out := slices.Collect(maps.Values(byID))
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].GetId().GetUuid() < out[j].GetId().GetUuid()
	})
	return out
}
