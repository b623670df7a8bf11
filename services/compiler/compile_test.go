package compiler

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// noJS is a JetStream for tests that never reach NATS.
type noJS struct{}

var errNoJS = errors.New("no JetStream in this test")

func (noJS) CreateOrUpdateConsumer(context.Context, string, jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return nil, errNoJS
}

func (noJS) Consumer(context.Context, string, string) (jetstream.Consumer, error) {
	return nil, errNoJS
}

func (noJS) PublishMsg(context.Context, *nats.Msg, ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	return nil, errNoJS
}

// settingsOnly reaches NATS for the settings bucket alone.
type settingsOnly struct {
	noJS
	bus.KVEnsurer
}

// unit is a service over a folder and an SQLite store, driven through
// process without NATS; seq numbers the changes.
type unit struct {
	js    jetstream.JetStream // for the settings bucket only
	svc   *Service
	files *files
	store store.Store
	seq   uint64
}

func newUnit(t *testing.T, cfg Config) *unit {
	t.Helper()
	_, js := testinfra.JetStream(t)
	u := &unit{js: js, files: newFiles(t), store: openSQLite(t)}
	svc, err := New(cfg, Deps{JS: settingsOnly{KVEnsurer: js}, Storage: u.files, Store: u.store})
	if err != nil {
		t.Fatal(err)
	}
	u.svc = svc
	return u
}

// run processes c as the next change and returns its outcome.
func (u *unit) run(t *testing.T, c events.Change) (events.Outcome, error) {
	t.Helper()
	u.seq++
	c.Seq = u.seq
	out := events.OutcomeFor(Name, &c)
	err := u.svc.process(context.Background(), &c, &out)
	return out, err
}

func (u *unit) mustRun(t *testing.T, c events.Change) events.Outcome {
	t.Helper()
	out, err := u.run(t, c)
	if err != nil {
		t.Fatalf("process %s %s: %v", c.Op, c.Path, err)
	}
	return out
}

