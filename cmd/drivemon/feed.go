package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// ringSize is how many log lines the dashboard's feed replays on connect.
const ringSize = 500

// feed follows every change, outcome and dead letter: it prints the live
// change log, keeps the status of every file for the dashboard, keeps the
// last ringSize log lines for the dashboard's event feed, and reports the
// progress of the initial scan.
//
// Changes (DRIVE) and outcomes (OUTCOMES) come through two readers, so an
// outcome may arrive before the change it answers, at start (both streams
// replayed) as under load. Both are placed by the change's stream sequence:
// an outcome answers the change with Seq == ChangeSeq, a change drops only
// the outcomes of older changes, and a live outcome that overtook its
// change is printed after it.
type feed struct {
	out      io.Writer
	pkgDir   func(bot string) (string, error)
	clients  func(bot string) int // open theme streams of a bot
	progress *progress
	stops    []func()

	mu      sync.Mutex
	files   map[string]*fileStatus   // events.Key → status
	held    map[string][]heldOutcome // events.Key → live outcomes ahead of their change
	failing map[string]bool          // service/change id whose failure was printed
	ring    []logLine                // the last ringSize lines, oldest first
	nextID  uint64
	subs    map[chan logLine]struct{}
}

type heldOutcome struct {
	o events.Outcome
}

// fileStatus is what the dashboard shows of one file. Status is derived
// from the outcomes: error > failed > warning > ok > pending.
type fileStatus struct {
	Bot      string                    `json:"bot"`
	Path     string                    `json:"path"`
	Kind     events.Kind               `json:"kind"`
	KB       string                    `json:"kb,omitempty"`
	Op       events.Op                 `json:"op"`
	ETag     string                    `json:"etag"`
	Seq      uint64                    `json:"seq"`
	Status   string                    `json:"status"`
	Errors   int                       `json:"errors"`
	Warnings int                       `json:"warnings"`
	Note     string                    `json:"note,omitempty"` // theme files: "pushed to N clients"
	Outcomes map[string]events.Outcome `json:"outcomes"`
}

// File statuses, worst first.
const (
	statusError   = "error"
	statusFailed  = "failed"
	statusWarning = "warning"
	statusOK      = "ok"
	statusPending = "pending"
)

// derive sets Status, Errors and Warnings from the outcomes.
func (st *fileStatus) derive() {
	st.Errors, st.Warnings = 0, 0
	failed, ok := false, false
	for _, o := range st.Outcomes {
		for _, d := range o.Diagnostics {
			if d.Severity == "error" {
				st.Errors++
			} else {
				st.Warnings++
			}
		}
		switch o.Status {
		case events.StatusFailed:
			failed = true
		case events.StatusOK, events.StatusDeleted:
			ok = true
		}
	}
	switch {
	case st.Errors > 0:
		st.Status = statusError
	case failed:
		st.Status = statusFailed
	case st.Warnings > 0:
		st.Status = statusWarning
	case ok || !processed(st.Kind):
		st.Status = statusOK
	default:
		st.Status = statusPending
	}
}

// logLine is one line of the change log.
type logLine struct {
	ID     uint64 `json:"id"`
	Time   string `json:"time"`
	Bot    string `json:"bot"`
	Path   string `json:"path"`
	Text   string `json:"text"`
	Status string `json:"status,omitempty"`
}

func newFeed(out io.Writer, pkgDir func(string) (string, error), p *progress) *feed {
	return &feed{out: out, pkgDir: pkgDir, progress: p, clients: func(string) int { return 0 }, files: map[string]*fileStatus{},
		held: map[string][]heldOutcome{}, failing: map[string]bool{}, subs: map[chan logLine]struct{}{}}
}

// Streams is the part of JetStream the feed needs.
type Streams interface {
	Stream(ctx context.Context, name string) (jetstream.Stream, error)
	OrderedConsumer(ctx context.Context, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error)
}

// start subscribes to the streams from their beginning: what was there
// before rebuilds the status quietly, what comes after is printed. Dead
// letters are only followed from now on.
func (f *feed) start(ctx context.Context, js Streams) error {
	for _, stream := range []string{events.StreamDrive, events.StreamOutcomes, events.StreamDead} {
		s, err := js.Stream(ctx, stream)
		if err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		cfg := jetstream.OrderedConsumerConfig{}
		if stream == events.StreamDead {
			cfg.DeliverPolicy = jetstream.DeliverNewPolicy
		}
		cons, err := js.OrderedConsumer(ctx, stream, cfg)
		if err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		cc, err := f.consume(cons, stream, info.State.LastSeq)
		if err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		f.stops = append(f.stops, cc.Stop)
	}
	return nil
}

// run keeps following until ctx ends.
func (f *feed) run(ctx context.Context) error {
	<-ctx.Done()
	for _, stop := range f.stops {
		stop()
	}
	return nil
}

