// Command syncbench measures `drivemon sync` against rclone side by side in
// one run, on the test MinIO (scripts/testenv.sh), through a counting
// proxy both clients go through:
//
//	(a) the initial push of N small files: drivemon sync --once --mode push
//	    against rclone sync;
//	(b) one edited file among N unchanged, from the save to the object
//	    updated: drivemon's watch (p50, p99 of -edits saves) against one
//	    run of rclone bisync (the upstream desktop app's way);
//	(c) S3 requests for a quiet cycle over N files: drivemon's watch with
//	    the DRIVE stream (--nats), its listing pass without, and one run of
//	    rclone bisync.
//
// drivemon runs in process (the Syncer the command runs), rclone as a
// process. Run it with scripts/sync-bench.sh.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/natsembed"
	"github.com/drivemon/drivemon/pkg/botsync"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

func main() {
	files := flag.Int("files", 10000, "small files in the tree")
	edits := flag.Int("edits", 100, "saves timed in the watch (b)")
	bisyncs := flag.Int("bisyncs", 5, "rclone bisync runs timed (b)")
	rclone := flag.String("rclone", "rclone", "the rclone binary")
	flag.Parse()
	if err := run(context.Background(), *files, *edits, *bisyncs, *rclone); err != nil {
		fmt.Fprintln(os.Stderr, "syncbench:", err)
		os.Exit(1)
	}
}

// counter is a reverse proxy to MinIO counting the requests through it.
type counter struct {
	n atomic.Int64
	h http.Handler
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.h.ServeHTTP(w, r)
}

type env struct {
	endpoint, access, secret string // the proxy
	direct                   *minio.Client
	count                    *counter
	rclone                   string
	work                     string
}