func TestProcessStatuses(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		steps  func(t *testing.T, u *unit) events.Outcome
		status events.Status
		check  func(t *testing.T, u *unit, o events.Outcome)
	}{
		{
			name: "syntax errors are a successful compile",
			steps: func(t *testing.T, u *unit) events.Outcome {
				return u.mustRun(t, u.files.write(t, "harbor", bookPath, "WHILE x\nTALK 1\n"))
			},
			status: events.StatusOK,
			check: func(t *testing.T, u *unit, o events.Outcome) {
				if len(o.Diagnostics) == 0 || o.Diagnostics[0].Severity != "error" {
					t.Fatalf("diagnostics = %+v", o.Diagnostics)
				}
			},
		},
		{
			name: "a file gone before it is read is deleted",
			steps: func(t *testing.T, u *unit) events.Outcome {
				u.mustRun(t, u.files.write(t, "harbor", bookPath, bookSrc))
				c := u.files.write(t, "harbor", bookPath, bookSrc)
				u.files.remove(t, "harbor", bookPath)
				return u.mustRun(t, c)
			},
			status: events.StatusDeleted,
			check: func(t *testing.T, u *unit, o events.Outcome) {
				if _, err := u.store.Script(context.Background(), "harbor", bookPath); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("script still stored: %v", err)
				}
			},
		},
		{
			name: "a file over the limit compiles to an error",
			cfg:  Config{MaxFileBytes: 16},
			steps: func(t *testing.T, u *unit) events.Outcome {
				return u.mustRun(t, u.files.write(t, "harbor", bookPath, bookSrc))
			},
			status: events.StatusOK,
			check: func(t *testing.T, u *unit, o events.Outcome) {
				if len(o.Diagnostics) != 1 || !strings.Contains(o.Diagnostics[0].Message, "larger than 16 bytes") {
					t.Fatalf("diagnostics = %+v", o.Diagnostics)
				}
				infos, err := u.store.Scripts(context.Background(), "harbor")
				if err != nil || len(infos) != 1 || infos[0].Errors != 1 || o.ETag == "" {
					t.Fatalf("scripts = %+v, %v, etag %q", infos, err, o.ETag)
				}
			},
		},
		{
			name: "a move compiles the new path and removes the old",
			steps: func(t *testing.T, u *unit) events.Outcome {
				u.mustRun(t, u.files.write(t, "harbor", bookPath, bookSrc))
				u.files.remove(t, "harbor", bookPath)
				c := u.files.write(t, "harbor", "harbor.gbdialog/visit.bas", bookSrc)
				c.Op, c.From = events.OpMoved, bookPath
				return u.mustRun(t, c)
			},
			status: events.StatusOK,
			check: func(t *testing.T, u *unit, o events.Outcome) {
				tools, err := u.store.Tools(context.Background(), "harbor", false)
				if err != nil || len(tools) != 1 || tools[0].Name != "visit" || o.Tool != "visit" {
					t.Fatalf("tools = %+v, %v", tools, err)
				}
			},
		},
		{
			name: "an older change is skipped",
			steps: func(t *testing.T, u *unit) events.Outcome {
				c := u.files.write(t, "harbor", bookPath, bookSrc)
				u.seq = 10
				u.mustRun(t, c)
				u.seq = 3
				return u.mustRun(t, c)
			},
			status: events.StatusSkipped,
			check: func(t *testing.T, u *unit, o events.Outcome) {
				if len(o.Diagnostics) != 0 || o.Tool != "" {
					t.Fatalf("a skipped outcome reports a compile it discarded: %+v", o)
				}
			},
		},
		{
			name: "a redelivered change reports its result again",
			steps: func(t *testing.T, u *unit) events.Outcome {
				c := u.files.write(t, "harbor", bookPath, bookSrc)
				u.mustRun(t, c)
				u.seq--
				return u.mustRun(t, c)
			},
			status: events.StatusOK,
			check: func(t *testing.T, u *unit, o events.Outcome) {
				if o.Tool != "book" {
					t.Fatalf("outcome = %+v", o)
				}
			},
		},
		{
			name: "a deleted config.csv reports its keys removed",
			steps: func(t *testing.T, u *unit) events.Outcome {
				u.mustRun(t, u.files.write(t, "harbor", configPath, "theme-logo,a.png\nAnswer Mode,direct\n"))
				return u.mustRun(t, u.files.remove(t, "harbor", configPath))
			},
			status: events.StatusDeleted,
			check: func(t *testing.T, u *unit, o events.Outcome) {
				if o.Config == nil || strings.Join(o.Config.Removed, ",") != "Answer Mode,theme-logo" {
					t.Fatalf("config diff = %+v", o.Config)
				}
			},
		},
		{
			name: "a config.csv with bad lines is stored with diagnostics",
			steps: func(t *testing.T, u *unit) events.Outcome {
				return u.mustRun(t, u.files.write(t, "harbor", configPath, "theme-color1,#fff\nno comma here\n"))
			},
			status: events.StatusOK,
			check: func(t *testing.T, u *unit, o events.Outcome) {
				if len(o.Diagnostics) != 2 || o.Diagnostics[0].Line != 2 || o.Config == nil || o.Config.Added["theme-color1"] != "#fff" {
					t.Fatalf("outcome = %+v %+v", o, o.Config)
				}
				// Nothing was published before: the defaults stay.
				if d := o.Diagnostics[1]; d.Severity != "warning" || d.Line != 2 ||
					d.Message != "harbor/harbor.gbot/config.csv has errors (the first on line 2), so its settings are not used; no earlier version was without errors, so the services keep their defaults" {
					t.Fatalf("second diagnostic = %+v", d)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUnit(t, tc.cfg)
			o := tc.steps(t, u)
			if o.Status != tc.status {
				t.Fatalf("status = %s, want %s (%+v)", o.Status, tc.status, o)
			}
			tc.check(t, u, o)
		})
	}
}

// A storage failure is returned for a retry; an invalid write is
// permanent.
func TestProcessErrors(t *testing.T) {
	u := newUnit(t, Config{})
	c := u.files.write(t, "harbor", bookPath, bookSrc)
	u.files.setFailing(func(bot, path string) error { return errors.New("connection refused") })
	_, err := u.run(t, c)
	if err == nil || errors.Is(err, worker.ErrPermanent) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("storage failure: err = %v, want a transient error", err)
	}
	u.files.setFailing(nil)
	c.Seq = 0 // no stream sequence: the store refuses it, for good
	out := events.OutcomeFor(Name, &c)
	if err := u.svc.process(context.Background(), &c, &out); !errors.Is(err, worker.ErrPermanent) || !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("seq 0: err = %v, want permanent ErrInvalid", err)
	}
}

