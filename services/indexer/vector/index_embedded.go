package vector

import (
	"bufio"
	"container/heap"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/drivemon/drivemon/pkg/events"
)

// Embedded is the in-process Index (see the package comment). Safe for
// concurrent use.
type Embedded struct {
	dir  string
	mu   sync.RWMutex
	cols map[string]*collection
}

// collection holds one collection's points in flat arrays.
type collection struct {
	name     string
	dims     int
	ids      []string
	vecs     []float32 // len(ids)*dims, each vector unit length
	payloads []Payload
	slot     map[string]int
	byPath   map[string]map[string]struct{}
	lex      *lexIndex
	log      *os.File
	logSize  int64
	dead     int // records superseded since the last compaction
}

// Log records.
const (
	opCreate byte = 1
	opUpsert byte = 2
	opDelete byte = 3
	// opUpsertTerms is opUpsert with each point's terms after its vector;
	// points of an opUpsert record get the English terms of their text.
	opUpsertTerms byte = 4
)

const logSuffix = ".vlog"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// OpenEmbedded opens (creating it if needed) the index stored in dir and
// loads every collection in it.
func OpenEmbedded(dir string) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("opening vector index %s: %w", dir, err)
	}
	e := &Embedded{dir: dir, cols: map[string]*collection{}}
	files, err := filepath.Glob(filepath.Join(dir, "*"+logSuffix))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		c, err := loadCollection(f)
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("opening vector index %s: %w", dir, err)
		}
		e.cols[c.name] = c
	}
	return e, nil
}

// Close closes the logs.
func (e *Embedded) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for _, c := range e.cols {
		if c.log != nil {
			errs = append(errs, c.log.Close())
			c.log = nil
		}
	}
	return errors.Join(errs...)
}

func newCollection(name string, dims int) *collection {
	return &collection{name: name, dims: dims, slot: map[string]int{}, byPath: map[string]map[string]struct{}{}, lex: newLexIndex()}
}

func loadCollection(file string) (*collection, error) {
	f, err := os.OpenFile(file, os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(file), logSuffix)
	var c *collection
	r := bufio.NewReaderSize(f, 1<<20)
	var good int64
	for {
		body, n, err := readRecord(r)
		if err != nil {
			// io.EOF: the end; anything else: a torn or corrupt tail,
			// cut off below.
			break
		}
		if c == nil {
			if len(body) == 0 || body[0] != opCreate {
				break
			}
			dims, _ := binary.Uvarint(body[1:])
			c = newCollection(name, int(dims))
		} else if err := c.apply(body); err != nil {
			break
		}
		good += n
	}
	if c == nil {
		f.Close()
		return nil, fmt.Errorf("collection log %s has no valid header", file)
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	c.log, c.logSize = f, good
	return c, nil
}

func readRecord(r *bufio.Reader) ([]byte, int64, error) {
	var hdr [recordHeader]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, 0, err
	}
	n := binary.LittleEndian.Uint32(hdr[:4])
	if n > 1<<30 {
		return nil, 0, errors.New("record too large")
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, 0, err
	}
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(hdr[4:]) {
		return nil, 0, errors.New("checksum mismatch")
	}
	return body, int64(n) + recordHeader, nil
}

// apply replays one log record.
func (c *collection) apply(body []byte) error {
	d := decoder{b: body[1:]}
	switch body[0] {
	case opUpsert, opUpsertTerms:
		n := d.uvarint()
		for range n {
			id := d.str()
			p, err := decodePayload([]byte(d.str()))
			if err != nil {
				return err
			}
			vec := d.floats(c.dims)
			pt := Point{ID: id, Vector: vec, Payload: p}
			if body[0] == opUpsertTerms {
				pt.Terms = d.terms()
			}
			if d.err != nil {
				return d.err
			}
			c.put(pt.ID, pt.Vector, pt.Payload, pt.terms())
		}
	case opDelete:
		n := d.uvarint()
		for range n {
			id := d.str()
			if d.err != nil {
				return d.err
			}
			c.remove(id)
		}
	default:
		return fmt.Errorf("unknown record %d", body[0])
	}
	return d.err
}