// step says on stderr what the run is doing.
func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(ctx context.Context, n, edits, bisyncs int, rcloneBin string) error {
	e := &env{access: os.Getenv("DRIVEMON_TEST_S3_ACCESS_KEY"), secret: os.Getenv("DRIVEMON_TEST_S3_SECRET_KEY"), rclone: rcloneBin}
	minioAddr := os.Getenv("DRIVEMON_TEST_S3_ENDPOINT")
	if minioAddr == "" {
		return fmt.Errorf("DRIVEMON_TEST_S3_ENDPOINT is not set: source /tmp/drivemon-testenv/env (scripts/testenv.sh)")
	}
	version, err := exec.Command(rcloneBin, "version").Output()
	if err != nil {
		return fmt.Errorf("%s version: %w (go install github.com/rclone/rclone@v1.76.0)", rcloneBin, err)
	}
	var err2 error
	if e.direct, err2 = minio.New(minioAddr, &minio.Options{Creds: credentials.NewStaticV4(e.access, e.secret, ""), Region: "us-east-1"}); err2 != nil {
		return err2
	}
	target, _ := url.Parse("http://" + minioAddr)
	e.count = &counter{h: httputil.NewSingleHostReverseProxy(target)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(ln, e.count)
	e.endpoint = ln.Addr().String()
	if e.work, err = os.MkdirTemp("", "syncbench-"); err != nil {
		return err
	}
	defer os.RemoveAll(e.work)
	fmt.Printf("syncbench: %d files, %s, MinIO %s, %s\n", n, strings.SplitN(string(version), "\n", 2)[0], minioAddr, time.Now().UTC().Format(time.RFC3339))

	// One tree, two copies: drivemon's and rclone's.
	src := filepath.Join(e.work, "src")
	if err := makeTree(src, n); err != nil {
		return err
	}
	dLocal, rLocal := filepath.Join(e.work, "d", "harbor.gbai"), filepath.Join(e.work, "r", "harbor.gbai")
	for _, dst := range []string{dLocal, rLocal} {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := exec.Command("cp", "-a", src, dst).Run(); err != nil {
			return fmt.Errorf("copying the tree: %w", err)
		}
	}
	dBucket, rBucket, err := e.buckets(ctx)
	if err != nil {
		return err
	}
	defer e.drop(dBucket, rBucket)

	step("(a) drivemon push")
	// (a) initial push.
	s, err := e.syncer(dLocal, dBucket, botsync.Push)
	if err != nil {
		return err
	}
	e.count.n.Store(0)
	t0 := time.Now()
	sum, err := s.Pass(ctx, func(botsync.Action) {})
	dPush, dPushReq := time.Since(t0), e.count.n.Load()
	if err != nil || sum.Uploaded != n {
		return fmt.Errorf("drivemon push: %v, %s", err, sum)
	}
	step("(a) rclone sync")
	e.count.n.Store(0)
	t0 = time.Now()
	if out, err := e.rcloneRun("sync", rLocal, "bench:"+rBucket); err != nil {
		return fmt.Errorf("rclone sync: %w\n%s", err, out)
	}
	rPush, rPushReq := time.Since(t0), e.count.n.Load()

	step("(c) drivemon quiet listing pass")
	// (c) a quiet pass without the journal: one listing of REMOTE.
	s.Opt.Mode = botsync.TwoWay
	e.count.n.Store(0)
	if sum, err := s.Pass(ctx, func(botsync.Action) {}); err != nil || sum.Unchanged+sum.Agreed != n {
		return fmt.Errorf("drivemon quiet pass: %v, %s", err, sum)
	}
	dListReq := e.count.n.Load()

	step("rclone bisync --resync, quiet runs")
	// rclone bisync needs a first --resync.
	if out, err := e.rcloneRun("bisync", rLocal, "bench:"+rBucket, "--resync"); err != nil {
		return fmt.Errorf("rclone bisync --resync: %w\n%s", err, out)
	}
	e.count.n.Store(0)
	if out, err := e.rcloneRun("bisync", rLocal, "bench:"+rBucket); err != nil {
		return fmt.Errorf("rclone bisync: %w\n%s", err, out)
	}
	rQuietReq := e.count.n.Load()
	e.count.n.Store(0)
	if out, err := e.rcloneRun("bisync", rLocal, "bench:"+rBucket, "--fast-list"); err != nil {
		return fmt.Errorf("rclone bisync --fast-list: %w\n%s", err, out)
	}
	rQuietFast := e.count.n.Load()

	step("(b, c) drivemon watch with the journal")
	// (b) and (c): drivemon's watch with the DRIVE stream.
	dQuietReq, lat, err := e.watch(ctx, s, dBucket, dLocal, n, edits)
	if err != nil {
		return err
	}
	step("(b) rclone bisync after one edit, %d runs", bisyncs)
	var rLat []time.Duration
	for i := 0; i < bisyncs; i++ {
		p := filepath.Join(rLocal, editPath(i, n))
		if err := os.WriteFile(p, []byte(fmt.Sprintf("TALK \"bisync edit %d\"\n", i)), 0o644); err != nil {
			return err
		}
		t0 := time.Now()
		if out, err := e.rcloneRun("bisync", rLocal, "bench:"+rBucket); err != nil {
			return fmt.Errorf("rclone bisync: %w\n%s", err, out)
		}
		rLat = append(rLat, time.Since(t0))
	}

	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	fmt.Printf("\n| measure | drivemon | rclone | drivemon / rclone |\n|---|---|---|---|\n")
	fmt.Printf("| (a) initial push of %d files | %s (%d requests) | %s `sync` (%d requests) | %.2f |\n", n, dPush.Round(time.Millisecond), dPushReq, rPush.Round(time.Millisecond), rPushReq, dPush.Seconds()/rPush.Seconds())
	fmt.Printf("| (b) one edit among %d, save → object updated | watch p50 %s, p99 %s (%d saves) | `bisync` run once: median %s, max %s (%d runs) | %.3f (p99 / median) |\n",
		n, ms(pct(lat, 50)), ms(pct(lat, 99)), len(lat), ms(pct(rLat, 50)), ms(pct(rLat, 100)), len(rLat), pct(lat, 99).Seconds()/pct(rLat, 50).Seconds())
	fmt.Printf("| (c) S3 requests, quiet cycle over %d files | %d with --nats (10 s watched); %d without (a listing pass) | %d (`bisync` run once; %d with --fast-list) | — |\n", n, dQuietReq, dListReq, rQuietReq, rQuietFast)
	return nil
}

// watch runs drivemon's watch with the DRIVE stream of an embedded
// JetStream: the requests of 10 quiet seconds, then edits saves timed to
// the object's new ETag (read directly, not through the proxy).
func (e *env) watch(ctx context.Context, s *botsync.Syncer, bucket, local string, n, edits int) (int64, []time.Duration, error) {
	ns, err := natsembed.Start(natsembed.Config{Addr: "127.0.0.1:-1", StoreDir: filepath.Join(e.work, "nats")})
	if err != nil {
		return 0, nil, err
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		return 0, nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return 0, nil, err
	}
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		return 0, nil, err
	}
	journal, err := botsync.NewDriveJournal(js, s.Remote.(*botsync.S3Tree), slog.Default())
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	passes := make(chan botsync.Summary, 1024)
	done := make(chan error, 1)
	go func() {
		done <- s.Watch(ctx, botsync.WatchOptions{Journal: journal, OnPass: func(sum botsync.Summary, err error) {
			passes <- sum
		}}, func(botsync.Action) {})
	}()
	select { // the first pass (a full one: no cursor yet)
	case <-passes:
	case err := <-done:
		return 0, nil, fmt.Errorf("watch: %w", err)
	}
	time.Sleep(time.Second)
	e.count.n.Store(0)
	time.Sleep(10 * time.Second)
	quiet := e.count.n.Load()
	var lat []time.Duration
	for i := 0; i < edits; i++ {
		p := editPath(i, n)
		before, err := e.direct.StatObject(ctx, bucket, p, minio.StatObjectOptions{})
		if err != nil {
			return 0, nil, err
		}
		t0 := time.Now()
		if err := os.WriteFile(filepath.Join(local, p), []byte(fmt.Sprintf("TALK \"edit %d\"\n", i)), 0o644); err != nil {
			return 0, nil, err
		}
		for {
			o, err := e.direct.StatObject(ctx, bucket, p, minio.StatObjectOptions{})
			if err == nil && o.ETag != before.ETag {
				break
			}
			if time.Since(t0) > 30*time.Second {
				return 0, nil, fmt.Errorf("edit %d of %s not uploaded within 30 s", i, p)
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(t0))
		time.Sleep(100 * time.Millisecond) // let the watch settle between saves
	}
	cancel()
	if err := <-done; err != nil {
		return 0, nil, fmt.Errorf("watch: %w", err)
	}
	return quiet, lat, nil
}

func (e *env) syncer(local, bucket string, mode botsync.Mode) (*botsync.Syncer, error) {
	c, err := minio.New(e.endpoint, &minio.Options{Creds: credentials.NewStaticV4(e.access, e.secret, ""), Region: "us-east-1"})
	if err != nil {
		return nil, err
	}
	remote, err := botsync.NewS3TreeClient(c, bucket, "")
	if err != nil {
		return nil, err
	}
	l, err := botsync.NewDirTree(local)
	if err != nil {
		return nil, err
	}
	f, err := botsync.NewFilter(botsync.DefaultExcludes)
	if err != nil {
		return nil, err
	}
	return &botsync.Syncer{Local: l, Remote: remote, Opt: botsync.Options{Mode: mode, Filter: f, Host: "bench",
		StateFile: botsync.BasePath(l.Root(), remote.String())}}, nil
}

// rcloneRun runs rclone on the proxy with a remote "bench:" from the
// environment (no config file).
func (e *env) rcloneRun(args ...string) ([]byte, error) {
	args = append(args, "--config", "/dev/null", "--exclude", ".drivemon/**")
	if args[0] == "bisync" {
		args = append(args, "--workdir", filepath.Join(e.work, "bisync"))
	}
	cmd := exec.Command(e.rclone, args...)
	cmd.Env = append(os.Environ(),
		"RCLONE_CONFIG_BENCH_TYPE=s3", "RCLONE_CONFIG_BENCH_PROVIDER=Minio",
		"RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="+e.access, "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="+e.secret,
		"RCLONE_CONFIG_BENCH_ENDPOINT=http://"+e.endpoint, "RCLONE_CONFIG_BENCH_REGION=us-east-1")
	return cmd.CombinedOutput()
}

func (e *env) buckets(ctx context.Context) (string, string, error) {
	tag := make([]byte, 4)
	rand.Read(tag)
	d, r := fmt.Sprintf("bench%x.gbai", tag), fmt.Sprintf("bench%xr.gbai", tag)
	for _, b := range []string{d, r} {
		if err := e.direct.MakeBucket(ctx, b, minio.MakeBucketOptions{}); err != nil {
			return "", "", fmt.Errorf("creating bucket %s: %w", b, err)
		}
	}
	return d, r, nil
}

func (e *env) drop(buckets ...string) {
	for _, b := range buckets {
		_ = e.direct.RemoveBucketWithOptions(context.Background(), b, minio.RemoveBucketOptions{ForceDelete: true})
	}
}

// makeTree writes n files of 200 to 2 200 bytes in 100 folders of a
// package's layout.
func makeTree(root string, n int) error {
	buf := make([]byte, 2200)
	for i := 0; i < n; i++ {
		p := filepath.Join(root, treePath(i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		rand.Read(buf)
		if err := os.WriteFile(p, buf[:200+i%2000], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func treePath(i int) string {
	return fmt.Sprintf("harbor.gbkb/kb%02d/doc%05d.md", i%100, i)
}

// editPath is the file of n the i-th timed save edits.
func editPath(i, n int) string { return treePath(i * 97 % n) }

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[min(max(i, 0), len(s)-1)]
}
