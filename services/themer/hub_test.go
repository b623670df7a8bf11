package themer

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func cssUpdate(path, hash string) func(*Theme) []streamEvent {
	return func(t *Theme) []streamEvent {
		t.Files[path] = File{Path: path, PackagePath: "x.gbtheme/" + path, Hash: hash}
		return []streamEvent{{EventCSS, CSSEvent{Path: path, Hash: hash}}}
	}
}

func TestHubIsolatesBots(t *testing.T) {
	h := newHub(8)
	a, _, _, err := h.subscribe("alpha")
	if err != nil {
		t.Fatal(err)
	}
	b, _, _, err := h.subscribe("beta")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := h.update("alpha", 1, cssUpdate("a.css", "1")); err != nil || n != 1 {
		t.Fatalf("update reached %d subscribers (err %v), want 1", n, err)
	}
	select {
	case f := <-a.ch:
		if f.seq != 1 || !strings.Contains(string(f.data), `"a.css"`) {
			t.Fatalf("alpha got %q", f.data)
		}
	default:
		t.Fatal("alpha's subscriber got nothing")
	}
	select {
	case f := <-b.ch:
		t.Fatalf("beta's subscriber got alpha's event %q", f.data)
	default:
	}
}

func TestHubDropsSlowSubscriber(t *testing.T) {
	h := newHub(2)
	slow, _, _, _ := h.subscribe("harbor")
	fast, _, _, _ := h.subscribe("harbor")
	var got []uint64
	for seq := uint64(1); seq <= 5; seq++ {
		if _, err := h.update("harbor", seq, cssUpdate("a.css", "h")); err != nil {
			t.Fatal(err)
		}
		got = append(got, (<-fast.ch).seq) // the fast one keeps up
	}
	select {
	case <-slow.done:
	default:
		t.Fatal("slow subscriber not dropped")
	}
	if slow.why() != reasonSlow {
		t.Fatalf("reason %q, want %q", slow.why(), reasonSlow)
	}
	if len(got) != 5 || got[4] != 5 {
		t.Fatalf("fast subscriber got %v, want 1..5", got)
	}
	if h.dropped.Load() != 1 || h.subscribers("harbor") != 1 {
		t.Fatalf("dropped %d, subscribers %d; want 1 and 1", h.dropped.Load(), h.subscribers("harbor"))
	}
}

// A snapshot and the live feed meet exactly: every update is either in the
// snapshot (seq <= the snapshot's seq) or delivered, never both or neither.
func TestHubSubscribeIsAtomicWithUpdates(t *testing.T) {
	h := newHub(1024)
	const n = 500
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for seq := uint64(1); seq <= n; seq++ {
			_, _ = h.update("harbor", seq, cssUpdate(fmt.Sprintf("f%d.css", seq), "h"))
		}
	}()
	type joined struct {
		sub   *subscriber
		theme Theme
		seq   uint64
	}
	var subs []joined
	for range 40 {
		sub, theme, seq, err := h.subscribe("harbor")
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, joined{sub, theme, seq})
		runtime.Gosched()
	}
	wg.Wait()
	for _, j := range subs {
		if uint64(len(j.theme.Files)) != j.seq {
			t.Fatalf("snapshot at seq %d holds %d files", j.seq, len(j.theme.Files))
		}
		next := j.seq + 1
		for len(j.sub.ch) > 0 {
			f := <-j.sub.ch
			if f.seq != next {
				t.Fatalf("snapshot at %d: live event %d, want %d", j.seq, f.seq, next)
			}
			next++
		}
		if next != n+1 {
			t.Fatalf("snapshot at %d: live events end at %d, want %d", j.seq, next-1, n)
		}
	}
}

func TestHubCloseDropsAndRefuses(t *testing.T) {
	h := newHub(4)
	s, _, _, _ := h.subscribe("harbor")
	h.close()
	select {
	case <-s.done:
	default:
		t.Fatal("subscriber not closed")
	}
	if s.why() != reasonShutdown {
		t.Fatalf("reason %q", s.why())
	}
	if _, _, _, err := h.subscribe("harbor"); err != ErrShuttingDown {
		t.Fatalf("subscribe after close: %v, want ErrShuttingDown", err)
	}
}

func TestHubForgetsUnusedBots(t *testing.T) {
	h := newHub(4)
	s, _, _, _ := h.subscribe("nobody")
	h.unsubscribe("nobody", s)
	h.mu.Lock()
	_, kept := h.bots["nobody"]
	h.mu.Unlock()
	if kept {
		t.Fatal("an empty bot was kept after its last subscriber left")
	}
	_, _ = h.update("harbor", 1, cssUpdate("a.css", "1"))
	s, _, _, _ = h.subscribe("harbor")
	h.unsubscribe("harbor", s)
	if _, ok := h.file("harbor", "a.css"); !ok {
		t.Fatal("a bot with a theme was forgotten")
	}
}