func (c *collection) put(id string, vec []float32, p Payload, terms map[string]int) {
	c.lex.put(id, terms)
	if i, ok := c.slot[id]; ok {
		c.dead++
		if old := c.payloads[i].Path; old != p.Path {
			c.unlinkPath(old, id)
		}
		copy(c.vecs[i*c.dims:(i+1)*c.dims], vec)
		c.payloads[i] = p
	} else {
		c.slot[id] = len(c.ids)
		c.ids = append(c.ids, id)
		c.vecs = append(c.vecs, vec...)
		c.payloads = append(c.payloads, p)
	}
	m := c.byPath[p.Path]
	if m == nil {
		m = map[string]struct{}{}
		c.byPath[p.Path] = m
	}
	m[id] = struct{}{}
}

func (c *collection) unlinkPath(path, id string) {
	if m := c.byPath[path]; m != nil {
		delete(m, id)
		if len(m) == 0 {
			delete(c.byPath, path)
		}
	}
}

func (c *collection) remove(id string) {
	i, ok := c.slot[id]
	if !ok {
		return
	}
	c.dead += 2
	c.lex.remove(id)
	c.unlinkPath(c.payloads[i].Path, id)
	last := len(c.ids) - 1
	if i != last {
		c.ids[i] = c.ids[last]
		c.payloads[i] = c.payloads[last]
		copy(c.vecs[i*c.dims:(i+1)*c.dims], c.vecs[last*c.dims:])
		c.slot[c.ids[i]] = i
	}
	c.ids = c.ids[:last]
	c.payloads = c.payloads[:last]
	c.vecs = c.vecs[:last*c.dims]
	delete(c.slot, id)
}

// recordHeader is what stands before a record's body: its length and
// checksum.
const recordHeader = 8

// putHeader fills hdr (recordHeader bytes) for body.
func putHeader(hdr, body []byte) {
	binary.LittleEndian.PutUint32(hdr[:4], uint32(len(body)))
	binary.LittleEndian.PutUint32(hdr[4:recordHeader], crc32.Checksum(body, crcTable))
}

// write appends one record to the log and syncs it.
func (c *collection) write(body []byte) error {
	return c.writeRecord(append(make([]byte, recordHeader, recordHeader+len(body)), body...))
}

// writeRecord is write of a body built after recordHeader bytes of room:
// the header is put there and the log gets the record in one write.
func (c *collection) writeRecord(rec []byte) error {
	putHeader(rec, rec[recordHeader:])
	if _, err := c.log.Write(rec); err != nil {
		return err
	}
	c.logSize += int64(len(rec))
	return c.log.Sync()
}

func (e *Embedded) file(name string) string { return filepath.Join(e.dir, name+logSuffix) }

