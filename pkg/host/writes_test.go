package host

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWritesBoundEachTryAndReportTheStore(t *testing.T) {
	w := &Writes{Tries: WriteTries{Tries: 3, Timeout: 20 * time.Millisecond, Pause: time.Millisecond}}
	check := w.Check("writes")
	ctx := context.Background()

	// A store that never answers (a full disk): each try ends at its own
	// deadline, and the write gives up after exactly Tries tries.
	calls := 0
	err := w.Do(ctx, "KV indexer-docs", func(ctx context.Context) error {
		calls++
		<-ctx.Done()
		return ctx.Err()
	})
	if calls != 3 || err == nil || !strings.Contains(err.Error(), "KV indexer-docs failed 3 times") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("calls %d, err %v; want 3 tries and an error naming the store", calls, err)
	}
	cerr := check.Fn(ctx)
	if cerr == nil || !strings.Contains(cerr.Error(), "KV indexer-docs: failing since") || !strings.Contains(cerr.Error(), "(3 tries)") {
		t.Fatalf("readiness = %v, want the failing store named", cerr)
	}
	if got := w.Failing(); len(got) != 1 || got[0] != "KV indexer-docs" {
		t.Fatalf("Failing = %v", got)
	}

	// A final answer (a lost compare-and-set) ends at once and is no
	// failure of the store; another store's success leaves it failing.
	lost := errors.New("wrong last sequence")
	calls = 0
	if err := w.Do(ctx, "KV other", func(context.Context) error { calls++; return Final(lost) }); !errors.Is(err, lost) || calls != 1 {
		t.Fatalf("final: calls %d, err %v", calls, err)
	}
	if check.Fn(ctx) == nil {
		t.Fatal("a success elsewhere cleared the failing store")
	}

	// Space is back: one try fails, the next succeeds, the store is ready.
	calls = 0
	if err := w.Do(ctx, "KV indexer-docs", func(context.Context) error {
		calls++
		if calls == 1 {
			return errors.New("no space left on device")
		}
		return nil
	}); err != nil || calls != 2 {
		t.Fatalf("recovering write: calls %d, err %v", calls, err)
	}
	if err := check.Fn(ctx); err != nil {
		t.Fatalf("readiness after a successful write = %v", err)
	}
}

func TestWritesStopWithTheirContext(t *testing.T) {
	w := &Writes{Tries: WriteTries{Tries: 1000, Timeout: time.Second, Pause: 10 * time.Millisecond}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := w.Do(ctx, "stream OUTCOMES", func(context.Context) error { return errors.New("insufficient resources") })
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %s; want the caller's deadline to end the tries", err, time.Since(start))
	}
}
