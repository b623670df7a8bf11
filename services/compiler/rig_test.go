package compiler

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// files is the storage of the tests: a real drive.Dir over a temporary
// folder of <bot>.gbai packages, with an optional injected read failure.
type files struct {
	*drive.Dir
	root string
	base atomic.Uint64

	mu      sync.Mutex
	failing func(bot, path string) error // non-nil: returned by Read instead of reading
	reads   int
}

func newFiles(t testing.TB) *files {
	root := t.TempDir()
	return &files{Dir: drive.NewDir(root), root: root}
}

func (f *files) Read(ctx context.Context, bot, path string, max int64) ([]byte, drive.Object, error) {
	f.mu.Lock()
	fail := f.failing
	f.reads++
	f.mu.Unlock()
	if fail != nil {
		if err := fail(bot, path); err != nil {
			return nil, drive.Object{}, err
		}
	}
	return f.Dir.Read(ctx, bot, path, max)
}

func (f *files) List(ctx context.Context, bot, prefix string) iter.Seq2[drive.Object, error] {
	return f.Dir.List(ctx, bot, prefix)
}

func (f *files) setFailing(fn func(bot, path string) error) {
	f.mu.Lock()
	f.failing = fn
	f.mu.Unlock()
}

func (f *files) file(bot, path string) string {
	return filepath.Join(f.root, bot+events.PackageSuffix, filepath.FromSlash(path))
}

// write stores content and returns the change a detector would publish.
func (f *files) write(t testing.TB, bot, path, content string) events.Change {
	t.Helper()
	name := f.file(bot, path)
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := name + ".tmp~"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte(content))
	c := events.NewChange(bot, events.OpUpdated, path)
	c.ETag, c.Size, c.MTime = hex.EncodeToString(sum[:]), int64(len(content)), time.Now().UnixMilli()
	c.Source, c.DetectedBy, c.Base = events.SourceDir, events.DetectedByWatch, f.base.Add(1)
	return c
}

// remove deletes a file and returns the change a detector would publish.
func (f *files) remove(t testing.TB, bot, path string) events.Change {
	t.Helper()
	if err := os.Remove(f.file(bot, path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	c := events.NewChange(bot, events.OpDeleted, path)
	c.Source, c.DetectedBy, c.Base, c.MTime = events.SourceDir, events.DetectedByWatch, f.base.Add(1), time.Now().UnixMilli()
	return c
}

// testConfig retries fast, so failure paths finish in milliseconds.
func testConfig() Config {
	return Config{Concurrency: 2, RetryMin: 5 * time.Millisecond, RetryMax: 20 * time.Millisecond}
}

// stores are the store implementations integration tests run against.
var stores = []struct {
	name string
	open func(t testing.TB) store.Store
}{
	{"postgres", func(t testing.TB) store.Store {
		s, err := store.OpenPostgres(context.Background(), testinfra.Postgres(t))
		if err != nil {
			t.Fatalf("OpenPostgres: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"sqlite", openSQLite},
}

func openSQLite(t testing.TB) store.Store {
	s, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rig is embedded JetStream, a folder storage, a store, and outcomes
// collected from OUTCOMES.
type rig struct {
	js       jetstream.JetStream
	files    *files
	store    store.Store
	outcomes chan events.Outcome
	// early holds outcomes received while waiting for another one.
	early []events.Outcome
}

func newRig(t testing.TB, st store.Store) *rig {
	t.Helper()
	_, js := testinfra.JetStream(t)
	r := &rig{js: js, files: newFiles(t), store: st, outcomes: make(chan events.Outcome, 1024)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cons, err := js.OrderedConsumer(ctx, events.StreamOutcomes, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.OutcomeSubject(Name, "*")}})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		o, err := events.DecodeOutcome(m.Data())
		if err != nil {
			t.Errorf("bad outcome %s: %v", m.Data(), err)
			return
		}
		r.outcomes <- o
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)
	return r
}

// start runs one compiler replica until the end of the test.
func (r *rig) start(t testing.TB, cfg Config) *Service {
	t.Helper()
	svc, err := New(cfg, Deps{JS: r.js, Storage: r.files, Store: r.store})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return svc
}

// publish publishes a change and returns it with its stream sequence.
func (r *rig) publish(t testing.TB, c events.Change) events.Change {
	t.Helper()
	ack, err := bus.Publish(context.Background(), r.js, &c)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Duplicate {
		t.Fatalf("change %s was a duplicate", c.ID)
	}
	c.Seq = ack.Sequence
	return c
}

// outcome waits for the outcome of the change at seq.
func (r *rig) outcome(t testing.TB, seq uint64) events.Outcome {
	t.Helper()
	for i, o := range r.early {
		if o.ChangeSeq == seq {
			r.early = slices.Delete(r.early, i, i+1)
			return o
		}
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case o := <-r.outcomes:
			if o.ChangeSeq == seq {
				return o
			}
			r.early = append(r.early, o)
		case <-timeout:
			t.Fatalf("no outcome for change seq %d within 20s", seq)
		}
	}
}

// noMoreOutcomes fails if an outcome arrives within d.
func (r *rig) noMoreOutcomes(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case o := <-r.outcomes:
		t.Fatalf("unexpected outcome %+v", o)
	default:
	}
	if len(r.early) > 0 {
		t.Fatalf("unexpected outcomes %+v", r.early)
	}
	select {
	case o := <-r.outcomes:
		t.Fatalf("unexpected outcome %+v", o)
	case <-time.After(d):
	}
}
