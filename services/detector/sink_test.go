package detector

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// fakeSink records, one line a call, what a source hands over, so a test
// asserts exactly what a source said without an engine, NATS or a state.
type fakeSink struct {
	mu     sync.Mutex
	calls  []string
	stored []string // StoredBots' answer
	// probe are paths Reconcile asks its covers about (recorded as
	// covers=[the ones it selects]).
	probe []string
	// waitErr, when set, is ObserveAndWait's answer.
	waitErr error
}

func (f *fakeSink) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// obs is one observation as a line: what a source decided about a path.
func obs(o observation) string {
	s := fmt.Sprintf("%s %q exists=%t by=%s", o.Bot, o.Path, o.Exists, o.By)
	if o.Exists {
		s += fmt.Sprintf(" size=%d etag=%q", o.Obj.Size, o.Obj.ETag)
	}
	if o.From != "" {
		s += fmt.Sprintf(" from=%q", o.From)
	}
	if o.Confirmed {
		s += " confirmed"
	}
	return s
}

func (f *fakeSink) Observe(_ context.Context, o observation) error {
	f.add("Observe %s", obs(o))
	return nil
}

func (f *fakeSink) ObserveAndWait(_ context.Context, o observation) error {
	f.add("ObserveAndWait %s", obs(o))
	return f.waitErr
}

func (f *fakeSink) Reject(_ context.Context, bot, path string, reason error) {
	f.add("Reject %s %q badpath=%t", bot, path, errors.Is(reason, events.ErrBadPath))
}

func (f *fakeSink) SetPackage(_ context.Context, bot string, present bool, by events.Detection) error {
	f.add("SetPackage %s present=%t by=%s", bot, present, by)
	return nil
}

// Reconcile reads the whole listing: one line with every object (path and
// size, sorted) and every error that marks a bad path.
func (f *fakeSink) Reconcile(_ context.Context, bot string, listing iter.Seq2[drive.Object, error], covers func(string) bool) error {
	var items []string
	for obj, err := range listing {
		switch {
		case err != nil:
			items = append(items, fmt.Sprintf("error(badpath=%t)", errors.Is(err, events.ErrBadPath)))
		default:
			items = append(items, fmt.Sprintf("%q size=%d etag=%q", obj.Path, obj.Size, obj.ETag))
		}
	}
	slices.Sort(items)
	line := fmt.Sprintf("Reconcile %s all=%t [%s]", bot, covers == nil, strings.Join(items, " "))
	if covers != nil {
		var sel []string
		for _, p := range f.probe {
			if covers(p) {
				sel = append(sel, p)
			}
		}
		line += fmt.Sprintf(" covers=%q", sel)
	}
	f.add("%s", line)
	return nil
}

func (f *fakeSink) StoredBots(context.Context) ([]string, error) {
	f.add("StoredBots")
	return slices.Clone(f.stored), nil
}

func (f *fakeSink) Duplicate() { f.add("Duplicate") }