// Ensure implements Index.
func (e *Embedded) Ensure(ctx context.Context, col Collection, dims int) error {
	if dims <= 0 {
		return fmt.Errorf("creating collection %s: %w: %d dimensions", col.Name(), ErrVectorSize, dims)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	name := col.Name()
	if c, ok := e.cols[name]; ok {
		if c.dims != dims {
			return fmt.Errorf("collection %s: %w: it holds %d dimensions, not %d", name, ErrVectorSize, c.dims, dims)
		}
		return nil
	}
	c := newCollection(name, dims)
	if err := e.rewrite(c); err != nil {
		return fmt.Errorf("creating collection %s: %w", name, err)
	}
	e.cols[name] = c
	return nil
}

// rewrite writes c's live state to a new log and swaps it in atomically.
func (e *Embedded) rewrite(c *collection) error {
	tmp, err := os.CreateTemp(e.dir, c.name+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	var size int64
	put := func(body []byte) error {
		var hdr [recordHeader]byte
		putHeader(hdr[:], body)
		if _, err := w.Write(hdr[:]); err != nil {
			return err
		}
		_, err := w.Write(body)
		size += int64(len(body)) + 8
		return err
	}
	if err := put(binary.AppendUvarint([]byte{opCreate}, uint64(c.dims))); err != nil {
		tmp.Close()
		return err
	}
	for start := 0; start < len(c.ids); start += 1024 {
		end := min(start+1024, len(c.ids))
		pts := make([]Point, 0, end-start)
		for i := start; i < end; i++ {
			pts = append(pts, Point{ID: c.ids[i], Vector: c.vecs[i*c.dims : (i+1)*c.dims], Terms: c.lex.termsOf(c.ids[i]), Payload: c.payloads[i]})
		}
		if err := put(upsertRecord(pts)[recordHeader:]); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := os.Rename(tmp.Name(), e.file(c.name)); err != nil {
		tmp.Close()
		return err
	}
	if c.log != nil {
		c.log.Close()
	}
	c.log, c.logSize, c.dead = tmp, size, 0
	if d, err := os.Open(e.dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// upsertRecord is an opUpsertTerms record of points whose Terms are set,
// after recordHeader bytes of room (see writeRecord), built in one
// allocation of its exact size.
func upsertRecord(pts []Point) []byte {
	payloads := make([][]byte, len(pts))
	size := 1 + uvarintLen(len(pts))
	for i, p := range pts {
		payloads[i] = encodePayload(p.Payload)
		size += strLen(len(p.ID)) + strLen(len(payloads[i])) + 4*len(p.Vector) + uvarintLen(len(p.Terms))
		for t, n := range p.Terms {
			size += strLen(len(t)) + uvarintLen(n)
		}
	}
	b := make([]byte, recordHeader, recordHeader+size)
	b = binary.AppendUvarint(append(b, opUpsertTerms), uint64(len(pts)))
	for i, p := range pts {
		b = appendStr(b, p.ID)
		b = appendStr(b, payloads[i])
		for _, x := range p.Vector {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
		b = binary.AppendUvarint(b, uint64(len(p.Terms)))
		for t, n := range p.Terms {
			b = appendStr(b, t)
			b = binary.AppendUvarint(b, uint64(n))
		}
	}
	return b
}

func appendStr[S string | []byte](b []byte, s S) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// uvarintLen is the length of n as a uvarint.
func uvarintLen(n int) int { return (bits.Len64(uint64(n)|1) + 6) / 7 }

// strLen is the length of a string of n bytes as appendStr writes it.
func strLen(n int) int { return uvarintLen(n) + n }

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errors.New("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil || uint64(len(d.b)) < n {
		d.err = errors.New("short string")
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// terms reads a point's terms: a count, then term and count pairs.
func (d *decoder) terms() map[string]int {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errors.New("bad term count")
		return nil
	}
	out := make(map[string]int, n)
	for range n {
		t := d.str()
		out[t] = int(d.uvarint())
	}
	return out
}

func (d *decoder) floats(n int) []float32 {
	if d.err != nil || len(d.b) < 4*n {
		d.err = errors.New("short vector")
		return nil
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b[4*i:]))
	}
	d.b = d.b[4*n:]
	return v
}

// Drop implements Index.
func (e *Embedded) Drop(ctx context.Context, col Collection) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	name := col.Name()
	if c, ok := e.cols[name]; ok && c.log != nil {
		c.log.Close()
	}
	delete(e.cols, name)
	if err := os.Remove(e.file(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("dropping collection %s: %w", name, err)
	}
	return nil
}

func (e *Embedded) get(col Collection) (*collection, error) {
	c, ok := e.cols[col.Name()]
	if !ok {
		return nil, fmt.Errorf("collection %s (bot %s, kb %q): %w", col.Name(), col.Bot, col.KB, ErrNoCollection)
	}
	return c, nil
}

// Upsert implements Index. Vectors are stored normalised to unit length.
func (e *Embedded) Upsert(ctx context.Context, col Collection, pts []Point) error {
	if len(pts) == 0 {
		return nil
	}
	// Terms and unit vectors before the lock: searches wait on it.
	norm := make([]Point, len(pts))
	total := 0
	for _, p := range pts {
		total += len(p.Vector)
	}
	vecs := make([]float32, total) // one allocation for all the copies
	for i, p := range pts {
		n := len(p.Vector)
		p.Vector = normalizeTo(vecs[:n:n], p.Vector)
		vecs = vecs[n:]
		p.Terms = p.terms()
		norm[i] = p
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.get(col)
	if err != nil {
		return err
	}
	if err := validPoints(col, pts, c.dims); err != nil {
		return err
	}
	if err := c.writeRecord(upsertRecord(norm)); err != nil {
		return fmt.Errorf("writing %d points to %s: %w", len(pts), c.name, err)
	}
	for _, p := range norm {
		c.put(p.ID, p.Vector, p.Payload, p.Terms)
	}
	return e.maybeCompact(c)
}

// maybeCompact rewrites a log whose superseded records outnumber the live
// points (and are many).
func (e *Embedded) maybeCompact(c *collection) error {
	if c.dead < 4096 || c.dead < len(c.ids) {
		return nil
	}
	if err := e.rewrite(c); err != nil {
		return fmt.Errorf("compacting %s: %w", c.name, err)
	}
	return nil
}

// Delete implements Index.
func (e *Embedded) Delete(ctx context.Context, col Collection, ids []string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.get(col)
	if err != nil {
		return err
	}
	return e.deleteLocked(c, ids)
}

func (e *Embedded) deleteLocked(c *collection, ids []string) error {
	var present []string
	for _, id := range ids {
		if _, ok := c.slot[id]; ok {
			present = append(present, id)
		}
	}
	if len(present) == 0 {
		return nil
	}
	b := binary.AppendUvarint([]byte{opDelete}, uint64(len(present)))
	for _, id := range present {
		b = appendStr(b, id)
	}
	if err := c.write(b); err != nil {
		return fmt.Errorf("deleting %d points from %s: %w", len(present), c.name, err)
	}
	for _, id := range present {
		c.remove(id)
	}
	return e.maybeCompact(c)
}

// DeleteDocument implements Index.
func (e *Embedded) DeleteDocument(ctx context.Context, col Collection, path string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := e.get(col)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(c.byPath[path]))
	for id := range c.byPath[path] {
		ids = append(ids, id)
	}
	return e.deleteLocked(c, ids)
}

// Document implements Index.
func (e *Embedded) Document(ctx context.Context, col Collection, path string) ([]Point, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c, ok := e.cols[col.Name()]
	if !ok {
		return nil, nil
	}
	out := make([]Point, 0, len(c.byPath[path]))
	for id := range c.byPath[path] {
		out = append(out, Point{ID: id, Payload: c.payloads[c.slot[id]]})
	}
	sortPoints(out)
	return out, nil
}

// Vectors implements Index.
func (e *Embedded) Vectors(ctx context.Context, col Collection, ids []string) (map[string][]float32, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c, err := e.get(col)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]float32, len(ids))
	for _, id := range ids {
		if i, ok := c.slot[id]; ok {
			out[id] = slices.Clone(c.vecs[i*c.dims : (i+1)*c.dims])
		}
	}
	return out, nil
}

// Count implements Index.
func (e *Embedded) Count(ctx context.Context, col Collection, path string) (int, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c, ok := e.cols[col.Name()]
	if !ok {
		return 0, nil
	}
	if path == "" {
		return len(c.ids), nil
	}
	return len(c.byPath[path]), nil
}

// Search implements Index.
func (e *Embedded) Search(ctx context.Context, col Collection, vec []float32, k int) ([]Hit, error) {
	return e.Query(ctx, col, Query{Mode: ModeDense, Vector: vec}, k)
}

// Query implements Index: dense by a full scan, lexical through the
// inverted index, hybrid by fusing both (FusionDepth(k) of each).
func (e *Embedded) Query(ctx context.Context, col Collection, q Query, k int) ([]Hit, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c, err := e.get(col)
	if err != nil {
		return nil, err
	}
	if err := q.check(col); err != nil {
		return nil, err
	}
	switch q.Mode {
	case ModeLexical:
		return c.lexical(q.Terms, k), nil
	case ModeHybrid:
		n := FusionDepth(k)
		dense, err := c.dense(q.Vector, n)
		if err != nil {
			return nil, err
		}
		return fuse(k, dense, c.lexical(q.Terms, n)), nil
	}
	return c.dense(q.Vector, k)
}

// LexicalStats returns the BM25 statistics of a collection (for checks).
func (e *Embedded) LexicalStats(ctx context.Context, col Collection) (LexicalStats, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c, err := e.get(col)
	if err != nil {
		return LexicalStats{}, err
	}
	return c.lex.stats(), nil
}

func (c *collection) lexical(terms []string, k int) []Hit {
	lh := c.lex.search(terms, k)
	out := make([]Hit, len(lh))
	for i, h := range lh {
		out[i] = Hit{ID: h.id, Score: h.score, Payload: c.payloads[c.slot[h.id]]}
	}
	return out
}

// dense is a full scan keeping the k best in a heap.
func (c *collection) dense(vec []float32, k int) ([]Hit, error) {
	if len(vec) != c.dims {
		return nil, fmt.Errorf("searching %s: %w: query has %d dimensions, the collection %d", c.name, ErrVectorSize, len(vec), c.dims)
	}
	if k <= 0 {
		return nil, nil
	}
	q := normalized(vec)
	h := make(minHeap, 0, k+1)
	d := c.dims
	for i := range c.ids {
		s := dot(q, c.vecs[i*d:(i+1)*d:(i+1)*d])
		if len(h) < k {
			heap.Push(&h, scored{i, s})
		} else if s > h[0].score {
			h[0] = scored{i, s}
			heap.Fix(&h, 0)
		}
	}
	out := make([]Hit, len(h))
	for n := len(h) - 1; n >= 0; n-- {
		s := heap.Pop(&h).(scored)
		out[n] = Hit{ID: c.ids[s.i], Score: s.score, Payload: c.payloads[s.i]}
	}
	return out, nil
}

// dot is the dot product of two vectors of the same length, unrolled by 4.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

type scored struct {
	i     int
	score float32
}

type minHeap []scored

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return h[i].score < h[j].score }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func normalized(v []float32) []float32 {
	return normalizeTo(make([]float32, len(v)), v)
}

// normalizeTo writes v scaled to unit length (zeros if v is zero) to out,
// of v's length, and returns out.
func normalizeTo(out, v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return out
	}
	inv := float32(1 / math.Sqrt(n))
	for i, x := range v {
		out[i] = x * inv
	}
	return out
}

