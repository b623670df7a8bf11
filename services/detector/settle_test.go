package detector

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
)

// TestIntegrationDirMaxSettle: a path that never stays quiet for the settle
// window is still reported, at least every MaxSettle while it changes — a
// file rewritten every 10 ms and a log appended every 10 ms — while a save
// storm shorter than MaxSettle stays one change.
func TestIntegrationDirMaxSettle(t *testing.T) {
	const settle, maxSettle, churn = 100 * time.Millisecond, time.Second, 4500 * time.Millisecond
	_, pkg, _, rec := dirSetup(t, Config{Settle: settle, MaxSettle: maxSettle})
	drv := filepath.Join(pkg, "harbor.gbdrive")
	if err := os.MkdirAll(drv, 0o755); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * settle) // the folder's watch is in place

	// every10ms calls fn every 10 ms for d and returns when it stopped.
	every10ms := func(d time.Duration, fn func(i int) error) time.Time {
		start := time.Now()
		for i := 0; time.Since(start) < d; i++ {
			if err := fn(i); err != nil {
				t.Error(err)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Now()
	}
	var wg sync.WaitGroup
	var rewriteStop, appendStop time.Time
	wg.Go(func() {
		rewriteStop = every10ms(churn, func(i int) error {
			return os.WriteFile(filepath.Join(drv, "busy.txt"), []byte(strings.Repeat("x", i%50+1)), 0o644)
		})
	})
	wg.Go(func() {
		f, err := os.OpenFile(filepath.Join(drv, "app.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		appendStop = every10ms(churn, func(int) error {
			_, err := f.WriteString(time.Now().Format(time.RFC3339Nano) + " line\n")
			return err
		})
	})
	wg.Wait()
	// The storm: shorter than MaxSettle, so it is one change.
	stormSize := 0
	every10ms(maxSettle/2, func(i int) error {
		stormSize = i + 1
		return os.WriteFile(filepath.Join(drv, "storm.txt"), []byte(strings.Repeat("s", stormSize)), 0o644)
	})
	time.Sleep(3 * settle)

	// Reports of path whose observed mtime is before its writer stopped:
	// made while it was still changing.
	during := func(path string, stop time.Time) []events.Change {
		var out []events.Change
		for _, c := range rec.of(path) {
			if c.MTime < stop.UnixMilli() {
				out = append(out, c)
			}
		}
		return out
	}
	// 4.5 s of changes hold four full MaxSettle windows; the first report
	// may come late on a busy machine, so three is the floor.
	rewrites := during("harbor.gbdrive/busy.txt", rewriteStop)
	appends := during("harbor.gbdrive/app.log", appendStop)
	t.Logf("FIGURES max settle: %d reports of a file rewritten every 10 ms, %d of a log appended every 10 ms, during %s (MaxSettle %s)",
		len(rewrites), len(appends), churn, maxSettle)
	if len(rewrites) < 3 {
		t.Errorf("a file rewritten every 10 ms for %s was reported %d times while it changed, want at least 3:\n%s", churn, len(rewrites), dump(rec.of("harbor.gbdrive/busy.txt")))
	}
	if len(appends) < 3 {
		t.Errorf("a log appended every 10 ms for %s was reported %d times while it grew, want at least 3:\n%s", churn, len(appends), dump(rec.of("harbor.gbdrive/app.log")))
	}
	for i := 1; i < len(appends); i++ {
		if appends[i].Size <= appends[i-1].Size {
			t.Errorf("log report %d has size %d, not more than the one before (%d)", i, appends[i].Size, appends[i-1].Size)
		}
	}
	storm := rec.of("harbor.gbdrive/storm.txt")
	if len(storm) != 1 || storm[0].Op != events.OpCreated || storm[0].Size != int64(stormSize) {
		t.Errorf("a %s save storm gave %d changes, want one created:\n%s", maxSettle/2, len(storm), dump(storm))
	}
}