func (f *feed) consume(cons jetstream.Consumer, stream string, history uint64) (jetstream.ConsumeContext, error) {
	return cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			return
		}
		live := md.Sequence.Stream > history
		switch stream {
		case events.StreamDrive:
			if c, err := bus.Decode(m); err == nil {
				f.change(c, live)
			}
		case events.StreamOutcomes:
			if o, err := events.DecodeOutcome(m.Data()); err == nil {
				f.outcome(o, live)
			}
		case events.StreamDead:
			f.dead(m)
		}
	})
}

func (f *feed) change(c events.Change, live bool) {
	if c.Op == events.OpTargetLost || c.Op == events.OpTargetFound {
		if live {
			f.emit(logLine{Bot: c.Bot, Text: fmt.Sprintf("%-12s %-12s %s", c.Bot, c.Op, events.DisplayPath(c.Path))})
		}
		return
	}
	f.mu.Lock()
	key := events.Key(c.Bot, c.Path)
	st := f.fileLocked(c.Bot, c.Path)
	if c.Seq != 0 && c.Seq < st.Seq {
		f.mu.Unlock()
		return // older than what the file shows
	}
	st.Kind, st.KB, st.Op, st.ETag, st.Seq = c.Kind, c.KB, c.Op, c.ETag, c.Seq
	for svc, o := range st.Outcomes {
		if o.ChangeSeq == 0 || o.ChangeSeq < c.Seq {
			delete(st.Outcomes, svc) // the result of an older change
		}
	}
	st.derive()
	st.Note = ""
	if live && c.Kind == events.KindTheme && c.Op != events.OpDeleted {
		st.Note = "pushed to " + plural(f.clients(c.Bot), "client")
	}
	note := st.Note
	if c.Op == events.OpMoved {
		delete(f.files, events.Key(c.Bot, c.From))
	}
	var due []events.Outcome
	rest := f.held[key][:0]
	for _, h := range f.held[key] {
		if h.o.ChangeSeq <= c.Seq {
			due = append(due, h.o)
		} else {
			rest = append(rest, h)
		}
	}
	if len(rest) == 0 {
		delete(f.held, key)
	} else {
		f.held[key] = rest
	}
	f.mu.Unlock()
	if !live {
		return
	}
	f.progress.changed(c)
	text := fmt.Sprintf("%-12s %-8s %s", c.Bot, c.Op, events.DisplayPath(c.Path))
	if c.Op == events.OpMoved {
		text += "  (from " + events.DisplayPath(c.From) + ")"
	}
	if note != "" {
		text += "  " + note
	}
	f.emit(logLine{Bot: c.Bot, Path: c.Path, Text: text})
	for _, o := range due {
		f.print(o, c.Op)
	}
}

// fileLocked returns the status of a file, made if new (f.mu held).
func (f *feed) fileLocked(bot, path string) *fileStatus {
	key := events.Key(bot, path)
	st := f.files[key]
	if st == nil {
		st = &fileStatus{Bot: bot, Path: path, Outcomes: map[string]events.Outcome{}}
		f.files[key] = st
	}
	return st
}

func (f *feed) outcome(o events.Outcome, live bool) {
	f.mu.Lock()
	key := events.Key(o.Bot, o.Path)
	st := f.fileLocked(o.Bot, o.Path)
	if st.Op == "" {
		st.Kind, st.KB = o.Kind, o.KB // known before its change: kept for it
	}
	if o.Status != events.StatusSkipped && (o.ChangeSeq == 0 || o.ChangeSeq >= st.Seq) {
		if prev, ok := st.Outcomes[o.Service]; !ok || o.ChangeSeq >= prev.ChangeSeq {
			st.Outcomes[o.Service] = o
			st.derive()
		}
	}
	op := st.Op
	ahead := o.ChangeSeq > st.Seq
	if live && ahead {
		f.held[key] = append(f.held[key], heldOutcome{o})
	}
	f.mu.Unlock()
	if live && !ahead {
		f.print(o, op)
	}
}

// print logs a live outcome: every result once, a failure when it first
// happens (later tries of the same change are quiet until it succeeds or
// is given up), then the diagnostics.
func (f *feed) print(o events.Outcome, op events.Op) {
	f.progress.done(o)
	if o.Status == events.StatusSkipped {
		return
	}
	tries := o.Service + "/" + o.ChangeID
	f.mu.Lock()
	repeated := f.failing[tries]
	if o.Status == events.StatusFailed {
		f.failing[tries] = true
	} else {
		delete(f.failing, tries)
	}
	f.mu.Unlock()
	if repeated && o.Status == events.StatusFailed {
		return
	}
	text := fmt.Sprintf("%-12s %-8s %s  %s", o.Bot, op, events.DisplayPath(o.Path), describe(o))
	f.emit(logLine{Bot: o.Bot, Path: o.Path, Text: text, Status: string(o.Status)})
	for _, d := range o.Diagnostics {
		f.emit(logLine{Bot: o.Bot, Path: o.Path, Text: fmt.Sprintf("%s:%d:%d: %s: %s", f.location(o.Bot, o.Path), d.Line, d.Col, d.Severity, d.Message), Status: d.Severity})
	}
}

