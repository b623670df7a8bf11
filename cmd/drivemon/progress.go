package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/drivemon/drivemon/pkg/events"
)

// progress shows how far the processing of the initial scan has come: a
// bar redrawn in place on a terminal, a line every 10% otherwise; it ends
// with one line whatever happened to single files:
// `ready: 245 files, 243 ok, 2 failed (see dashboard)`. Files of kinds a
// service processes (dialogs, configs, KB documents) count as done when
// their first outcome arrives (a failure too: its retries go on, in the
// dashboard); other files when they are seen.
type progress struct {
	out io.Writer
	tty bool

	mu       sync.Mutex
	active   bool
	scanDone bool
	files    map[string]bool   // file key → failed, once done
	pending  map[string]string // change id awaiting an outcome → file key
	lastStep int
	drawn    bool
	// backlogLeft: work from before this start is still unfinished
	// (backlog.go); the ready line waits for it.
	backlogLeft bool
}

func newProgress(out io.Writer) *progress {
	return &progress{out: out, tty: isTerminal(out), files: map[string]bool{}, pending: map[string]string{}, active: true}
}

// isTerminal says whether out is a terminal (where a bar is redrawn in
// place).
func isTerminal(out io.Writer) bool {
	f, ok := out.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
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
	key := events.Key(c.Bot, c.Path)
	if processed(c.Kind) {
		p.pending[c.ID] = key
		delete(p.files, key)
	} else {
		p.files[key] = false
	}
	p.draw()
}

func (p *progress) done(o events.Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key, ok := p.pending[o.ChangeID]
	if !p.active || !ok {
		return
	}
	delete(p.pending, o.ChangeID)
	p.files[key] = o.Status == events.StatusFailed
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
	if !p.active || !p.scanDone || len(p.pending) > 0 || p.backlogLeft {
		return
	}
	p.active = false
	p.clearLocked()
	failed := 0
	for _, f := range p.files {
		if f {
			failed++
		}
	}
	line := fmt.Sprintf("ready: %s, %d ok", plural(len(p.files), "file"), len(p.files)-failed)
	if failed > 0 {
		line += fmt.Sprintf(", %d failed (see dashboard)", failed)
	}
	fmt.Fprintln(p.out, line)
}

func (p *progress) draw() {
	total := len(p.files) + len(p.pending)
	if total == 0 {
		return
	}
	doneN := len(p.files)
	if p.tty {
		const width = 30
		fill := width * doneN / total
		fmt.Fprintf(p.out, "\r[%s%s] %d/%d processed", strings.Repeat("#", fill), strings.Repeat(".", width-fill), doneN, total)
		p.drawn = true
		return
	}
	if !p.scanDone {
		return // the total is not known yet
	}
	if step := 10 * doneN / total; step > p.lastStep {
		p.lastStep = step
		fmt.Fprintf(p.out, "initial scan: %d/%d processed\n", doneN, total)
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
