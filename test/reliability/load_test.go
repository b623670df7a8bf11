package reliability

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/themer"
)

// Load. Under the race detector (make test's main run) the sizes are a
// tenth of the issue's; with DRIVEMON_FULL_SCALE set (make test's second
// run, without the race detector) they are the issue's: 10 000 changes,
// 100 000 objects, 10 000 clients. docs/RELIABILITY.md has both.

// fullScale is set by DRIVEMON_FULL_SCALE.
var fullScale = os.Getenv("DRIVEMON_FULL_SCALE") != ""

// sized is small, or full at full scale.
func sized(small, full int) int {
	if fullScale {
		return full
	}
	return small
}

// putAll writes files with parallel writers and returns how long it took.
func (r *rig) putAll(files map[string][]byte, writers int) time.Duration {
	r.t.Helper()
	start := time.Now()
	paths := make(chan string)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range writers {
		wg.Go(func() {
			for p := range paths {
				ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
				if _, err := r.storage.Write(ctx, r.bot, p, files[p]); err != nil {
					failed.Add(1)
					r.t.Errorf("writing %s: %v", p, err)
				}
				cancel()
			}
		})
	}
	for p := range files {
		if failed.Load() > 0 {
			break
		}
		paths <- p
	}
	close(paths)
	wg.Wait()
	if failed.Load() > 0 {
		r.t.FailNow()
	}
	return time.Since(start)
}

// mixedPackage is n files: 80 % drive files, 15 % dialogs, 5 % KB
// documents, version v.
func mixedPackage(bot string, n, v int) map[string][]byte {
	files := make(map[string][]byte, n)
	for i := range n {
		switch {
		case i%20 == 0:
			files[fmt.Sprintf("%s.gbkb/k%d/doc%05d.md", bot, i%7, i)] = document(fmt.Sprint(i), v, 1+i%3)
		case i%20 <= 3:
			files[fmt.Sprintf("%s.gbdialog/d%d/tool%05d.bas", bot, i%5, i)] = dialog(fmt.Sprint(i), v)
		default:
			files[fmt.Sprintf("%s.gbdrive/f%d/file%05d.txt", bot, i%11, i)] = fmt.Appendf(nil, "file %d version %d", i, v)
		}
	}
	return files
}

// TestIntegrationBurst: 2 000 changes (10 000 at full scale) in a few
// seconds (files created, then every one rewritten) on a running stack with
// two compilers and two indexers.
func TestIntegrationBurst(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.stack(2, 2)
	n := sized(1000, 5000)
	first := r.putAll(mixedPackage(r.bot, n, 1), 32)
	second := r.putAll(mixedPackage(r.bot, n, 2), 32)
	written := time.Now()
	c := r.converge(time.Duration(sized(3, 10)) * time.Minute)
	settle := r.settled(time.Duration(sized(2, 10))*time.Minute, bus.ConsumerCompiler, bus.ConsumerIndexer)
	r.report(t, "burst", c, map[string]any{"puts": 2 * n, "put_s": (first + second).Round(10 * time.Millisecond),
		"puts_per_s": fmt.Sprintf("%.0f", float64(2*n)/(first+second).Seconds()), "settle": settle.Round(10 * time.Millisecond),
		"last_put_to_converged": time.Since(written).Round(10 * time.Millisecond)})
}

// TestIntegrationManyObjectsAtStart: 10 000 objects (100 000 at full
// scale) are in the bucket before any service starts; the detector's
// initial scan publishes them all once and the consumers converge.
func TestIntegrationManyObjectsAtStart(t *testing.T) {
	r := newRig(t, rigOptions{})
	n := sized(10_000, 100_000)
	upload := r.putAll(mixedPackage(r.bot, n, 1), 32)
	start := time.Now()
	_, det := r.startDetector("detector")
	for i := range 2 {
		r.startCompiler(fmt.Sprintf("compiler-%d", i+1), compilerOptions{})
		r.startIndexer(fmt.Sprintf("indexer-%d", i+1), indexerOptions{})
	}
	r.startThemer("themer", themer.Config{})
	select {
	case <-det.Scanned():
	case <-time.After(time.Duration(sized(3, 15)) * time.Minute):
		t.Fatalf("initial scan of %d objects not done in time: %+v", n, det.Status())
	}
	scan := time.Since(start)
	c := r.converge(time.Duration(sized(3, 15)) * time.Minute)
	st := det.Status()
	ops := map[events.Op]int{}
	for _, ch := range r.changes.all() {
		ops[ch.Op]++
	}
	if ops[events.OpCreated] != n || len(ops) != 2 || ops[events.OpTargetFound] != 1 {
		t.Errorf("the initial scan published %v for %d objects, want %d created and the package found", ops, n, n)
	}
	r.report(t, "objects-at-start", c, map[string]any{"objects": n, "upload_s": upload.Round(time.Second), "scan": scan.Round(10 * time.Millisecond),
		"start_to_converged": time.Since(start).Round(10 * time.Millisecond), "published": st.Published})
}