// dead logs a change a consumer gave up on.
func (f *feed) dead(m jetstream.Msg) {
	c, err := events.DecodeData(m.Data())
	if err != nil {
		return
	}
	h := m.Headers()
	tries := h.Get(worker.HeaderDeliveries) + " tries"
	if n, err := strconv.Atoi(h.Get(worker.HeaderDeliveries)); err == nil {
		tries = plural(n, "try")
	}
	consumer := h.Get(worker.HeaderConsumer)
	f.mu.Lock()
	for k := range f.failing {
		if strings.HasSuffix(k, "/"+c.ID) {
			delete(f.failing, k)
		}
	}
	f.mu.Unlock()
	text := fmt.Sprintf("%-12s %-8s %s  given up by %s after %s: %s", c.Bot, c.Op, events.DisplayPath(c.Path), consumer, tries, h.Get(worker.HeaderError))
	f.emit(logLine{Bot: c.Bot, Path: c.Path, Text: text, Status: string(events.StatusFailed)})
}

// describe says what a service did, in a few words.
func describe(o events.Outcome) string {
	switch o.Status {
	case events.StatusFailed:
		return fmt.Sprintf("%s failed: %s (retrying)", o.Service, o.Error)
	case events.StatusDeleted:
		return "removed by " + o.Service
	}
	switch o.Service {
	case "compiler":
		errs, warns := 0, 0
		for _, d := range o.Diagnostics {
			if d.Severity == "error" {
				errs++
			} else {
				warns++
			}
		}
		var parts []string
		if errs > 0 {
			parts = append(parts, plural(errs, "error"))
		}
		if warns > 0 {
			parts = append(parts, plural(warns, "warning"))
		}
		what := "compiled"
		if o.Kind == events.KindConfig {
			what = "config reloaded"
		}
		if o.Tool != "" {
			what += ", tool " + o.Tool
		}
		if len(parts) > 0 {
			what += " (" + strings.Join(parts, ", ") + ")"
		}
		return what
	case "indexer":
		if o.ChunksTotal != nil && o.ChunksEmbedded != nil {
			return fmt.Sprintf("indexed (%s, %d embedded)", plural(*o.ChunksTotal, "chunk"), *o.ChunksEmbedded)
		}
		return "indexed"
	}
	return o.Service + " " + string(o.Status)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, word[:len(word)-1])
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// location is the file's path on disk, as editors take it.
func (f *feed) location(bot, path string) string {
	dir, err := f.pkgDir(bot)
	if err != nil {
		return events.Key(bot, events.DisplayPath(path))
	}
	return filepath.Join(dir, filepath.FromSlash(events.DisplayPath(path)))
}

// emit prints a line and sends it to every dashboard; the ring keeps it
// for dashboards that connect later.
func (f *feed) emit(l logLine) {
	l.Time = time.Now().Format("15:04:05.000")
	f.progress.clearLine()
	fmt.Fprintf(f.out, "%s  %s\n", l.Time, l.Text)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	l.ID = f.nextID
	if len(f.ring) == ringSize {
		copy(f.ring, f.ring[1:])
		f.ring = f.ring[:ringSize-1]
	}
	f.ring = append(f.ring, l)
	for ch := range f.subs {
		select {
		case ch <- l:
		default: // a slow dashboard misses lines, never slows the log
		}
	}
}

// snapshot returns every file's status, sorted by bot and path.
func (f *feed) snapshot() []fileStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]fileStatus, 0, len(f.files))
	for _, st := range f.files {
		if st.Op == events.OpDeleted || st.Op == "" {
			continue // gone, or only outcomes seen so far
		}
		cp := *st
		cp.Outcomes = make(map[string]events.Outcome, len(st.Outcomes))
		for k, v := range st.Outcomes {
			cp.Outcomes[k] = v
		}
		out = append(out, cp)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bot != out[j].Bot {
			return out[i].Bot < out[j].Bot
		}
		return out[i].Path < out[j].Path
	})
	return out
}

// serveFiles is GET /api/dev/files.
func (f *feed) serveFiles(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"files": f.snapshot()})
}

// serveEvents is GET /api/dev/events: the change log as Server-Sent
// Events, each with its id. A new connection first gets the lines the
// ring holds after Last-Event-ID (all of them without one).
func (f *feed) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	last, _ := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64)
	ch := make(chan logLine, 256)
	f.mu.Lock()
	var past []logLine
	for _, l := range f.ring {
		if l.ID > last {
			past = append(past, l)
		}
	}
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	fmt.Fprint(w, ": drivemon change log\n\n")
	for _, l := range past {
		writeLine(w, l)
	}
	flusher.Flush()
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-heartbeat.C:
			fmt.Fprint(w, ": heartbeat\n\n")
		case l := <-ch:
			writeLine(w, l)
		}
		flusher.Flush()
	}
}

func writeLine(w io.Writer, l logLine) {
	data, _ := json.Marshal(l)
	fmt.Fprintf(w, "id: %d\nevent: log\ndata: %s\n\n", l.ID, data)
}
