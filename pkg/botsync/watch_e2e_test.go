package botsync

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// counter counts the HTTP requests an S3 client sends: the client's own
// trace of what a sync asks of REMOTE.
type counter struct {
	base                http.RoundTripper
	all, listings, gets atomic.Int64
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.all.Add(1)
	switch {
	case r.Method == http.MethodGet && r.URL.Query().Has("list-type"):
		c.listings.Add(1)
	case r.Method == http.MethodGet && strings.Trim(r.URL.Path, "/") != e2eBucketOnly(r):
		c.gets.Add(1) // an object's content
	}
	return c.base.RoundTrip(r)
}

func (c *counter) reset() { c.all.Store(0); c.listings.Store(0); c.gets.Store(0) }

// e2eBucketOnly is the request's path when it names a bucket alone.
func e2eBucketOnly(r *http.Request) string {
	b, _, _ := strings.Cut(strings.Trim(r.URL.Path, "/"), "/")
	return b
}

// watchEnv is a LOCAL folder and a bucket <bot>.gbai reached through a
// counting client, and an embedded JetStream with drivemon's streams.
type watchEnv struct {
	local, bot, bucket string
	s3                 *testinfra.S3Env
	count              *counter
	tree               *S3Tree
	js                 jetstream.JetStream
}

func newWatchEnv(t *testing.T) *watchEnv {
	t.Helper()
	e := &watchEnv{local: filepath.Join(t.TempDir(), "harbor.gbai"), s3: testinfra.S3(t)}
	if err := os.Mkdir(e.local, 0o755); err != nil {
		t.Fatal(err)
	}
	e.bot, e.bucket = e.s3.Bucket(t)
	e.count = &counter{base: http.DefaultTransport}
	c, err := minio.New(e.s3.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(e.s3.AccessKey, e.s3.SecretKey, ""),
		Region: "us-east-1", Transport: e.count})
	if err != nil {
		t.Fatal(err)
	}
	if e.tree, err = NewS3TreeClient(c, e.bucket, ""); err != nil {
		t.Fatal(err)
	}
	_, e.js = testinfra.JetStream(t)
	return e
}

func (e *watchEnv) syncer(t *testing.T) *Syncer {
	t.Helper()
	f, err := NewFilter(DefaultExcludes)
	if err != nil {
		t.Fatal(err)
	}
	return &Syncer{Local: mustDir(t, e.local), Remote: e.tree, Opt: Options{Mode: TwoWay, Filter: f, Host: "laptop",
		StateFile: BasePath(e.local, e.tree.String())}}
}

// watching runs Watch until the returned stop is called; stop fails the
// test unless Watch returned nil within 10 s.
func watching(t *testing.T, s *Syncer, o WatchOptions) (passes *atomic.Int64, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	passes = &atomic.Int64{}
	then := o.OnPass
	o.OnPass = func(sum Summary, err error) {
		if then != nil {
			then(sum, err)
		}
		passes.Add(1)
		if err != nil || sum.Errors > 0 {
			t.Errorf("pass: %s, %v", sum, err)
		}
	}
	done := make(chan error, 1)
	go func() {
		done <- s.Watch(ctx, o, func(a Action) {
			if a.Err != nil {
				t.Errorf("%s %q: %v", a.Op, a.Path, a.Err)
			}
		})
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("watch: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("watch did not end within 10 s of its context")
			}
		})
	}
	t.Cleanup(stop)
	return passes, stop
}

