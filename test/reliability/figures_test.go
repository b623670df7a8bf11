package reliability

import (
	"context"
	"fmt"
	"runtime/pprof"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// Figures of a scenario: what it cost to converge, read from the streams
// and the consumers, logged as one FIGURES line for docs/RELIABILITY.md.

// consumerInfo reads a durable consumer's info on the observer connection.
func (r *rig) consumerInfo(stream, name string) (*jetstream.ConsumerInfo, error) {
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	c, err := r.js.Consumer(ctx, stream, name)
	if err != nil {
		return nil, err
	}
	return c.Info(ctx)
}

// settled waits until the named DRIVE consumers have nothing pending and
// nothing unacknowledged: no message is left in a retry loop.
func (r *rig) settled(limit time.Duration, names ...string) time.Duration {
	r.t.Helper()
	// Shortly before giving up, show where the services' goroutines are:
	// a message held unacknowledged is a handler waiting on something.
	dump := time.AfterFunc(limit-time.Second, func() {
		r.t.Logf("not settled yet; the services' goroutines:\n%s", serviceStacks())
	})
	defer dump.Stop()
	return waitFor(r.t, "consumers "+strings.Join(names, ", ")+" settled", limit, func() (bool, string) {
		var state []string
		ok := true
		for _, n := range names {
			info, err := r.consumerInfo(events.StreamDrive, n)
			if err != nil {
				return false, err.Error()
			}
			state = append(state, fmt.Sprintf("%s: %d pending, %d unacknowledged, %d redelivered", n, info.NumPending, info.NumAckPending, info.NumRedelivered))
			if info.NumPending != 0 || info.NumAckPending != 0 {
				ok = false
			}
		}
		return ok, strings.Join(state, "; ")
	})
}

// outcomeStats summarises one service's outcomes.
type outcomeStats struct {
	Total, Failed, Retried, MaxAttempt int
	ByStatus                           map[events.Status]int
}

func (r *rig) outcomeStats(service string) outcomeStats {
	s := outcomeStats{ByStatus: map[events.Status]int{}}
	for _, o := range r.outcomes.all() {
		if o.Service != service {
			continue
		}
		s.Total++
		s.ByStatus[o.Status]++
		if o.Status == events.StatusFailed {
			s.Failed++
		}
		if o.Attempt > 1 {
			s.Retried++
		}
		s.MaxAttempt = max(s.MaxAttempt, o.Attempt)
	}
	return s
}

// outcomesFor returns a service's outcomes for one path, in stream order.
func (r *rig) outcomesFor(service, path string) []events.Outcome {
	var out []events.Outcome
	for _, o := range r.outcomes.all() {
		if o.Service == service && o.Path == path {
			out = append(out, o)
		}
	}
	return out
}

// changesFor returns the DRIVE changes of one path.
func (r *rig) changesFor(path string) []events.Change {
	var out []events.Change
	for _, c := range r.changes.all() {
		if c.Path == path || c.From == path {
			out = append(out, c)
		}
	}
	return out
}

// deadFor returns the dead letters of one consumer about the rig's bot.
func (r *rig) deadFor(consumer string) []deadLetter {
	var out []deadLetter
	for _, d := range r.dead.all() {
		if d.Consumer == consumer {
			out = append(out, d)
		}
	}
	return out
}

// report logs the scenario's figures in one line.
func (r *rig) report(t *testing.T, scenario string, c convergence, extra map[string]any) {
	t.Helper()
	parts := []string{"scenario=" + scenario, "converge=" + c.Took.Round(10*time.Millisecond).String(),
		fmt.Sprintf("changes=%d", r.changes.len()), fmt.Sprintf("dead=%d", len(r.dead.all()))}
	for _, svc := range []string{"compiler", "indexer", "detector"} {
		s := r.outcomeStats(svc)
		parts = append(parts, fmt.Sprintf("%s_outcomes=%d %s_failed=%d %s_retried=%d %s_max_attempt=%d", svc, s.Total, svc, s.Failed, svc, s.Retried, svc, s.MaxAttempt))
	}
	for _, n := range []string{bus.ConsumerCompiler, bus.ConsumerIndexer} {
		if info, err := r.consumerInfo(events.StreamDrive, n); err == nil {
			parts = append(parts, fmt.Sprintf("%s_deliveries=%d", n, info.Delivered.Consumer))
		}
	}
	parts = append(parts, fmt.Sprintf("retry_logs=%d", r.logs.count("processing failed; will retry")))
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, extra[k]))
	}
	t.Logf("FIGURES %s", strings.Join(parts, " "))
}

// serviceStacks is the stacks of the goroutines running drivemon's
// services' code.
func serviceStacks() string {
	var b strings.Builder
	if err := pprof.Lookup("goroutine").WriteTo(&b, 2); err != nil {
		return err.Error()
	}
	var out []string
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, "drivemon/services/") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}