// Reference warnings follow what the bot has: its active tools (from the
// store) and its knowledge bases (listed once, then from KB changes).
func TestInventoryWarnings(t *testing.T) {
	u := newUnit(t, Config{})
	src := "USE TOOL \"book\"\nUSE KB \"manuals\"\n"
	o := u.mustRun(t, u.files.write(t, "harbor", "harbor.gbdialog/start.bas", src))
	if len(o.Diagnostics) != 2 {
		t.Fatalf("with no tool and no KB: %+v", o.Diagnostics)
	}
	u.mustRun(t, u.files.write(t, "harbor", bookPath, bookSrc))
	u.mustRun(t, u.files.write(t, "harbor", "harbor.gbkb/manuals/a.md", "# A"))
	o = u.mustRun(t, u.files.write(t, "harbor", "harbor.gbdialog/start.bas", src+"TALK 1\n"))
	if len(o.Diagnostics) != 0 {
		t.Fatalf("with the tool and the KB present: %+v", o.Diagnostics)
	}
}

// The storage is listed once per bot, when the store does not know its
// knowledge bases; after that only KB changes move them.
func TestKBNamesListedOnce(t *testing.T) {
	u := newUnit(t, Config{})
	u.files.write(t, "harbor", "harbor.gbkb/a/x.md", "x")
	u.files.write(t, "harbor", "harbor.gbkb/b/c/y.md", "y")
	u.files.write(t, "harbor", "harbor.gbkb/top.md", "z")
	ctx := context.Background()
	names, err := u.svc.kbNames(ctx, "harbor")
	if err != nil || strings.Join(names, ",") != "a,b,"+events.DefaultKB {
		t.Fatalf("kbNames = %v, %v", names, err)
	}
	u.files.write(t, "harbor", "harbor.gbkb/unseen/z.md", "z") // no change published
	if names, _ := u.svc.kbNames(ctx, "harbor"); len(names) != 3 {
		t.Fatalf("the storage was listed again: %v", names)
	}
	u.mustRun(t, u.files.write(t, "harbor", "harbor.gbkb/new/z.md", "z"))
	u.mustRun(t, u.files.remove(t, "harbor", "harbor.gbkb/a/x.md"))
	want := []string{"b", "new", events.DefaultKB}
	slices.Sort(want)
	if names, _ := u.svc.kbNames(ctx, "harbor"); !slices.Equal(names, want) {
		t.Fatalf("after KB changes: %v", names)
	}
	if names, err := u.svc.kbNames(ctx, "nobot"); err != nil || len(names) != 0 {
		t.Fatalf("kbNames of a missing bot = %v, %v", names, err)
	}
}

var _ Storage = (*drive.Dir)(nil)

// Issue 19: the dialog x = a+a+…+a of 8 000 terms compiles cleanly and its
// AST is stored; one of 8 193 terms is over the statement limit and
// compiles to one error.
func TestLongExpressionCompiles(t *testing.T) {
	u := newUnit(t, Config{})
	chain := func(n int) string { return "x = a" + strings.Repeat("+a", n-1) + "\n" }
	start := time.Now()
	o := u.mustRun(t, u.files.write(t, "harbor", bookPath, chain(8000)))
	took := time.Since(start)
	if o.Status != events.StatusOK || len(o.Diagnostics) != 0 {
		t.Fatalf("8 000 terms: %+v", o)
	}
	sc, err := u.store.Script(context.Background(), "harbor", bookPath)
	if err != nil || !strings.HasPrefix(string(sc.AST), `{"type":"File"`) || len(sc.AST) < 800_000 {
		t.Fatalf("stored AST: %.80s (%d bytes), %v", sc.AST, len(sc.AST), err)
	}
	t.Logf("8 000 terms compiled and stored in %v", took)
	o = u.mustRun(t, u.files.write(t, "harbor", bookPath, chain(8193)))
	if len(o.Diagnostics) != 1 || !strings.Contains(o.Diagnostics[0].Message, "too large: more than 16384") {
		t.Fatalf("8 193 terms: %+v", o.Diagnostics)
	}
}

// Encoding the AST stops when the handler's context ends.
func TestEncodingStopsWithTheHandler(t *testing.T) {
	res := analysis.Compile(bookPath, []byte("x = a"+strings.Repeat("+a", 7999)+"\n"), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := store.NewScript(ctx, "harbor", bookPath, 1, "etag", nil, &res, time.Now()); !errors.Is(err, context.Canceled) {
		t.Fatalf("NewScript under a cancelled context: %v", err)
	}
}
