package reliability

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/indexer/extract/extracttest"
)

// maxScenarioRSS bounds the resident memory of the whole bad-input
// scenario (every service runs in the test process). make test checks it
// in its run without the race detector (full-scale); under the race
// detector, whose shadow memory multiplies use by 5 to 10, the bound is
// raceScenarioRSS, still far below what the hostile inputs once took (8 GB).
const (
	maxScenarioRSS  = 1536 << 20
	raceScenarioRSS = 3 * maxScenarioRSS
)

// scenarioRSSBound is the bound that applies to this test binary.
func scenarioRSSBound() int64 {
	if raceEnabled {
		return raceScenarioRSS
	}
	return maxScenarioRSS
}

// rssPeak samples the process's resident set size until ctx ends and
// reports the largest sample.
type rssPeak struct{ max atomic.Int64 }

func watchRSS(ctx context.Context, every time.Duration) *rssPeak {
	p := &rssPeak{}
	p.sample()
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.sample()
			}
		}
	}()
	return p
}

func (p *rssPeak) sample() {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for line := range bytes.Lines(status) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(rest)), " kB"), 10, 64)
			if b := kb << 10; b > p.max.Load() {
				p.max.Store(b)
			}
		}
	}
}

// Peak is the largest resident set size seen, in bytes.
func (p *rssPeak) Peak() int64 {
	p.sample()
	return p.max.Load()
}

// hostileDocument is a small KB document whose naive extraction takes
// gigabytes or never ends, and what its one failed outcome says.
type hostileDocument struct {
	path, want string
}

// writeHostileDocuments writes package extracttest's hostile documents to
// the bot's KB: a 1 MB CSV whose header is a 1 MiB column name, arrays
// nested 9 000 deep, PDFs whose page tree loops.
func writeHostileDocuments(r *rig) []hostileDocument {
	var docs []hostileDocument
	for _, h := range extracttest.All() {
		d := hostileDocument{path: r.bot + ".gbkb/hostile/" + h.Name, want: "malformed"}
		if !strings.HasSuffix(h.Name, ".pdf") {
			d.want = "more than 33554432 bytes of text"
		}
		r.write(d.path, h.Data)
		docs = append(docs, d)
	}
	return docs
}

// checkHostileDocuments: each hostile document was extracted once, failed
// saying why, was parked once, and nothing retried it.
func checkHostileDocuments(t *testing.T, r *rig, docs []hostileDocument) {
	t.Helper()
	parked := map[string]int{}
	for _, d := range r.deadFor(bus.ConsumerIndexer) {
		parked[d.Original]++
	}
	for _, d := range docs {
		if err := failedOnce(r.outcomesFor("indexer", d.path), d.want); err != nil {
			t.Errorf("indexer outcomes of %s: %v", d.path, err)
		}
		if n := parked[subjectOf(r, d.path)]; n != 1 {
			t.Errorf("%s parked %d times, want 1", d.path, n)
		}
	}
}

// failedOnce checks that the last of outs failed saying want, and that no
// other did: the document was given up at its first failure.
func failedOnce(outs []events.Outcome, want string) error {
	n := 0
	for _, o := range outs {
		if o.Status == events.StatusFailed && strings.Contains(o.Error, want) {
			n++
		}
	}
	if last := lastOutcome(outs); n != 1 || last.Status != events.StatusFailed || !strings.Contains(last.Error, want) {
		return fmt.Errorf("%d outcomes say %q (want 1, the last): %+v", n, want, outs)
	}
	return nil
}
