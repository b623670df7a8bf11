// Package audit appends every change and every outcome to a log file per bot
// per day (<dir>/<bot>/<YYYY-MM-DD>.log, or .jsonl for JSON lines), rotated
// by size within a day. It reads DRIVE and OUTCOMES through its own durable
// consumers, so a restart resumes where it stopped; delivery is at least
// once, and every line carries the stream sequence so a reader can drop the
// rare duplicate after a crash.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// DefaultMaxMB is the size of an audit file before it rotates, by default.
const DefaultMaxMB = 64

// Formats.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// Config sets up the audit log.
type Config struct {
	Dir        string
	Format     string // text (default) or json
	MaxMB      int    // size of a file before it rotates (default 64)
	MaxBackups int    // rotated files kept per day (default 10)
}

// Validate names the first bad setting.
func (c Config) Validate() error {
	if c.Dir == "" {
		return fmt.Errorf("audit: no directory")
	}
	switch c.Format {
	case "", FormatText, FormatJSON:
	default:
		return fmt.Errorf("audit: format %q, want text or json", c.Format)
	}
	if c.MaxMB < 0 || c.MaxBackups < 0 {
		return fmt.Errorf("audit: negative rotation limits")
	}
	return nil
}

// Log writes audit lines.
type Log struct {
	cfg   Config
	mu    sync.Mutex
	files map[string]*lumberjack.Logger // "<bot>/<day>" → file
}

// New returns an audit log writing under cfg.Dir.
func New(cfg Config) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Format == "" {
		cfg.Format = FormatText
	}
	if cfg.MaxMB == 0 {
		cfg.MaxMB = DefaultMaxMB
	}
	if cfg.MaxBackups == 0 {
		cfg.MaxBackups = 10
	}
	return &Log{cfg: cfg, files: map[string]*lumberjack.Logger{}}, nil
}

// file returns the writer for bot on the day of t, closing other days' files
// of that bot.
func (l *Log) file(bot string, t time.Time) io.Writer {
	day := t.UTC().Format("2006-01-02")
	key := bot + "/" + day
	if f, ok := l.files[key]; ok {
		return f
	}
	for k, f := range l.files {
		if strings.HasPrefix(k, bot+"/") {
			f.Close()
			delete(l.files, k)
		}
	}
	ext := ".log"
	if l.cfg.Format == FormatJSON {
		ext = ".jsonl"
	}
	f := &lumberjack.Logger{
		Filename:   filepath.Join(l.cfg.Dir, bot, day+ext),
		MaxSize:    l.cfg.MaxMB,
		MaxBackups: l.cfg.MaxBackups,
	}
	l.files[key] = f
	return f
}

// line is the JSON form of an audit line.
type line struct {
	Time    string          `json:"time"`
	Seq     uint64          `json:"seq"`
	Type    string          `json:"type"` // change or outcome
	Change  *events.Change  `json:"change,omitempty"`
	Outcome *events.Outcome `json:"outcome,omitempty"`
}

// Change appends a change seen at t with stream sequence seq.
func (l *Log) Change(c events.Change, t time.Time, seq uint64) error {
	var text string
	if l.cfg.Format == FormatText {
		text = fmt.Sprintf("%s seq=%d change %s %s %s etag=%s size=%d by=%s", t.UTC().Format(time.RFC3339Nano), seq, c.Bot, c.Op, quote(c.Path), c.ETag, c.Size, c.DetectedBy)
		if c.From != "" {
			text += " from=" + quote(c.From)
		}
		if c.Origin != "" {
			text += " origin=" + quote(c.Origin)
		}
	}
	return l.write(c.Bot, t, text, line{Seq: seq, Type: "change", Change: &c})
}

// Outcome appends an outcome published at t with stream sequence seq.
func (l *Log) Outcome(o events.Outcome, t time.Time, seq uint64) error {
	var text string
	if l.cfg.Format == FormatText {
		text = fmt.Sprintf("%s seq=%d outcome %s %s %s %s etag=%s", t.UTC().Format(time.RFC3339Nano), seq, o.Bot, o.Service, o.Status, quote(o.Path), o.ETag)
		if o.Error != "" {
			text += " error=" + quote(o.Error)
		}
	}
	return l.write(o.Bot, t, text, line{Seq: seq, Type: "outcome", Outcome: &o})
}

func (l *Log) write(bot string, t time.Time, text string, jl line) error {
	if err := events.ValidBot(bot); err != nil {
		return err // never a path outside the audit directory
	}
	if l.cfg.Format == FormatJSON {
		jl.Time = t.UTC().Format(time.RFC3339Nano)
		data, err := json.Marshal(jl)
		if err != nil {
			return err
		}
		text = string(data)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := io.WriteString(l.file(bot, t), text+"\n"); err != nil {
		return fmt.Errorf("audit log of %s: %w", bot, err)
	}
	return nil
}

// quote keeps a path or message on one line and unambiguous.
func quote(s string) string {
	if strings.ContainsAny(s, " \t\"=\n") || s != events.DisplayPath(s) {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// Close closes every open file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, f := range l.files {
		f.Close()
		delete(l.files, k)
	}
	return nil
}

// Consumers is the part of jetstream.JetStream Run needs.
type Consumers interface {
	CreateOrUpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error)
	bus.MsgPublisher
}

// Durable consumer names of the audit log.
const (
	ConsumerChanges  = "audit-changes"
	ConsumerOutcomes = "audit-outcomes"
)

// Run appends every change and outcome until ctx ends.
func (l *Log) Run(ctx context.Context, js Consumers, log *slog.Logger) error {
	changes, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, bus.WorkQueueConsumer(ConsumerChanges, events.DrivePrefix+".>"))
	if err != nil {
		return fmt.Errorf("audit consumer: %w", err)
	}
	outcomes, err := js.CreateOrUpdateConsumer(ctx, events.StreamOutcomes, bus.WorkQueueConsumer(ConsumerOutcomes, events.OutcomePrefix+".>"))
	if err != nil {
		return fmt.Errorf("audit consumer: %w", err)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return worker.New(changes, js, func(ctx context.Context, m jetstream.Msg) error {
			c, err := bus.Decode(m)
			if err != nil {
				return worker.Permanent(err)
			}
			t, seq := when(m)
			return l.Change(c, t, seq)
		}, worker.Config{Name: ConsumerChanges}, log).Run(ctx)
	})
	g.Go(func() error {
		return worker.New(outcomes, js, func(ctx context.Context, m jetstream.Msg) error {
			o, err := events.DecodeOutcome(m.Data())
			if err != nil {
				return worker.Permanent(err)
			}
			t, seq := when(m)
			return l.Outcome(o, t, seq)
		}, worker.Config{Name: ConsumerOutcomes}, log).Run(ctx)
	})
	err = g.Wait()
	l.Close()
	return err
}

func when(m jetstream.Msg) (time.Time, uint64) {
	md, err := m.Metadata()
	if err != nil {
		return time.Now(), 0
	}
	return md.Timestamp, md.Sequence.Stream
}
