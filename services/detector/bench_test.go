package detector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
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
	waitFor(b, timeout, 15*time.Second, a.len, n)
}

// BenchmarkS3PutToChange: PUT returned → MinIO's first raw notification
// received (the floor) and → change received on drive.<bot>.>, side by side
// in one run, for each set of MinIO targets a bucket notifies (both: fast
// and durable; fast only; durable only), at one PUT every 5 ms, with 8 PUTs
// in parallel, and at one PUT every 5 ms with NATS stopped for 1 s half-way
// through. Before timing it waits until MinIO delivered a probe object's
// event through every target (its NATS clients are connected). Run with
// -benchtime=1x; DRIVEMON_BENCH_PUTS sets the PUTs per case (500).
//
// changes/put counts PUTs with a change event on the DRIVE stream;
// duplicate-changes the change events beyond the first per key and ETag
// (0: exactly once); raw/put the PUTs of which MinIO delivered a
// notification at all.
func BenchmarkS3PutToChange(b *testing.B) {
	env := testinfra.S3(b)
	if env.FastARN == "" || env.DurableARN == "" {
		testinfra.Unavailable(b, "%s and %s are not set: the test MinIO predates its two targets (scripts/testenv.sh stop; scripts/testenv.sh start)",
			testinfra.EnvS3NotifyARNFast, testinfra.EnvS3NotifyARNDurable)
	}
	n := testinfra.StartNATSAt(b, env.NATSAddr)
	nc, js := connectQuick(b, n.URL)
	if err := bus.EnsureStreams(context.Background(), js, bus.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	raw := subscribeRaw(b, nc, env.NotifySubject)
	for _, tg := range []struct {
		name string
		arns []string
	}{{"both", []string{env.FastARN, env.DurableARN}}, {"fast", []string{env.FastARN}}, {"durable", []string{env.DurableARN}}} {
		for _, load := range []string{"every-5ms", "parallel-8", "nats-restart"} {
			b.Run("targets="+tg.name+"/"+load, func(b *testing.B) {
				benchPutToChange(b, env, n, js, nc, raw, tg.arns, load)
			})
		}
	}
}

func benchPutToChange(b *testing.B, env *testinfra.S3Env, n *testinfra.NATS, js jetstream.JetStream, nc *nats.Conn, raw *rawArrivals, arns []string, load string) {
	ctx := context.Background()
	bot, bucket := env.Bucket(b)
	cfg := Config{S3: drive.S3Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey},
		Bots: []string{bot}, RawSubject: env.NotifySubject, NotifyARNs: arns, ReconcileDefault: time.Hour}
	changes := subscribeChanges(b, nc, bot)
	runService(b, cfg, Deps{JS: js})
	probe(b, env, bucket, raw, changes, len(arns))
	puts := envInt("DRIVEMON_BENCH_PUTS", 500)
	put := func(k string) time.Time {
		if _, err := env.Client.PutObject(ctx, bucket, k, bytes.NewReader([]byte(k)), int64(len(k)), minio.PutObjectOptions{}); err != nil {
			b.Error(err)
		}
		return time.Now()
	}
	b.ResetTimer()
	for it := range b.N {
		keys := make([]string, puts)
		at := make([]time.Time, puts)
		for i := range keys {
			keys[i] = fmt.Sprintf("b.gbdialog/%d-%d.bas", it, i)
		}
		half := make(chan struct{})
		var wg sync.WaitGroup
		switch load {
		case "parallel-8":
			var next atomic.Int64
			for range 8 {
				wg.Go(func() {
					for i := int(next.Add(1) - 1); i < puts; i = int(next.Add(1) - 1) {
						at[i] = put(keys[i])
					}
				})
			}
		default:
			wg.Go(func() {
				for i := range keys {
					if i == puts/2 {
						close(half)
					}
					at[i] = put(keys[i])
					time.Sleep(5 * time.Millisecond)
				}
			})
		}
		if load == "nats-restart" {
			<-half
			n.Restart(b, time.Second)
		}
		wg.Wait()
		waitFor(b, 2*time.Minute, 15*time.Second, func() int {
			got := 0
			for _, k := range keys {
				if _, ok := changes.get(k); ok {
					got++
				}
			}
			return got
		}, puts)
		stored := drivePerKey(b, js, bot)
		var dRaw, dChange []time.Duration
		delivered, changed, dups := 0, 0, 0
		for i, k := range keys {
			if t, ok := raw.first(bucket + "/" + k); ok {
				delivered++
				dRaw = append(dRaw, t.Sub(at[i]))
			}
			s, ok := stored[k]
			if !ok {
				continue
			}
			changed++
			for _, c := range s.etags {
				dups += c - 1
			}
			t, ok := changes.get(k)
			if !ok {
				t = s.first // stored while the subscriber was reconnecting
			}
			dChange = append(dChange, t.Sub(at[i]))
		}
		b.ReportMetric(float64(changed)/float64(puts), "changes/put")
		b.ReportMetric(float64(dups), "duplicate-changes")
		b.ReportMetric(float64(delivered)/float64(puts), "raw/put")
		percentiles(b, "raw", dRaw)
		percentiles(b, "change", dChange)
	}
}

