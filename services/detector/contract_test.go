package detector

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// fixture is one Source under the contract suite: a configuration that
// watches a fresh bot, and ways to change the bot's files behind the
// detector's back.
type fixture struct {
	bot    string
	cfg    Config
	deps   Deps
	js     jetstream.JetStream
	put    func(t *testing.T, path string, data []byte)
	remove func(t *testing.T, path string)
}

func dirFixture(t *testing.T) fixture {
	_, js := testinfra.JetStream(t)
	root := t.TempDir()
	pkg := filepath.Join(root, "harbor.gbai")
	return fixture{
		bot: "harbor", js: js,
		cfg:  Config{Dir: root, Settle: 30 * time.Millisecond},
		deps: Deps{JS: js},
		put: func(t *testing.T, p string, data []byte) {
			full := filepath.Join(pkg, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, data, 0o644); err != nil {
				t.Fatal(err)
			}
		},
		remove: func(t *testing.T, p string) {
			if err := os.Remove(filepath.Join(pkg, filepath.FromSlash(p))); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// s3Fixture watches a fresh bucket. With notify, MinIO's notifications
// reach the detector through an embedded JetStream on the address MinIO
// notifies and listing runs rarely; without, listing alone finds changes.
func s3Fixture(t *testing.T, notify bool) fixture {
	env := testinfra.S3(t)
	var n *testinfra.NATS
	if notify {
		n = testinfra.StartNATSAt(t, env.NATSAddr)
	} else {
		n = testinfra.StartNATS(t)
	}
	_, js := n.Connect(t)
	if err := bus.EnsureStreams(context.Background(), js, bus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	bot, _ := env.Bucket(t)
	s3cfg := drive.S3Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey}
	st, err := drive.NewS3(s3cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{S3: s3cfg, Bots: []string{bot}, BotsInterval: time.Second}
	if notify {
		cfg.RawSubject, cfg.NotifyARNs, cfg.ReconcileDefault = env.NotifySubject, env.NotifyARNs, time.Hour
	} else {
		cfg.RawSubject, cfg.ReconcileDefault = "", 100*time.Millisecond
	}
	return fixture{
		bot: bot, js: js, cfg: cfg, deps: Deps{JS: js, S3: st},
		put: func(t *testing.T, p string, data []byte) {
			b, key := st.Locate(bot, p)
			if _, err := env.Client.PutObject(context.Background(), b, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		},
		remove: func(t *testing.T, p string) {
			b, key := st.Locate(bot, p)
			if err := env.Client.RemoveObject(context.Background(), b, key, minio.RemoveObjectOptions{}); err != nil {
				t.Fatal(err)
			}
		},
	}
}

var sources = []struct {
	name string
	make func(*testing.T) fixture
}{
	{"dir", dirFixture},
	{"s3 notifications", func(t *testing.T) fixture { return s3Fixture(t, true) }},
	{"s3 listing only", func(t *testing.T) fixture { return s3Fixture(t, false) }},
}

// TestIntegrationSourceContract is the one contract every Source meets,
// checked on the DRIVE stream: what a consumer sees.
func TestIntegrationSourceContract(t *testing.T) {
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			f := src.make(t)
			const (
				before  = "x.gbdialog/before.bas"
				edited  = "x.gbdialog/start.bas"
				nested  = "x.gbkb/faq/perguntas ção 1.md"
				emptyF  = "x.gbdrive/empty.txt"
				config  = "x.gbot/config.csv"
				marker1 = "x.gbdrive/marker1"
				marker2 = "x.gbdrive/marker2"
			)
			f.put(t, before, []byte("TALK 1\n"))
			rec := record(t, f.js, f.bot)
			runService(t, f.cfg, f.deps)

			// Files present at start are reported by the initial scan,
			// after the package itself.
			c := rec.waitOp(t, events.OpCreated, before)
			if c.ETag != drive.ContentETag([]byte("TALK 1\n")) || c.Size != 7 || c.Kind != events.KindDialog {
				t.Errorf("initial file: %+v", c)
			}
			if all := rec.all(); all[0].Op != events.OpTargetFound || all[0].Bot != f.bot {
				t.Errorf("first change is %s, want target_found of %s", all[0].Op, f.bot)
			}

			f.put(t, edited, []byte("TALK \"v1\"\n"))
			c1 := rec.waitOp(t, events.OpCreated, edited)
			f.put(t, nested, []byte("# FAQ\n"))
			f.put(t, emptyF, nil)
			f.put(t, config, []byte("name,value\ntheme-color1,#fff\n"))
			kb := rec.waitOp(t, events.OpCreated, nested)
			if kb.Kind != events.KindKB || kb.KB != "faq" {
				t.Errorf("kb document: kind %s kb %q", kb.Kind, kb.KB)
			}
			if e := rec.waitOp(t, events.OpCreated, emptyF); e.Size != 0 || e.ETag != drive.ContentETag(nil) {
				t.Errorf("0-byte file: size %d etag %s", e.Size, e.ETag)
			}
			if cf := rec.waitOp(t, events.OpCreated, config); cf.Kind != events.KindConfig {
				t.Errorf("config kind %s", cf.Kind)
			}

			// The same bytes again are no change; different bytes are.
			f.put(t, edited, []byte("TALK \"v1\"\n"))
			f.put(t, marker1, []byte("m"))
			rec.waitOp(t, events.OpCreated, marker1)
			f.put(t, edited, []byte("TALK \"v2\"\n"))
			u := rec.waitOp(t, events.OpUpdated, edited)
			if u.ETag != drive.ContentETag([]byte("TALK \"v2\"\n")) || u.ID == c1.ID || u.Base == 0 {
				t.Errorf("update: %+v (create id %s)", u, c1.ID)
			}

			f.remove(t, edited)
			d := rec.waitOp(t, events.OpDeleted, edited)
			if d.Kind != events.KindDialog {
				t.Errorf("delete kind %s", d.Kind)
			}
			// The same content again after a delete is a new change.
			f.put(t, edited, []byte("TALK \"v1\"\n"))
			rec.wait(t, "re-creation", func(cs []events.Change) bool {
				n := 0
				for _, c := range cs {
					if c.Path == edited && c.Op == events.OpCreated {
						n++
					}
				}
				return n == 2
			})
			f.put(t, marker2, []byte("m"))
			rec.waitOp(t, events.OpCreated, marker2)
			time.Sleep(200 * time.Millisecond) // let strays arrive

			var ops []events.Op
			for _, c := range rec.of(edited) {
				ops = append(ops, c.Op)
			}
			want := []events.Op{events.OpCreated, events.OpUpdated, events.OpDeleted, events.OpCreated}
			if len(ops) != len(want) {
				t.Fatalf("changes to %s: %v, want %v\n%s", edited, ops, want, dump(rec.all()))
			}
			for i := range want {
				if ops[i] != want[i] {
					t.Fatalf("changes to %s: %v, want %v", edited, ops, want)
				}
			}
			seen := map[string]bool{}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			for i, c := range rec.changes {
				if rec.ids[i] != c.ID || c.ID != events.ComputeID(&c) {
					t.Errorf("%s %s: Nats-Msg-Id %q, id %q", c.Op, c.Path, rec.ids[i], c.ID)
				}
				if seen[c.ID] {
					t.Errorf("change %s %s twice", c.Op, c.Path)
				}
				seen[c.ID] = true
				if want := f.cfg.WithDefaults(); c.Source != events.SourceDir && want.Dir != "" {
					t.Errorf("source %s", c.Source)
				}
			}
		})
	}
}
