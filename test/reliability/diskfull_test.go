package reliability

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drivemon/drivemon/services/indexer"
	"github.com/drivemon/drivemon/services/themer"
)

// tmpfs mounts a tmpfs of size (mount's syntax: 64m) on a fresh folder,
// unmounted at the end of the test (after the servers on it stopped). It
// needs root: the test skips without it on a laptop, and fails under CI.
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the disk-full scenario mounts a tmpfs and needs root under CI")
		}
		t.Skip("mounting a tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount -t tmpfs %s: %v: %s", dir, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// resize changes the size of the tmpfs at dir.
func resize(t *testing.T, dir, size string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s size=%s: %v: %s", dir, size, err, out)
	}
}

// fill writes a file in dir until the file system has no space left.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 64<<10)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			return
		}
	}
}

// TestIntegrationDiskFull: the JetStream store (a 64 MiB tmpfs) fills up
// while the indexer has 60 new documents to index. Its writes to the
// outcome stream, then to its KV buckets, fail; no worker waits on them
// for long (each try has its own deadline, the change is handed back for
// a later delivery), and its readiness check names the failing store. Then the file system grows:
// the embedded server reloads JetStream, the indexer's writes succeed
// again, its readiness is back, and everything converges without a
// restart.
func TestIntegrationDiskFull(t *testing.T) {
	store := tmpfs(t, "64m")
	r := newRig(t, rigOptions{dir: true, natsDir: filepath.Join(store, "nats")})
	r.startDetector("detector")
	r.startCompiler("compiler-1", compilerOptions{})
	r.startThemer("themer", themer.Config{})
	first := r.startIndexer("indexer-1", indexerOptions{})
	r.seed(3)
	r.converge(60 * time.Second)

	// The new documents are published while there is space; the indexer
	// that will take them starts once the disk is full.
	first.stop(t)
	const docs = 60
	for i := range docs {
		r.write(fmt.Sprintf("%s.gbkb/faq/new%d.md", r.bot, i), document(fmt.Sprint("new", i), 1, 2+i%3))
	}
	waitFor(t, "the new documents published", 30*time.Second, func() (bool, string) {
		n := 0
		for i := range docs {
			if len(r.changesFor(fmt.Sprintf("%s.gbkb/faq/new%d.md", r.bot, i))) > 0 {
				n++
			}
		}
		return n == docs, fmt.Sprintf("%d of %d", n, docs)
	})
	time.Sleep(time.Second) // the detector's state writes after the publishes
	fill(t, store)
	fullAt := time.Now()

	var svc *indexer.Service
	r.startIndexer("indexer-2", indexerOptions{built: func(s *indexer.Service) { svc = s }})
	ready := svc.WritesCheck()
	failing := func(prefix string) func() (bool, string) {
		return func() (bool, string) {
			err := ready.Fn(r.ctx)
			if err == nil {
				return false, "ready"
			}
			return strings.Contains(err.Error(), prefix), err.Error()
		}
	}
	// The outcome stream fills first (every document's outcome), then the
	// KV buckets (the documents' state and leases): each write that fails
	// costs the worker a few seconds (bounded tries), not minutes.
	notReady := waitFor(t, "the indexer's readiness naming a failing store", time.Minute, failing(": failing since"))
	notReadyKV := waitFor(t, "the indexer's readiness naming a failing KV bucket", 3*time.Minute, failing("KV indexer-")) + notReady
	_, why := failing("")()
	t.Logf("not ready %s after the disk filled, naming a KV bucket after %s: %s", notReady.Round(10*time.Millisecond), notReadyKV.Round(10*time.Millisecond), why)
	if ready.Fn(r.ctx) == nil {
		t.Error("the indexer reported ready with its store full")
	}

	resize(t, store, "160m")
	grownAt := time.Now()
	back := waitFor(t, "the indexer ready again", 2*time.Minute, func() (bool, string) {
		err := ready.Fn(r.ctx)
		return err == nil, fmt.Sprint(err)
	})
	c := r.converge(3 * time.Minute)
	if c.KBDocs != 3+docs {
		t.Errorf("converged on %d KB documents, want %d", c.KBDocs, 3+docs)
	}
	r.report(t, "disk_full", c, map[string]any{
		"not_ready_after_full":  notReady.Round(10 * time.Millisecond),
		"kv_failing_after_full": notReadyKV.Round(10 * time.Millisecond),
		"ready_after_grow":      back.Round(10 * time.Millisecond),
		"converged_after_grow":  time.Since(grownAt).Round(10 * time.Millisecond),
		"full_for":              grownAt.Sub(fullAt).Round(10 * time.Millisecond),
		"jetstream_reloads":     r.nats.srv.Reloads(),
	})
}
