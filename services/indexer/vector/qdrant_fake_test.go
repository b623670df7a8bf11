package vector

import (
	"context"
	"math"
	"net"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeQdrant is an in-memory Qdrant speaking the real gRPC API, with just
// the behaviour the adapter uses, strict about what it is sent: writes
// must wait, filters must be a keyword match on an indexed "path", ids must
// be UUIDs, vectors must have the collection's size.
type fakeQdrant struct {
	mu   sync.Mutex
	cols map[string]*fakeCollection
}

// fakeCollections and fakePoints are the two gRPC services over one store.
type fakeCollections struct {
	qdrant.UnimplementedCollectionsServer
	*fakeQdrant
}

type fakePoints struct {
	qdrant.UnimplementedPointsServer
	*fakeQdrant
}

type fakeCollection struct {
	dims     int
	distance qdrant.Distance
	indexes  map[string]qdrant.FieldType
	points   map[string]*fakePoint
}

type fakePoint struct {
	vec     []float32
	payload map[string]*qdrant.Value
}

// startFakeQdrant serves a fakeQdrant on a local port for t.
func startFakeQdrant(t testing.TB) (*fakeQdrant, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeQdrant{cols: map[string]*fakeCollection{}}
	s := grpc.NewServer()
	qdrant.RegisterCollectionsServer(s, fakeCollections{fakeQdrant: f})
	qdrant.RegisterPointsServer(s, fakePoints{fakeQdrant: f})
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return f, lis.Addr().String()
}

func (f *fakeQdrant) col(name string) (*fakeCollection, error) {
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
	for _, p := range r.GetPoints() {
		if _, err := pointID(p.GetId()); err != nil {
			return nil, err
		}
		v := p.GetVectors().GetVector().GetDense().GetData()
		if len(v) != c.dims {
			return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.dims, len(v))
		}
	}
	for _, p := range r.GetPoints() {
		id, _ := pointID(p.GetId())
		c.points[id] = &fakePoint{vec: unit(p.GetVectors().GetVector().GetDense().GetData()), payload: p.GetPayload()}
	}
	return done(), nil
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

func (f *fakeQdrant) retrieved(id string, p *fakePoint, vectors bool) *qdrant.RetrievedPoint {
	rp := &qdrant.RetrievedPoint{Id: qdrant.NewID(id), Payload: p.payload}
	if vectors {
		rp.Vectors = &qdrant.VectorsOutput{VectorsOptions: &qdrant.VectorsOutput_Vector{Vector: &qdrant.VectorOutput{Vector: &qdrant.VectorOutput_Dense{Dense: &qdrant.DenseVector{Data: p.vec}}}}}
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
			out = append(out, f.retrieved(u, p, r.GetWithVectors().GetEnable()))
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
		resp.Result = append(resp.Result, f.retrieved(id, c.points[id], r.GetWithVectors().GetEnable()))
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
	q := r.GetQuery().GetNearest().GetDense().GetData()
	if len(q) != c.dims {
		return nil, status.Errorf(codes.InvalidArgument, "Wrong input: Vector dimension error: expected dim: %d, got %d", c.dims, len(q))
	}
	q = unit(q)
	var out []*qdrant.ScoredPoint
	for id, p := range c.points {
		var s float32
		for i := range q {
			s += q[i] * p.vec[i]
		}
		out = append(out, &qdrant.ScoredPoint{Id: qdrant.NewID(id), Score: s, Payload: p.payload})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if n := int(r.GetLimit()); len(out) > n {
		out = out[:n]
	}
	return &qdrant.QueryResponse{Result: out}, nil
}