// take returns the calls recorded since the last take.
func (f *fakeSink) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// waitFor waits until a call equal to want was recorded, then returns (and
// forgets) every call recorded so far.
func (f *fakeSink) waitFor(t *testing.T, want string) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.mu.Lock()
		ok := slices.Contains(f.calls, want)
		f.mu.Unlock()
		if ok {
			return f.take()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no call %s; got:\n  %s", want, strings.Join(f.take(), "\n  "))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDirSourceSink: the folder source's initial scan of a small tree
// reports each package found (at any depth) with exactly its listing, and
// a package the state holds but the folder lacks as lost with an empty
// listing; after the scan, a new file, a file with a name that cannot
// enter the system and a removed file reach the sink as one observation,
// one rejection and one confirmed absence.
func TestDirSourceSink(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	harbor := filepath.Join(root, "harbor.gbai")
	write(t, filepath.Join(harbor, "a.txt"), "alpha")
	write(t, filepath.Join(harbor, "d.gbdialog", "start.bas"), "x")
	write(t, filepath.Join(harbor, "d.gbdialog", ".start.bas.swp"), "editor swap: ignored")
	write(t, filepath.Join(harbor, `bad\name.txt`), "a backslash")
	write(t, filepath.Join(root, "fleet", "reef.gbai", "k.gbkb", "doc.md"), "# reef")
	write(t, filepath.Join(root, "fleet", "notes.txt"), "outside every package")

	cfg := Config{Dir: root, Settle: 30 * time.Millisecond, Rescan: time.Hour}.WithDefaults()
	src := newDirSource(cfg, drive.NewDir(root), testLog())
	sink := &fakeSink{stored: []string{"harbor", "gone"}}
	ctx, cancel := context.WithCancel(context.Background())
	scanned := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx, sink, sync.OnceFunc(func() { close(scanned) })) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	select {
	case <-scanned:
	case <-time.After(10 * time.Second):
		t.Fatal("initial scan did not finish")
	}

	got := sink.take()
	slices.Sort(got) // the reconciliations run in parallel
	want := []string{
		`Reconcile gone all=true []`,
		`Reconcile harbor all=true ["a.txt" size=5 etag="" "d.gbdialog/start.bas" size=1 etag="" error(badpath=true)]`,
		`Reconcile reef all=true ["k.gbkb/doc.md" size=6 etag=""]`,
		`SetPackage gone present=false by=watch`,
		`SetPackage harbor present=true by=watch`,
		`SetPackage reef present=true by=watch`,
		`StoredBots`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("initial scan:\n got  %s\n want %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}

	steps := []struct {
		do   func()
		want string
	}{
		{func() { write(t, filepath.Join(harbor, "new.md"), "hello!") }, `Observe harbor "new.md" exists=true by=watch size=6 etag=""`},
		{func() { write(t, filepath.Join(harbor, `x\y.md`), "no") }, `Reject harbor "x\\y.md" badpath=true`},
		{func() {
			if err := os.Remove(filepath.Join(harbor, "a.txt")); err != nil {
				t.Fatal(err)
			}
		}, `Observe harbor "a.txt" exists=false by=watch confirmed`},
	}
	for _, s := range steps {
		s.do()
		if got := sink.waitFor(t, s.want); len(got) != 1 {
			t.Errorf("want only %s, got:\n  %s", s.want, strings.Join(got, "\n  "))
		}
	}
}

// TestS3NotificationSink: a raw notification of a known bot reaches the
// sink as one unconfirmed observation of its URL-decoded path; its second
// copy is only counted as a duplicate; a path that cannot enter the system
// is rejected; folder markers and objects outside any package are
// dropped; and a copy whose handling failed is not remembered, so its
// redelivery is handled again.
func TestS3NotificationSink(t *testing.T) {
	st, err := drive.NewS3(drive.S3Config{Endpoint: "127.0.0.1:1"}) // never dialled: the bot is known
	if err != nil {
		t.Fatal(err)
	}
	src := newS3Source(Config{}.WithDefaults(), st, nil, testLog())
	src.known["harbor"] = true
	sink := &fakeSink{}
	ctx := context.Background()
	steps := []struct {
		body    []byte
		waitErr error
		want    []string
		wantErr error
	}{
		{minioRecord("harbor.gbai", "d.gbdialog/start bas.bas", "s3:ObjectCreated:Put", "e1", "S1"), nil,
			[]string{`ObserveAndWait harbor "d.gbdialog/start bas.bas" exists=false by=notify`}, nil},
		{minioRecord("harbor.gbai", "d.gbdialog/start bas.bas", "s3:ObjectCreated:Put", "e1", "S1"), nil,
			[]string{`Duplicate`}, nil},
		{minioRecord("harbor.gbai", "a/../b.txt", "s3:ObjectCreated:Put", "e2", "S2"), nil,
			[]string{`Reject harbor "a/../b.txt" badpath=true`}, nil},
		{minioRecord("harbor.gbai", "k.gbkb/", "s3:ObjectCreated:Put", "", "S3"), nil, nil, nil},
		{minioRecord("scratch", "a.txt", "s3:ObjectCreated:Put", "e4", "S4"), nil, nil, nil},
		{minioRecord("harbor.gbai", "c.txt", "s3:ObjectRemoved:Delete", "", "S5"), context.DeadlineExceeded,
			[]string{`ObserveAndWait harbor "c.txt" exists=false by=notify`}, context.DeadlineExceeded},
		{minioRecord("harbor.gbai", "c.txt", "s3:ObjectRemoved:Delete", "", "S5"), nil,
			[]string{`ObserveAndWait harbor "c.txt" exists=false by=notify`}, nil},
		{[]byte(`{"Records":[]}`), nil, nil, errMalformed},
	}
	for i, s := range steps {
		sink.waitErr = s.waitErr
		err := src.handleRaw(ctx, sink, s.body)
		if !errors.Is(err, s.wantErr) || (err == nil) != (s.wantErr == nil) {
			t.Errorf("step %d: error %v, want %v", i, err, s.wantErr)
		}
		if got := sink.take(); !slices.Equal(got, s.want) {
			t.Errorf("step %d: calls %q, want %q", i, got, s.want)
		}
	}
	// A malformed body is parked, not retried.
	if err := src.handleRaw(ctx, sink, []byte(`{"Records":[]}`)); !errors.Is(err, worker.ErrPermanent) {
		t.Errorf("malformed body: %v is not permanent", err)
	}
}

// TestIntegrationS3SourceSink: the S3 source's discovery reports its bot
// found and a bot the state holds but the store lacks lost, with an empty
// listing, and leaves alone a stored bot it is not configured for; a
// reconciliation of one kind lists exactly that kind's objects, with
// MinIO's ETags (the MD5 of a single PUT), and covers only its paths.
func TestIntegrationS3SourceSink(t *testing.T) {
	f := s3Fixture(t, false)
	f.put(t, "a.gbdialog/start.bas", []byte("x"))
	f.put(t, "k.gbkb/faq/q.md", []byte("alpha"))
	f.put(t, "k.gbkb/faq/", nil) // a folder marker: never a file
	f.cfg.Bots = append(f.cfg.Bots, "lost")
	src := newS3Source(f.cfg.WithDefaults(), f.deps.S3, f.js, testLog())
	sink := &fakeSink{stored: []string{f.bot, "lost", "other"}, probe: []string{"k.gbkb/z.md", "a.gbdialog/z.bas", "z.gbdrive/z.txt"}}
	ctx := context.Background()

	if err := src.discover(ctx, sink); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"SetPackage " + f.bot + " present=true by=reconcile",
		"StoredBots",
		"SetPackage lost present=false by=reconcile",
		"Reconcile lost all=true []",
	}
	if got := sink.take(); !slices.Equal(got, want) {
		t.Errorf("discover:\n got  %q\n want %q", got, want)
	}

	if err := src.reconcileBot(ctx, sink, f.bot, map[events.Kind]bool{events.KindKB: true}); err != nil {
		t.Fatal(err)
	}
	want = []string{"Reconcile " + f.bot + ` all=false ["k.gbkb/faq/q.md" size=5 etag="2c1743a391305fbf367df8e4f069f9f9"] covers=["k.gbkb/z.md"]`}
	if got := sink.take(); !slices.Equal(got, want) {
		t.Errorf("reconcile kb:\n got  %q\n want %q", got, want)
	}
	if err := src.reconcileBot(ctx, sink, f.bot, map[events.Kind]bool{events.KindKB: true, events.KindDialog: true}); err != nil {
		t.Fatal(err)
	}
	want = []string{"Reconcile " + f.bot + ` all=false ["a.gbdialog/start.bas" size=1 etag="9dd4e461268c8034f5c8564e155c67a6" "k.gbkb/faq/q.md" size=5 etag="2c1743a391305fbf367df8e4f069f9f9"] covers=["k.gbkb/z.md" "a.gbdialog/z.bas"]`}
	if got := sink.take(); !slices.Equal(got, want) {
		t.Errorf("reconcile kb and dialog:\n got  %q\n want %q", got, want)
	}
}
