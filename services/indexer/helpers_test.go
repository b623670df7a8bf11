package indexer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/indexer/chunk"
	"github.com/drivemon/drivemon/services/indexer/embed"
	"github.com/drivemon/drivemon/services/indexer/extract"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// memReader is an in-memory drive.Reader.
type memReader struct {
	mu    sync.Mutex
	files map[string][]byte
	// delay, if set, is slept after each read: the time between reading a
	// file and writing its chunks, where concurrent syncs could interleave.
	delay time.Duration
	// hold, if set, makes the next read wait until the channel closes
	// (after taking the content), then clears itself.
	hold atomic.Pointer[chan struct{}]
	// reads counts the reads of each key (bot/path).
	reads map[string]int
}

func newMemReader() *memReader {
	return &memReader{files: map[string][]byte{}, reads: map[string]int{}}
}

// readsOf returns how many times each path was read for which keep holds.
func (m *memReader) readsOf(keep func(path string) bool) map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for k, n := range m.reads {
		if keep(k) {
			out[k] = n
		}
	}
	return out
}

func (m *memReader) put(bot, path string, data []byte) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[events.Key(bot, path)] = append([]byte(nil), data...)
	return etagOf(data)
}

func (m *memReader) remove(bot, path string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, events.Key(bot, path))
}

func etagOf(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

func (m *memReader) Read(ctx context.Context, bot, path string, max int64) ([]byte, drive.Object, error) {
	m.mu.Lock()
	data, ok := m.files[events.Key(bot, path)]
	m.reads[events.Key(bot, path)]++
	delay := m.delay
	m.mu.Unlock()
	if strings.HasSuffix(path, ".csv") {
		delay = 0
	} else if gate := m.hold.Swap(nil); gate != nil {
		<-*gate
	}
	if delay > 0 {
		time.Sleep(time.Duration(rand.Int64N(int64(delay))))
	}
	if !ok {
		return nil, drive.Object{}, fmt.Errorf("%s: %w", path, drive.ErrNotFound)
	}
	obj := drive.Object{Bot: bot, Path: path, ETag: etagOf(data), Size: int64(len(data))}
	if int64(len(data)) > max {
		return nil, obj, fmt.Errorf("%s: %w", path, drive.ErrTooLarge)
	}
	return append([]byte(nil), data...), obj, nil
}

// countingEmbedder counts the texts it embeds.
type countingEmbedder struct {
	embed.Embedder
	texts atomic.Int64
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.texts.Add(int64(len(texts)))
	return c.Embedder.Embed(ctx, texts)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type fixture struct {
	js     jetstream.JetStream
	seq    uint64 // of the settings published
	reader *memReader
	index  *vector.Embedded
	emb    *countingEmbedder
	svc    *Service
}

// newFixture starts embedded JetStream and wires one service over an
// embedded index.
func newFixture(t *testing.T, edit func(*Config)) *fixture {
	t.Helper()
	return newFixtureTB(t, edit)
}

func newFixtureTB(t testing.TB, edit func(*Config)) *fixture {
	t.Helper()
	_, js := testinfra.JetStream(t)
	ix, err := vector.OpenEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	f := &fixture{js: js, reader: newMemReader(), index: ix, emb: &countingEmbedder{Embedder: embed.NewHashed(0)}}
	f.svc = f.replica(t, "r0", edit)
	return f
}

func (f *fixture) replica(t testing.TB, owner string, edit func(*Config)) *Service {
	t.Helper()
	cfg := Config{DataDir: t.TempDir(), LeaseWait: 2 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg, Deps{JetStream: f.js, Reader: f.reader, Index: f.index, Embedder: f.emb, Logger: quiet(), Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// settings publishes csv as the settings of bot's config.csv at path, as
// the compiler does, and waits until svc applies them.
func (f *fixture) settings(t testing.TB, svc *Service, bot, path, csv string) {
	t.Helper()
	ctx := context.Background()
	cfg, problems := botpkg.Validate([]byte(csv))
	if botpkg.HasErrors(problems) {
		t.Fatalf("%q: %v", csv, problems)
	}
	kv, err := bus.EnsureSettings(ctx, f.js)
	if err != nil {
		t.Fatal(err)
	}
	f.seq++
	st := cfg.Settings()
	st.Bot, st.Path, st.Seq = bot, path, f.seq
	if _, err := bus.PutSettings(ctx, kv, st); err != nil {
		t.Fatal(err)
	}
	view, err := svc.settingsView(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitForTB(t, "the settings to reach the indexer", 10*time.Second, func() bool {
		got, ok := view.Governing(bot, path)
		return ok && got.Path == path && got.Seq == st.Seq
	})
}

func (f *fixture) count(t *testing.T, bot, path string) int {
	t.Helper()
	n, err := f.index.Count(context.Background(), vector.Collection{Bot: bot, KB: events.Classify(path).KB}, path)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// publish publishes a change of path as storage now has it.
func (f *fixture) publish(t *testing.T, bot string, op events.Op, path string) {
	t.Helper()
	c := events.NewChange(bot, op, path)
	c.Source, c.DetectedBy = events.SourceDir, events.DetectedByWatch
	if op != events.OpDeleted {
		data, obj, err := f.reader.Read(context.Background(), bot, path, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		c.ETag, c.Size = obj.ETag, int64(len(data))
	}
	c.Base = uint64(time.Now().UnixNano()) // every publish a distinct change
	if _, err := bus.Publish(context.Background(), f.js, &c); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	waitForTB(t, what, d, cond)
}

func waitForTB(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func collectionOf(bot, path string) vector.Collection {
	return vector.Collection{Bot: bot, KB: events.Classify(path).KB}
}

// matches reports whether pts are exactly the chunks of content.
func matches(pts []vector.Point, content, path string) bool {
	text, err := extract.New(extract.Limits{}).Extract(context.Background(), path, []byte(content))
	if err != nil {
		return false
	}
	chunks := chunk.Split(text, chunk.Options{})
	if len(pts) != len(chunks) {
		return false
	}
	for i, c := range chunks {
		if pts[i].Hash != c.Hash {
			return false
		}
	}
	return true
}
