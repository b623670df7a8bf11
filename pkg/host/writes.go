package host

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// WriteTries bound one write to a store: each try gets its own deadline,
// and a failed try is repeated after a short pause, a few times at most.
// A JetStream server whose disk is full does not answer a publish at all,
// so without a deadline of its own a write waits as long as its caller's
// context (minutes for a worker's handler).
type WriteTries struct {
	// Tries is how many tries one write gets (default 3).
	Tries int
	// Timeout bounds one try (default 2 s).
	Timeout time.Duration
	// Pause is the wait after the first failed try, doubled after each
	// further one (default 100 ms).
	Pause time.Duration
}

func (t WriteTries) withDefaults() WriteTries {
	if t.Tries <= 0 {
		t.Tries = 3
	}
	if t.Timeout <= 0 {
		t.Timeout = 2 * time.Second
	}
	if t.Pause <= 0 {
		t.Pause = 100 * time.Millisecond
	}
	return t
}

// Writes runs a service's writes to its stores (KV buckets, streams) with
// bounded tries and keeps the health of each store for /readyz: a store
// whose last write failed is not ready until a write to it succeeds.
// The zero value is ready to use with the default tries.
type Writes struct {
	Tries WriteTries

	mu      sync.Mutex
	failing map[string]writeFailure
}

type writeFailure struct {
	since time.Time
	count int
	err   error
}

// Do runs write against store, each try bounded by Tries.Timeout, until
// it succeeds, Tries.Tries tries failed, or ctx ends. An error wrapped
// with Final ends the tries at once and says nothing about the store's
// health (a compare-and-set lost, a key not found). The error returned
// names the store and how many tries were made; the caller hands its
// work back (a message is nak'd and redelivered), so nothing waits on a
// broken store for long and nothing is retried forever.
func (w *Writes) Do(ctx context.Context, store string, write func(ctx context.Context) error) error {
	t := w.Tries.withDefaults()
	pause := t.Pause
	var err error
	for try := 1; ; try++ {
		tctx, cancel := context.WithTimeout(ctx, t.Timeout)
		err = write(tctx)
		cancel()
		var f final
		if err == nil || errors.As(err, &f) {
			w.record(store, nil)
			if err != nil {
				return f.err
			}
			return nil
		}
		if ctx.Err() != nil {
			return err // shutting down or out of time: not the store's fault
		}
		w.record(store, err)
		if try >= t.Tries {
			return fmt.Errorf("writing to %s failed %d times: %w", store, try, err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause *= 2
	}
}

// Final wraps an error that is an answer, not a failure of the store:
// Do returns it at once.
func Final(err error) error { return final{err} }

type final struct{ err error }

func (f final) Error() string { return f.err.Error() }
func (f final) Unwrap() error { return f.err }

func (w *Writes) record(store string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		delete(w.failing, store)
		return
	}
	if w.failing == nil {
		w.failing = map[string]writeFailure{}
	}
	f, ok := w.failing[store]
	if !ok {
		f.since = time.Now()
	}
	f.count++
	f.err = err
	w.failing[store] = f
}

// Failing lists the stores whose last write failed, sorted.
func (w *Writes) Failing() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.failing))
	for s := range w.failing {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Check is the readiness check of the stores: it fails while a store's
// last write failed, naming each such store, since when, how many tries
// failed and the last error.
func (w *Writes) Check(name string) Check {
	return Check{Name: name, Fn: func(context.Context) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.failing) == 0 {
			return nil
		}
		var parts []string
		for s, f := range w.failing {
			parts = append(parts, fmt.Sprintf("%s: failing since %s (%d tries): %v",
				s, f.since.UTC().Format(time.RFC3339), f.count, f.err))
		}
		sort.Strings(parts)
		return errors.New(strings.Join(parts, "; "))
	}}
}
