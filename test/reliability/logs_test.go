package reliability

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
)

// logSink collects the services' logs of one test: it counts messages by
// text (the retries a scenario caused are counted this way) and keeps the
// last warnings and errors, printed when the test fails.
type logSink struct {
	t      *testing.T
	mu     sync.Mutex
	counts map[string]int
	lines  []string
}

const keptLines = 300

func newLogSink(t *testing.T) *logSink { return &logSink{t: t, counts: map[string]int{}} }

// logger is a logger for one component.
func (s *logSink) logger(component string) *slog.Logger {
	return slog.New(&countingHandler{sink: s}).With("component", component)
}

// count is how many records carried msg.
func (s *logSink) count(msg string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[msg]
}

func (s *logSink) dump() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.t.Logf("last %d warnings and errors of the services:", len(s.lines))
	for _, l := range s.lines {
		s.t.Log(l)
	}
}

// countingHandler counts Info and above, and formats Warn and above.
type countingHandler struct {
	sink  *logSink
	attrs []slog.Attr
	group string
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	var line string
	if r.Level >= slog.LevelWarn {
		var b bytes.Buffer
		var th slog.Handler = slog.NewTextHandler(&b, nil)
		if h.group != "" {
			th = th.WithGroup(h.group)
		}
		_ = th.WithAttrs(h.attrs).Handle(ctx, r)
		line = b.String()
	}
	h.sink.mu.Lock()
	defer h.sink.mu.Unlock()
	h.sink.counts[r.Message]++
	if line != "" {
		if len(h.sink.lines) == keptLines {
			h.sink.lines = h.sink.lines[1:]
		}
		h.sink.lines = append(h.sink.lines, line)
	}
	return nil
}

func (h *countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &countingHandler{sink: h.sink, attrs: append(append([]slog.Attr(nil), h.attrs...), as...), group: h.group}
}

func (h *countingHandler) WithGroup(name string) slog.Handler {
	return &countingHandler{sink: h.sink, attrs: h.attrs, group: name}
}
