package detector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/nats-io/nats.go"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
)

// arrivals records when each key was first seen on a subject.
type arrivals struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (a *arrivals) mark(k string, t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.at[k]; !ok {
		a.at[k] = t
	}
}

func (a *arrivals) get(k string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[k]
	return t, ok
}

func (a *arrivals) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.at)
}

// subscribeChanges marks the arrival of every change of bot by path.
func subscribeChanges(b testing.TB, nc *nats.Conn, bot string) *arrivals {
	a := &arrivals{at: map[string]time.Time{}}
	sub, err := nc.Subscribe(events.FilterBot(bot), func(m *nats.Msg) {
		now := time.Now()
		c, err := events.DecodeData(m.Data)
		if err == nil && c.Path != "" {
			a.mark(c.Path, now)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sub.Unsubscribe() })
	return a
}

func percentiles(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		b.Fatalf("%s: no samples", name)
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(ds[len(ds)/2]), name+"-p50-ms")
	b.ReportMetric(ms(ds[len(ds)*99/100]), name+"-p99-ms")
}

func waitCount(b *testing.B, a *arrivals, n int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	last, lastChange := -1, time.Now()
	for a.len() < n && time.Now().Before(deadline) {
		if l := a.len(); l != last {
			last, lastChange = l, time.Now()
		} else if time.Since(lastChange) > 15*time.Second {
			return // nothing more is coming
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkS3PutToChange: PUT returned → change on drive.<bot>.>, next to
// PUT returned → MinIO's raw notification in JetStream, in the same run.
// Run with -benchtime=1x; DRIVEMON_BENCH_PUTS sets the count (500).
func BenchmarkS3PutToChange(b *testing.B) {
	env := testinfra.S3(b)
	n := testinfra.StartNATSAt(b, env.NATSAddr)
	nc, js := n.Connect(b)
	ctx := context.Background()
	if err := events.EnsureStreams(ctx, js, events.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	bot, bucket := env.Bucket(b)
	cfg := Config{S3: drive.S3Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey},
		Bots: []string{bot}, RawSubject: env.NotifySubject, NotifyARN: env.NotifyARN, ReconcileDefault: time.Hour}
	raw := &arrivals{at: map[string]time.Time{}}
	sub, err := nc.Subscribe(env.NotifySubject, func(m *nats.Msg) {
		now := time.Now()
		var ev rawEvent
		if json.Unmarshal(m.Data, &ev) == nil {
			for _, r := range ev.Records {
				if k, err := url.QueryUnescape(r.S3.Object.Key); err == nil && r.S3.Bucket.Name == bucket {
					raw.mark(k, now)
				}
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe()
	changes := subscribeChanges(b, nc, bot)
	runService(b, cfg, Deps{JS: js})
	puts := envInt("DRIVEMON_BENCH_PUTS", 500)
	b.ResetTimer()
	for range b.N {
		putAt := make(map[string]time.Time, puts)
		for i := range puts {
			k := fmt.Sprintf("b.gbdialog/%d-%d.bas", time.Now().UnixNano(), i)
			if _, err := env.Client.PutObject(ctx, bucket, k, bytes.NewReader([]byte(k)), int64(len(k)), minio.PutObjectOptions{}); err != nil {
				b.Fatal(err)
			}
			putAt[k] = time.Now()
			time.Sleep(5 * time.Millisecond)
		}
		waitCount(b, changes, len(putAt), 2*time.Minute)
		var dRaw, dChange []time.Duration
		for k, t0 := range putAt {
			if t, ok := raw.get(k); ok {
				dRaw = append(dRaw, t.Sub(t0))
			}
			if t, ok := changes.get(k); ok {
				dChange = append(dChange, t.Sub(t0))
			}
		}
		b.ReportMetric(float64(len(dChange))/float64(puts), "changes/put")
		percentiles(b, "raw", dRaw)
		percentiles(b, "change", dChange)
	}
}

// BenchmarkDirWriteToChange: a local write returned → change on drive.,
// with the default settle window and a short one.
func BenchmarkDirWriteToChange(b *testing.B) {
	for _, settle := range []time.Duration{50 * time.Millisecond, 10 * time.Millisecond} {
		b.Run("settle="+settle.String(), func(b *testing.B) {
			n, js := testinfra.JetStream(b)
			nc, _ := n.Connect(b)
			root := b.TempDir()
			pkg := filepath.Join(root, "harbor.gbai")
			if err := os.MkdirAll(filepath.Join(pkg, "d.gbdialog"), 0o755); err != nil {
				b.Fatal(err)
			}
			changes := subscribeChanges(b, nc, "harbor")
			runService(b, Config{Dir: root, Settle: settle}, Deps{JS: js})
			writes := envInt("DRIVEMON_BENCH_WRITES", 500)
			b.ResetTimer()
			for it := range b.N {
				at := map[string]time.Time{}
				for i := range writes {
					rel := fmt.Sprintf("d.gbdialog/%d-%d.bas", it, i)
					if err := os.WriteFile(filepath.Join(pkg, rel), []byte(rel), 0o644); err != nil {
						b.Fatal(err)
					}
					at[rel] = time.Now()
					time.Sleep(5 * time.Millisecond)
				}
				waitCount(b, changes, len(at)*(it+1), time.Minute)
				var ds []time.Duration
				for k, t0 := range at {
					if t, ok := changes.get(k); ok {
						ds = append(ds, t.Sub(t0))
					}
				}
				b.ReportMetric(float64(len(ds))/float64(writes), "changes/write")
				percentiles(b, "write", ds)
			}
		})
	}
}

// BenchmarkDirMkdirStorm: `mkdir -p` of 100 nested folders with 100 files
// each, written as fast as possible; reports files reported / files made
// and the time until the last was reported.
func BenchmarkDirMkdirStorm(b *testing.B) {
	n, js := testinfra.JetStream(b)
	nc, _ := n.Connect(b)
	root := b.TempDir()
	pkg := filepath.Join(root, "harbor.gbai")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		b.Fatal(err)
	}
	changes := subscribeChanges(b, nc, "harbor")
	runService(b, Config{Dir: root}, Deps{JS: js})
	files := envInt("DRIVEMON_BENCH_STORM", 10000)
	b.ResetTimer()
	for it := range b.N {
		t0 := time.Now()
		made := 0
		for d := 0; made < files; d++ {
			deep := filepath.Join(pkg, fmt.Sprintf("s%d-%d.gbkb", it, d), "a", "b", "c")
			if err := os.MkdirAll(deep, 0o755); err != nil {
				b.Fatal(err)
			}
			for f := 0; f < 100 && made < files; f++ {
				if err := os.WriteFile(filepath.Join(deep, fmt.Sprintf("f%d.md", f)), []byte{byte(f)}, 0o644); err != nil {
					b.Fatal(err)
				}
				made++
			}
		}
		wrote := time.Since(t0)
		waitCount(b, changes, files*(it+1), 5*time.Minute)
		b.ReportMetric(float64(changes.len()-files*it)/float64(made), "reported/made")
		b.ReportMetric(wrote.Seconds(), "write-s")
		b.ReportMetric(time.Since(t0).Seconds(), "all-reported-s")
	}
}

// countingWriter counts HTTP requests in minio-go's trace output.
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(strings.Count(string(p), "---------START-HTTP---------")))
	return len(p), nil
}

// BenchmarkS3Reconcile100k: a bucket of DRIVEMON_BENCH_OBJECTS objects
// (100 000) in four top-level folders; the first reconciliation publishes
// them all (timed as the initial scan), the measured one finds no change.
func BenchmarkS3Reconcile100k(b *testing.B) {
	env := testinfra.S3(b)
	n, js := testinfra.JetStream(b)
	_ = n
	ctx := context.Background()
	bot, bucket := env.Bucket(b)
	objects := envInt("DRIVEMON_BENCH_OBJECTS", 100000)
	folders := []string{"x.gbkb/faq", "x.gbdialog", "x.gbdrive/files", "x.gbtheme"}
	t0 := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	for i := range objects {
		g.Go(func() error {
			k := fmt.Sprintf("%s/%06d.txt", folders[i%len(folders)], i)
			_, err := env.Client.PutObject(gctx, bucket, k, bytes.NewReader([]byte(k)), int64(len(k)), minio.PutObjectOptions{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d objects uploaded in %s", objects, time.Since(t0))

	st, err := drive.NewS3(drive.S3Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey})
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{S3: drive.S3Config{Endpoint: env.Endpoint}, Bots: []string{bot}}.WithDefaults()
	state, err := openState(ctx, js, cfg.StateBucket, events.SourceS3)
	if err != nil {
		b.Fatal(err)
	}
	var cnt counters
	eng := newEngine(events.SourceS3, state, js, st.Stat, cfg.InFlight, retryTiming{min: cfg.RetryMin, max: cfg.RetryMax, ack: cfg.AckTimeout}, &cnt, testLog())
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	go eng.run(ectx)
	src := newS3Source(cfg, st, js, testLog())
	all := map[events.Kind]bool{}
	for _, k := range events.Kinds {
		all[k] = true
	}
	t1 := time.Now()
	if err := src.reconcileBot(ctx, eng, bot, all); err != nil {
		b.Fatal(err)
	}
	if got := cnt.published.Load(); got != int64(objects) {
		b.Fatalf("initial scan published %d of %d", got, objects)
	}
	initial := time.Since(t1)

	b.ResetTimer()
	for range b.N {
		reqs := &countingWriter{}
		st.Client().TraceOn(reqs)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		})
		before := cnt.published.Load()
		t2 := time.Now()
		if err := src.reconcileBot(ctx, eng, bot, all); err != nil {
			b.Fatal(err)
		}
		wall := time.Since(t2)
		close(stop)
		wg.Wait()
		st.Client().TraceOff()
		if d := cnt.published.Load() - before; d != 0 {
			b.Fatalf("no-change reconciliation published %d changes", d)
		}
		b.ReportMetric(float64(objects), "objects")
		b.ReportMetric(initial.Seconds(), "initial-scan-s")
		b.ReportMetric(wall.Seconds(), "reconcile-s")
		b.ReportMetric(float64(reqs.n.Load()), "s3-requests")
		b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapAlloc))/float64(objects), "peak-heap-B/object")
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