// TestIntegrationSSEClients: browsers of one bot (1 000; 10 000 at full
// scale) hold a theme stream open on one themer; a stylesheet change
// reaches every one of them, and the state they were sent converges with
// the storage. The browsers are a child process (sseClientProcess), so
// that each side of 10 000 connections fits a process's descriptor limit.
func TestIntegrationSSEClients(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.startDetector("detector")
	clients := sized(1000, 10_000)
	th := r.startThemer("themer", themer.Config{MaxConnsPerIP: clients + 100, MaxConns: clients + 100})
	bot := r.bot
	css := bot + ".gbtheme/css/main.css"
	r.write(css, stylesheet(1))
	r.converge(30 * time.Second)

	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSSEClientProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %s/bots/%s/theme/events", sseClientsEnv, clients, th.srv.URL, bot))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "sse "); ok {
				lines <- rest
			}
		}
	}()
	next := func(what string) string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the client process ended before %s: %v", what, cmd.Wait())
			}
			if strings.HasPrefix(l, "error ") {
				t.Fatalf("client process: %s", l)
			}
			return l
		case <-ctx.Done():
			t.Fatalf("no %s from the client process: %v", what, ctx.Err())
		}
		return ""
	}
	open, err := time.ParseDuration(strings.TrimPrefix(next("every client's snapshot"), "ready "))
	if err != nil {
		t.Fatal(err)
	}
	written := time.Now()
	etag := r.write(css, stylesheet(2)).ETag
	fmt.Fprintln(stdin, etag)
	var lat []time.Duration
	for range clients {
		ns, err := strconv.ParseInt(strings.TrimPrefix(next("every client's change"), "got "), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Unix(0, ns).Sub(written))
	}
	if l := next("the end"); l != "done" {
		t.Fatalf("client process: %q, want done", l)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client process: %v", err)
	}
	slices.Sort(lat)
	r.converge(30 * time.Second)
	r.report(t, "sse-clients", convergence{}, map[string]any{"clients": clients, "open_all": open.Round(10 * time.Millisecond),
		"write_to_p50": lat[len(lat)/2].Round(time.Millisecond), "write_to_p99": lat[len(lat)*99/100].Round(time.Millisecond),
		"write_to_all": lat[len(lat)-1].Round(time.Millisecond)})
}

// sseClientsEnv makes the test binary the browsers of
// TestIntegrationSSEClients: "<clients> <events URL>".
const sseClientsEnv = "DRIVEMON_TEST_SSE_CLIENTS"

// TestSSEClientProcess is the browsers' side of TestIntegrationSSEClients,
// run by it as a child process. It opens the streams, prints "sse ready
// <time>" once each has its snapshot, reads the new stylesheet's hash from
// stdin, prints "sse got <unix ns>" as each stream receives theme.css with
// it, then "sse done". Anything wrong is "sse error ..." and a failure.
func TestSSEClientProcess(t *testing.T) {
	spec, ok := os.LookupEnv(sseClientsEnv)
	if !ok {
		t.Skip("the client side of TestIntegrationSSEClients, run by it as a child process")
	}
	fail := func(format string, args ...any) {
		fmt.Printf("sse error "+format+"\n", args...)
		t.Fatalf(format, args...)
	}
	var clients int
	var url string
	if _, err := fmt.Sscanf(spec, "%d %s", &clients, &url); err != nil {
		fail("%s=%q: %v", sseClientsEnv, spec, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	type delivery struct {
		hash string
		at   time.Time
	}
	var snapshots atomic.Int64
	got := make(chan delivery, clients)
	errs := make(chan error, clients)
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := hc.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("status %s", resp.Status)
				return
			}
			br := bufio.NewReader(resp.Body)
			if ev, _, err := nextEvent(br); err != nil || ev != themer.EventSnapshot {
				errs <- fmt.Errorf("first event %q: %v", ev, err)
				return
			}
			snapshots.Add(1)
			for {
				ev, data, err := nextEvent(br)
				if err != nil {
					if ctx.Err() == nil {
						errs <- fmt.Errorf("stream ended before the change: %w", err)
					}
					return
				}
				var e themer.CSSEvent
				if ev == themer.EventCSS && json.Unmarshal(data, &e) == nil {
					got <- delivery{e.Hash, time.Now()}
					return
				}
			}
		})
	}
	defer wg.Wait()
	defer cancel()
	for snapshots.Load() < int64(clients) {
		select {
		case err := <-errs:
			fail("a client: %v (%d snapshots)", err, snapshots.Load())
		case <-ctx.Done():
			fail("%d of %d snapshots", snapshots.Load(), clients)
		case <-time.After(10 * time.Millisecond):
		}
	}
	fmt.Printf("sse ready %s\n", time.Since(start))
	etag := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		etag <- strings.TrimSpace(line)
	}()
	want := ""
	select {
	case want = <-etag:
	case <-ctx.Done():
		fail("no hash on stdin")
	}
	for range clients {
		select {
		case d := <-got:
			if d.hash != want {
				fail("a client got theme.css with hash %s, the new version is %s", d.hash, want)
			}
			fmt.Printf("sse got %d\n", d.at.UnixNano())
		case err := <-errs:
			fail("a client: %v", err)
		case <-ctx.Done():
			fail("not every client got the change")
		}
	}
	fmt.Println("sse done")
}
