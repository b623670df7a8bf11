package reliability

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/themer"
)

// Load, scaled to a 2-core machine and CI's time budget; docs/RELIABILITY.md
// says how each figure relates to the (10 000 changes, 100 000
// objects, 10 000 clients) and where the larger runs are measured.

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

// TestIntegrationBurst: 2 000 changes in a few seconds (1 000 files
// created, then every one rewritten) on a running stack with two compilers
// and two indexers.
func TestIntegrationBurst(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.stack(2, 2)
	const n = 1000
	first := r.putAll(mixedPackage(r.bot, n, 1), 16)
	second := r.putAll(mixedPackage(r.bot, n, 2), 16)
	written := time.Now()
	c := r.converge(3 * time.Minute)
	settle := r.settled(2*time.Minute, events.ConsumerCompiler, events.ConsumerIndexer)
	r.report(t, "burst", c, map[string]any{"puts": 2 * n, "put_s": (first + second).Round(10 * time.Millisecond),
		"puts_per_s": fmt.Sprintf("%.0f", float64(2*n)/(first+second).Seconds()), "settle": settle.Round(10 * time.Millisecond),
		"last_put_to_converged": time.Since(written).Round(10 * time.Millisecond)})
}

// TestIntegrationManyObjectsAtStart: 10 000 objects are in the bucket
// before any service starts; the detector's initial scan publishes them all
// once and the consumers converge.
func TestIntegrationManyObjectsAtStart(t *testing.T) {
	r := newRig(t, rigOptions{})
	const n = 10_000
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
	case <-time.After(3 * time.Minute):
		t.Fatalf("initial scan of %d objects not done in 3 minutes: %+v", n, det.Status())
	}
	scan := time.Since(start)
	c := r.converge(3 * time.Minute)
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

// TestIntegrationSSEClients: 1 000 browsers of one bot hold a theme stream
// open on one themer; a stylesheet change reaches every one of them, and the
// state they were sent converges with the storage.
func TestIntegrationSSEClients(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.startDetector("detector")
	th := r.startThemer("themer", themer.Config{MaxConnsPerIP: 2000, MaxConns: 2000})
	bot := r.bot
	css := bot + ".gbtheme/css/main.css"
	r.write(css, stylesheet(1))
	r.converge(30 * time.Second)
	const clients = 1000
	ctx, cancel := context.WithTimeout(r.ctx, 2*time.Minute)
	defer cancel()
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	type delivery struct {
		hash string
		at   time.Time
	}
	var connected, snapshots atomic.Int64
	got := make(chan delivery, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, th.srv.URL+"/bots/"+bot+"/theme/events", nil)
			resp, err := hc.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("client: %v %v", resp, err)
				return
			}
			defer resp.Body.Close()
			connected.Add(1)
			br := bufio.NewReader(resp.Body)
			if ev, _, err := nextEvent(br); err != nil || ev != themer.EventSnapshot {
				t.Errorf("first event %q: %v", ev, err)
				return
			}
			snapshots.Add(1)
			for {
				ev, data, err := nextEvent(br)
				if err != nil {
					t.Errorf("stream ended before the change: %v", err)
					return
				}
				if ev != themer.EventCSS {
					continue
				}
				var e themer.CSSEvent
				if json.Unmarshal(data, &e) != nil {
					continue
				}
				got <- delivery{e.Hash, time.Now()}
				return
			}
		})
	}
	open := waitFor(t, "every client's snapshot", time.Minute, func() (bool, string) {
		return snapshots.Load() == clients, fmt.Sprintf("%d connected, %d snapshots", connected.Load(), snapshots.Load())
	})
	written := time.Now()
	etag := r.write(css, stylesheet(2)).ETag
	var lat []time.Duration
	for range clients {
		select {
		case d := <-got:
			if d.hash != etag {
				t.Fatalf("a client got theme.css with hash %s, the new version is %s", d.hash, etag)
			}
			lat = append(lat, d.at.Sub(written))
		case <-ctx.Done():
			t.Fatalf("%d of %d clients got the change", len(lat), clients)
		}
	}
	cancel()
	wg.Wait()
	slices.Sort(lat)
	r.converge(30 * time.Second)
	r.report(t, "sse-clients", convergence{}, map[string]any{"clients": clients, "open_all": open.Round(10 * time.Millisecond),
		"write_to_p50": lat[len(lat)/2].Round(time.Millisecond), "write_to_p99": lat[len(lat)*99/100].Round(time.Millisecond),
		"write_to_all": lat[len(lat)-1].Round(time.Millisecond)})
}
