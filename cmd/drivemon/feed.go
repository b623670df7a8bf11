package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
)

// feed follows every change and outcome: it prints the live change log,
// keeps the status of every file for the dashboard, streams log lines to
// the dashboard's event feed, and reports the progress of the initial scan.
type feed struct {
	out      io.Writer
	pkgDir   func(bot string) (string, error)
	progress *progress
	stops    []func()

	mu    sync.Mutex
	files map[string]*fileStatus // events.Key → status
	subs  map[chan logLine]struct{}
}

// fileStatus is what the dashboard shows of one file.
type fileStatus struct {
	Bot      string                    `json:"bot"`
	Path     string                    `json:"path"`
	Kind     events.Kind               `json:"kind"`
	KB       string                    `json:"kb,omitempty"`
	Op       events.Op                 `json:"op"`
	ETag     string                    `json:"etag"`
	Seq      uint64                    `json:"seq"`
	Outcomes map[string]events.Outcome `json:"outcomes"`
}

// logLine is one line of the change log.
type logLine struct {
	Time   string `json:"time"`
	Bot    string `json:"bot"`
	Path   string `json:"path"`
	Text   string `json:"text"`
	Status string `json:"status,omitempty"`
}

func newFeed(out io.Writer, pkgDir func(string) (string, error), p *progress) *feed {
	return &feed{out: out, pkgDir: pkgDir, progress: p, files: map[string]*fileStatus{}, subs: map[chan logLine]struct{}{}}
}

// Streams is the part of JetStream the feed needs.
type Streams interface {
	Stream(ctx context.Context, name string) (jetstream.Stream, error)
	OrderedConsumer(ctx context.Context, stream string, cfg jetstream.OrderedConsumerConfig) (jetstream.Consumer, error)
}

// start subscribes to both streams from their beginning: what was there
// before rebuilds the status quietly, what comes after is printed.
func (f *feed) start(ctx context.Context, js Streams) error {
	for _, stream := range []string{events.StreamDrive, events.StreamOutcomes} {
		s, err := js.Stream(ctx, stream)
		if err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return fmt.Errorf("change log: %w", err)
		}
		cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
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
		if stream == events.StreamDrive {
			if c, err := events.Decode(m); err == nil {
				f.change(c, live)
			}
			return
		}
		if o, err := events.DecodeOutcome(m.Data()); err == nil {
			f.outcome(o, live)
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
	st := f.files[key]
	if st == nil {
		st = &fileStatus{Bot: c.Bot, Path: c.Path, Outcomes: map[string]events.Outcome{}}
		f.files[key] = st
	}
	st.Kind, st.KB, st.Op, st.ETag, st.Seq = c.Kind, c.KB, c.Op, c.ETag, c.Seq
	clear(st.Outcomes)
	if c.Op == events.OpMoved {
		delete(f.files, events.Key(c.Bot, c.From))
	}
	f.mu.Unlock()
	if live {
		f.progress.changed(c)
		text := fmt.Sprintf("%-12s %-8s %s", c.Bot, c.Op, events.DisplayPath(c.Path))
		if c.Op == events.OpMoved {
			text += "  (from " + events.DisplayPath(c.From) + ")"
		}
		f.emit(logLine{Bot: c.Bot, Path: c.Path, Text: text})
	}
}

func (f *feed) outcome(o events.Outcome, live bool) {
	f.mu.Lock()
	op := events.OpUpdated
	if st := f.files[events.Key(o.Bot, o.Path)]; st != nil {
		if o.Status != events.StatusSkipped {
			st.Outcomes[o.Service] = o
		}
		op = st.Op
	}
	f.mu.Unlock()
	if !live || o.Status == events.StatusSkipped {
		return
	}
	f.progress.done(o)
	text := fmt.Sprintf("%-12s %-8s %s  %s", o.Bot, op, events.DisplayPath(o.Path), describe(o))
	f.emit(logLine{Bot: o.Bot, Path: o.Path, Text: text, Status: string(o.Status)})
	for _, d := range o.Diagnostics {
		f.emit(logLine{Bot: o.Bot, Path: o.Path, Text: fmt.Sprintf("%s:%d:%d: %s: %s", f.location(o.Bot, o.Path), d.Line, d.Col, d.Severity, d.Message), Status: d.Severity})
	}
}

// describe says what a service did, in a few words.
func describe(o events.Outcome) string {
	switch o.Status {
	case events.StatusFailed:
		return fmt.Sprintf("%s failed: %s", o.Service, o.Error)
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

func (f *feed) emit(l logLine) {
	l.Time = time.Now().Format("15:04:05.000")
	f.progress.clearLine()
	fmt.Fprintf(f.out, "%s  %s\n", l.Time, l.Text)
	f.mu.Lock()
	for ch := range f.subs {
		select {
		case ch <- l:
		default: // a slow dashboard misses lines, never slows the log
		}
	}
	f.mu.Unlock()
}

// snapshot returns every file's status, sorted by bot and path.
func (f *feed) snapshot() []fileStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]fileStatus, 0, len(f.files))
	for _, st := range f.files {
		if st.Op == events.OpDeleted {
			continue
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

// serveEvents is GET /api/dev/events: the change log as Server-Sent Events.
func (f *feed) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := make(chan logLine, 256)
	f.mu.Lock()
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
			data, _ := json.Marshal(l)
			fmt.Fprintf(w, "event: log\ndata: %s\n\n", data)
		}
		flusher.Flush()
	}
}
