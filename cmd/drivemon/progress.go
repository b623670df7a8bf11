package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
)

// progress shows how far the processing of the initial scan has come: a
// bar redrawn in place on a terminal, a line every 10% otherwise. Files of
// kinds a service processes (dialogs, configs, KB documents) count as done
// when their outcome arrives; other files when they are seen.
type progress struct {
	out io.Writer
	tty bool

	mu       sync.Mutex
	active   bool
	scanDone bool
	started  time.Time
	seen     int
	pending  map[string]bool // change ids awaiting an outcome
	lastStep int
	drawn    bool
}

func newProgress(out io.Writer) *progress {
	tty := false
	if f, ok := out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{out: out, tty: tty, pending: map[string]bool{}, active: true, started: time.Now()}
}

func processed(k events.Kind) bool {
	return k == events.KindDialog || k == events.KindConfig || k == events.KindKB
}

func (p *progress) changed(c events.Change) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active {
		return
	}
	p.seen++
	if processed(c.Kind) {
		p.pending[c.ID] = true
	}
	p.draw()
}

func (p *progress) done(o events.Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active || !p.pending[o.ChangeID] {
		return
	}
	delete(p.pending, o.ChangeID)
	p.draw()
	p.finishIfDone()
}

// scanned says the initial scan has published everything it found.
func (p *progress) scanned() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scanDone = true
	p.finishIfDone()
}

func (p *progress) finishIfDone() {
	if !p.active || !p.scanDone || len(p.pending) > 0 {
		return
	}
	p.active = false
	p.clearLocked()
	fmt.Fprintf(p.out, "initial scan: %d files processed in %s\n", p.seen, time.Since(p.started).Round(time.Millisecond))
}

func (p *progress) draw() {
	if p.seen == 0 {
		return
	}
	doneN := p.seen - len(p.pending)
	if p.tty {
		const width = 30
		fill := width * doneN / p.seen
		fmt.Fprintf(p.out, "\r[%s%s] %d/%d processed", strings.Repeat("#", fill), strings.Repeat(".", width-fill), doneN, p.seen)
		p.drawn = true
		return
	}
	if !p.scanDone {
		return // the total is not known yet
	}
	if step := 10 * doneN / p.seen; step > p.lastStep {
		p.lastStep = step
		fmt.Fprintf(p.out, "initial scan: %d/%d processed\n", doneN, p.seen)
	}
}

// clearLine removes the bar before a log line is printed over it.
func (p *progress) clearLine() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLocked()
}

func (p *progress) clearLocked() {
	if p.drawn {
		fmt.Fprint(p.out, "\r\033[K")
		p.drawn = false
	}
}