// connectQuick connects with the reconnection a benchmark that restarts
// NATS wants: at once and for ever.
func connectQuick(b testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	return nc, js
}

// rawArrivals records, per bucket/key, when MinIO's first notification of
// it arrived and on which subjects (one per target) it came.
type rawArrivals struct {
	mu       sync.Mutex
	at       map[string]time.Time
	subjects map[string]map[string]bool
}

func subscribeRaw(b testing.TB, nc *nats.Conn, subject string) *rawArrivals {
	a := &rawArrivals{at: map[string]time.Time{}, subjects: map[string]map[string]bool{}}
	for _, s := range []string{subject, subject + ".>"} {
		sub, err := nc.Subscribe(s, func(m *nats.Msg) {
			now := time.Now()
			var ev rawEvent
			if json.Unmarshal(m.Data, &ev) != nil {
				return
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			for _, r := range ev.Records {
				k, err := url.QueryUnescape(r.S3.Object.Key)
				if err != nil {
					continue
				}
				k = r.S3.Bucket.Name + "/" + k
				if _, ok := a.at[k]; !ok {
					a.at[k] = now
					a.subjects[k] = map[string]bool{}
				}
				a.subjects[k][m.Subject] = true
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = sub.Unsubscribe() })
	}
	return a
}

func (a *rawArrivals) first(k string) (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.at[k]
	return t, ok
}

func (a *rawArrivals) targets(k string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.subjects[k])
}

// probe PUTs probe objects until one was notified through all targets and
// its change published: MinIO's NATS clients connect at their first event
// (the fast target drops that one if they cannot), and the durable
// target's copy leaves its queue on a 3 s tick.
func probe(b *testing.B, env *testinfra.S3Env, bucket string, raw *rawArrivals, changes *arrivals, targets int) {
	deadline := time.Now().Add(time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		k := fmt.Sprintf("probe.gbdrive/%d.txt", i)
		if _, err := env.Client.PutObject(context.Background(), bucket, k, bytes.NewReader([]byte(k)), int64(len(k)), minio.PutObjectOptions{}); err != nil {
			b.Fatal(err)
		}
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if _, ok := changes.get(k); ok && raw.targets(bucket+"/"+k) == targets {
				return
			}
		}
	}
	b.Fatalf("no probe object was notified through %d targets within a minute", targets)
}

// storedChanges are the change events of one path on the DRIVE stream:
// how many per ETag, and when the first was stored.
type storedChanges struct {
	etags map[string]int
	first time.Time
}

// drivePerKey reads every change of bot on the DRIVE stream.
func drivePerKey(b testing.TB, js jetstream.JetStream, bot string) map[string]*storedChanges {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.FilterBot(bot)}})
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]*storedChanges{}
	for {
		msg, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
		if errors.Is(err, jetstream.ErrNoMessages) || errors.Is(err, nats.ErrTimeout) {
			return out
		}
		if err != nil {
			b.Fatal(err)
		}
		c, err := bus.Decode(msg)
		if err != nil {
			b.Fatal(err)
		}
		if c.Path == "" {
			continue
		}
		s := out[c.Path]
		if s == nil {
			meta, err := msg.Metadata()
			if err != nil {
				b.Fatal(err)
			}
			s = &storedChanges{etags: map[string]int{}, first: meta.Timestamp}
			out[c.Path] = s
		}
		s.etags[c.ETag]++
		if meta, _ := msg.Metadata(); meta != nil && meta.NumPending == 0 {
			return out
		}
	}
}

// waitFor waits until count() reaches want, at most timeout, and gives up
// earlier when it stops growing for stall.
func waitFor(b testing.TB, timeout, stall time.Duration, count func() int, want int) {
	deadline := time.Now().Add(timeout)
	last, lastChange := -1, time.Now()
	for time.Now().Before(deadline) {
		n := count()
		if n >= want {
			return
		}
		if n != last {
			last, lastChange = n, time.Now()
		} else if time.Since(lastChange) > stall {
			return // nothing more is coming
		}
		time.Sleep(20 * time.Millisecond)
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
