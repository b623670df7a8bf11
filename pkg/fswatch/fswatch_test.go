package fswatch

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// next waits for the Settler's next due path.
func next(t *testing.T, s *Settler, within time.Duration) (string, string, time.Time) {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case p := <-s.Ready():
			if from, ok := s.Take(p); ok {
				return p, from, time.Now()
			}
		case <-deadline:
			t.Fatalf("nothing settled within %s", within)
		}
	}
}

func TestSettlerStormIsOneLookBoundedByMax(t *testing.T) {
	const settle, maxSettle = 40 * time.Millisecond, 200 * time.Millisecond
	s := NewSettler(settle, maxSettle)
	defer s.Stop()
	start := time.Now()
	stop := time.After(600 * time.Millisecond)
	storm := time.NewTicker(5 * time.Millisecond) // never quiet for settle
	defer storm.Stop()
	s.Schedule("a", "")
	var looks []time.Duration
loop:
	for {
		select {
		case <-storm.C:
			s.Schedule("a", "")
		case p := <-s.Ready():
			if _, ok := s.Take(p); ok {
				looks = append(looks, time.Since(start))
				start = time.Now()
			}
		case <-stop:
			break loop
		}
	}
	// 600 ms of storm (~120 events, never quiet for settle): looked at
	// about once per maxSettle (a starved test machine may leave a gap
	// of settle and add a look), never once per event, and not only at
	// the end.
	if len(looks) < 2 || len(looks) > 6 {
		t.Fatalf("%d looks in a 600 ms storm (%v), want about one per %s", len(looks), looks, maxSettle)
	}
}

func TestSettlerQuietPathAndRename(t *testing.T) {
	s := NewSettler(30*time.Millisecond, 300*time.Millisecond)
	defer s.Stop()
	start := time.Now()
	s.Schedule("new", "old")
	s.Schedule("gone", "")
	s.Drop("gone")
	p, from, at := next(t, s, time.Second)
	if p != "new" || from != "old" {
		t.Errorf("settled %q from %q, want \"new\" from \"old\"", p, from)
	}
	if d := at.Sub(start); d < 30*time.Millisecond {
		t.Errorf("settled after %s, before the 30 ms window", d)
	}
	if s.Len() != 0 || s.Pending("gone") {
		t.Errorf("%d still pending after the drop and the look", s.Len())
	}
}

func TestFoldersAddTreeFindsMkdirP(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(deep, "f"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(root, "skip", "x"), 0o755)
	os.WriteFile(filepath.Join(root, "skip", "g"), []byte("x"), 0o644)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f := NewFolders(w, func(p string) bool { return filepath.Base(p) == "skip" }, slog.Default())
	var files []string
	f.AddTree(context.Background(), root, func(p string) { files = append(files, p) })
	if want := []string{filepath.Join(deep, "f")}; !slices.Equal(files, want) {
		t.Errorf("files %v, want %v", files, want)
	}
	for _, p := range []string{root, filepath.Join(root, "a"), deep} {
		if !f.Watched(p) {
			t.Errorf("%s not watched", p)
		}
	}
	if f.Watched(filepath.Join(root, "skip")) {
		t.Error("an ignored folder is watched")
	}
	f.Unwatch(filepath.Join(root, "a"))
	if f.Watched(deep) || f.Watched(filepath.Join(root, "a")) || !f.Watched(root) {
		t.Error("Unwatch(a) did not drop exactly a and below")
	}
	if got := len(w.WatchList()); got != 1 {
		t.Errorf("%d watches left, want 1 (the root)", got)
	}
}