// put writes an object behind the sync's back (not counted) and, like the
// detector would, publishes the change on DRIVE.
func (e *watchEnv) put(t *testing.T, p, content string, op events.Op) {
	t.Helper()
	ctx := context.Background()
	info, err := e.s3.Client.PutObject(ctx, e.bucket, p, strings.NewReader(content), int64(len(content)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := events.NewChange(e.bot, op, p)
	c.ETag, c.Size, c.MTime = info.ETag, info.Size, time.Now().UnixMilli()
	c.Source, c.DetectedBy = events.SourceS3, events.DetectedByNotify
	e.publish(t, &c)
}

func (e *watchEnv) publish(t *testing.T, c *events.Change) uint64 {
	t.Helper()
	ack, err := bus.Publish(context.Background(), e.js, c)
	if err != nil {
		t.Fatalf("publishing %s %q: %v", c.Op, c.Path, err)
	}
	return ack.Sequence
}

func (e *watchEnv) object(t *testing.T, p string) (string, bool) {
	t.Helper()
	obj, err := e.s3.Client.GetObject(context.Background(), e.bucket, p, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		return "", false
	}
	return string(data), true
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 20 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func localIs(t *testing.T, root, p, want string) func() bool {
	return func() bool {
		got, err := os.ReadFile(filepath.Join(root, p))
		return err == nil && string(got) == want
	}
}

func TestIntegrationWatchWithJournal(t *testing.T) {
	e := newWatchEnv(t)
	writeFile(t, e.local, "harbor.gbdialog/start.bas", "TALK 1\n")
	e.put(t, "harbor.gbot/config.csv", "name,value\n", events.OpCreated)
	journal, err := NewDriveJournal(e.js, e.tree, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	o := WatchOptions{Journal: journal}
	s := e.syncer(t)
	_, stop := watching(t, s, o)

	// The first pass is a union of both sides.
	eventually(t, "config.csv downloaded", localIs(t, e.local, "harbor.gbot/config.csv", "name,value\n"))
	eventually(t, "start.bas uploaded", func() bool { c, _ := e.object(t, "harbor.gbdialog/start.bas"); return c == "TALK 1\n" })

	// A local edit, in a folder made with mkdir -p, reaches REMOTE.
	writeFile(t, e.local, "harbor.gbdialog/start.bas", "TALK 2\n")
	writeFile(t, e.local, "harbor.gbkb/faq/a/b/deep.md", "deep")
	eventually(t, "edit uploaded", func() bool { c, _ := e.object(t, "harbor.gbdialog/start.bas"); return c == "TALK 2\n" })
	eventually(t, "deep file uploaded", func() bool { c, _ := e.object(t, "harbor.gbkb/faq/a/b/deep.md"); return c == "deep" })

	// A remote PUT, published on DRIVE, reaches LOCAL.
	time.Sleep(300 * time.Millisecond)
	e.count.reset()
	e.put(t, "harbor.gbot/config.csv", "name,value\ntheme,blue\n", events.OpUpdated)
	eventually(t, "remote edit downloaded", localIs(t, e.local, "harbor.gbot/config.csv", "name,value\ntheme,blue\n"))
	if n := e.count.gets.Load(); n != 1 {
		t.Errorf("a remote edit made %d object GETs, want 1 (the download)", n)
	}

	// A remote move, published as the detector does, is a local rename:
	// nothing downloaded.
	time.Sleep(300 * time.Millisecond)
	e.count.reset()
	ctx := context.Background()
	if _, err := e.s3.Client.CopyObject(ctx, minio.CopyDestOptions{Bucket: e.bucket, Object: "harbor.gbkb/faq/moved.md"},
		minio.CopySrcOptions{Bucket: e.bucket, Object: "harbor.gbkb/faq/a/b/deep.md"}); err != nil {
		t.Fatal(err)
	}
	if err := e.s3.Client.RemoveObject(ctx, e.bucket, "harbor.gbkb/faq/a/b/deep.md", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	moved := events.NewChange(e.bot, events.OpMoved, "harbor.gbkb/faq/moved.md")
	moved.From, moved.Source, moved.DetectedBy = "harbor.gbkb/faq/a/b/deep.md", events.SourceS3, events.DetectedByNotify
	moved.Size, moved.MTime = 4, time.Now().UnixMilli()
	e.publish(t, &moved)
	eventually(t, "remote move renamed locally", localIs(t, e.local, "harbor.gbkb/faq/moved.md", "deep"))
	if _, err := os.Stat(filepath.Join(e.local, "harbor.gbkb/faq/a/b/deep.md")); err == nil {
		t.Error("the move's old path is still there locally")
	}
	if n := e.count.gets.Load(); n != 0 {
		t.Errorf("a remote move downloaded %d objects, want 0 (a local rename)", n)
	}

	// Quiet: changes of another bot and of a folder source move the
	// cursor and cost no S3 request.
	time.Sleep(300 * time.Millisecond) // the download's own inotify echo settles
	e.count.reset()
	other := events.NewChange("someoneelse", events.OpCreated, "x.bas")
	other.Source, other.DetectedBy = events.SourceS3, events.DetectedByNotify
	e.publish(t, &other)
	folder := events.NewChange(e.bot, events.OpUpdated, "harbor.gbot/config.csv")
	folder.Source, folder.DetectedBy = events.SourceDir, events.DetectedByWatch
	last := e.publish(t, &folder)
	time.Sleep(time.Second)
	if n := e.count.all.Load(); n != 0 {
		t.Errorf("quiet second with the journal: %d S3 requests, want 0", n)
	}
	stop()
	base, err := LoadBase(s.Opt.StateFile, "")
	if err != nil {
		t.Fatal(err)
	}
	if base.Cursor != last {
		t.Errorf("cursor %d, want the last DRIVE sequence %d", base.Cursor, last)
	}

	// While stopped: a local edit and a remote one. A restart lists
	// neither side of S3 and applies both.
	writeFile(t, e.local, "harbor.gbkb/faq/moved.md", "deeper")
	e.put(t, "harbor.gbdialog/start.bas.txt", "new remote file", events.OpCreated)
	e.count.reset()
	_, stop = watching(t, e.syncer(t), o)
	eventually(t, "offline local edit uploaded", func() bool { c, _ := e.object(t, "harbor.gbkb/faq/moved.md"); return c == "deeper" })
	eventually(t, "offline remote file downloaded", localIs(t, e.local, "harbor.gbdialog/start.bas.txt", "new remote file"))
	stop()
	if n := e.count.listings.Load(); n != 0 {
		t.Errorf("restart from a cursor listed REMOTE %d times, want 0", n)
	}
	want := map[string]string{
		"harbor.gbdialog/start.bas":     "TALK 2\n",
		"harbor.gbdialog/start.bas.txt": "new remote file",
		"harbor.gbkb/faq/moved.md":      "deeper",
		"harbor.gbot/config.csv":        "name,value\ntheme,blue\n",
	}
	(&harness{local: e.local, remote: &s3Side{t: e.tree, c: e.s3.Client, bucket: e.bucket}}).want(t, want)
}

func TestIntegrationWatchListsWithoutJournal(t *testing.T) {
	e := newWatchEnv(t)
	writeFile(t, e.local, "a.bas", "A")
	// The requests of each pass: the counter's difference between the
	// ends of two passes (they run one after the other).
	var mu sync.Mutex
	var ends []int64
	passes, stop := watching(t, e.syncer(t), WatchOptions{Interval: 200 * time.Millisecond, OnPass: func(Summary, error) {
		mu.Lock()
		ends = append(ends, e.count.all.Load())
		mu.Unlock()
	}})
	eventually(t, "a.bas uploaded", func() bool { c, _ := e.object(t, "a.bas"); return c == "A" })

	// A remote PUT without any event is found by the next listing.
	if _, err := e.s3.Client.PutObject(context.Background(), e.bucket, "b.md", strings.NewReader("B"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b.md downloaded", localIs(t, e.local, "b.md", "B"))

	// A quiet cycle is one listing page: one request.
	time.Sleep(300 * time.Millisecond)
	from := passes.Load()
	listed := e.count.listings.Load()
	eventually(t, "four more passes", func() bool { return passes.Load() >= from+4 })
	stop()
	mu.Lock()
	quiet := ends[from:]
	mu.Unlock()
	for i := 1; i < len(quiet); i++ {
		if n := quiet[i] - quiet[i-1]; n != 1 {
			t.Errorf("quiet pass %d made %d S3 requests, want 1 (a listing page)", i, n)
		}
	}
	if n := e.count.listings.Load() - listed; n < int64(len(quiet)-1) {
		t.Errorf("%d listings in %d quiet passes", n, len(quiet)-1)
	}
	(&harness{local: e.local, remote: &s3Side{t: e.tree, c: e.s3.Client, bucket: e.bucket}}).want(t, map[string]string{"a.bas": "A", "b.md": "B"})
}

// TestWatchThousandFileMkdirTree: 1 000 files made under a `mkdir -p` tree
// while watching (folders made before their watch existed) all reach
// REMOTE, a folder here, byte for byte.
func TestWatchThousandFileMkdirTree(t *testing.T) {
	h := newHarness(t, "folder")
	f, err := NewFilter(DefaultExcludes)
	if err != nil {
		t.Fatal(err)
	}
	s := &Syncer{Local: mustDir(t, h.local), Remote: h.remote.tree(), Opt: Options{Mode: TwoWay, Filter: f, Host: "laptop",
		StateFile: BasePath(h.local, h.remote.tree().String())}}
	passes, stop := watching(t, s, WatchOptions{Interval: time.Hour})
	eventually(t, "the first pass", func() bool { return passes.Load() >= 1 })
	want := map[string]string{}
	for i := range 1000 {
		p := fmt.Sprintf("harbor.gbkb/k%d/a/b/c%d/doc%04d.md", i%10, i%7, i)
		want[p] = fmt.Sprintf("document %d\n", i)
		h.put(t, p, want[p]) // MkdirAll, then the file: mkdir -p && write
	}
	eventually(t, "1 000 files on REMOTE", func() bool { return len(h.remote.snapshot(t)) == len(want) })
	stop()
	h.want(t, want)
}