// payloadRecord is a payload as the log stores it: JSON, with the exact
// bytes of a path or KB name that is not UTF-8 in "path_b64" and "kb_b64"
// (events.PathToJSON), since a JSON string cannot hold them. A record
// without them (all UTF-8, or written before they existed) reads as is.
type payloadRecord struct {
	Payload
	PathB64 string `json:"path_b64,omitempty"`
	KBB64   string `json:"kb_b64,omitempty"`
}

func encodePayload(p Payload) []byte {
	w := payloadRecord{Payload: p}
	w.Path, w.PathB64 = events.PathToJSON(p.Path)
	w.KB, w.KBB64 = events.PathToJSON(p.KB)
	js, _ := json.Marshal(w) // strings and ints only: cannot fail
	return js
}

func decodePayload(b []byte) (Payload, error) {
	var w payloadRecord
	if err := json.Unmarshal(b, &w); err != nil {
		return Payload{}, err
	}
	var err error
	if w.Path, err = events.PathFromJSON(w.Path, w.PathB64); err != nil {
		return Payload{}, fmt.Errorf("point payload: path_b64: %w", err)
	}
	if w.KB, err = events.PathFromJSON(w.KB, w.KBB64); err != nil {
		return Payload{}, fmt.Errorf("point payload: kb_b64: %w", err)
	}
	return w.Payload, nil
}
