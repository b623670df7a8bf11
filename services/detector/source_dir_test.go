package detector

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dirSetup is a root with a harbor package and a detector on it.
func dirSetup(t *testing.T, cfg Config) (root, pkg string, js jetstream.JetStream, rec *recorder) {
	_, js = testinfra.JetStream(t)
	root = filepath.Join(t.TempDir(), "root")
	pkg = filepath.Join(root, "harbor.gbai")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	rec = record(t, js, "harbor")
	cfg.Dir = root
	if cfg.Settle == 0 {
		cfg.Settle = 30 * time.Millisecond
	}
	runService(t, cfg, Deps{JS: js})
	rec.waitOp(t, events.OpTargetFound, "")
	return root, pkg, js, rec
}

func countOp(cs []events.Change, op events.Op) int {
	n := 0
	for _, c := range cs {
		if c.Op == op {
			n++
		}
	}
	return n
}

func TestIntegrationDirMkdirStorm(t *testing.T) {
	_, pkg, _, rec := dirSetup(t, Config{})
	const dirs, per = 15, 8 // 120 files, 45 folders made by mkdir -p
	want := map[string]bool{}
	for d := range dirs {
		deep := filepath.Join(pkg, fmt.Sprintf("s%d.gbkb", d), "a", "b")
		if err := os.MkdirAll(deep, 0o755); err != nil {
			t.Fatal(err)
		}
		for f := range per {
			p := filepath.Join(deep, fmt.Sprintf("f%d.md", f))
			write(t, p, p)
			rel, _ := filepath.Rel(pkg, p)
			want[filepath.ToSlash(rel)] = true
		}
	}
	rec.wait(t, "every file created", func(cs []events.Change) bool {
		got := 0
		for _, c := range cs {
			if c.Op == events.OpCreated && want[c.Path] {
				got++
			}
		}
		return got == len(want)
	})
	time.Sleep(200 * time.Millisecond)
	if n := countOp(rec.all(), events.OpCreated); n != len(want) {
		t.Errorf("%d created events for %d files", n, len(want))
	}
}

func TestIntegrationDirSaveStormAndIgnores(t *testing.T) {
	_, pkg, _, rec := dirSetup(t, Config{Settle: 80 * time.Millisecond})
	p := filepath.Join(pkg, "d.gbdialog", "start.bas")
	write(t, p, "v0")
	rec.waitOp(t, events.OpCreated, "d.gbdialog/start.bas")
	// An editor's save: swap file, probe file, backup by rename, then
	// several writes of the new content.
	write(t, filepath.Join(pkg, "d.gbdialog", ".start.bas.swp"), "swap")
	write(t, filepath.Join(pkg, "d.gbdialog", "4913"), "")
	if err := os.Rename(p, p+"~"); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		write(t, p, fmt.Sprintf("final content %d", i%2))
		time.Sleep(2 * time.Millisecond)
	}
	write(t, p, "final content!")
	write(t, filepath.Join(pkg, ".#lock"), "x")
	time.Sleep(400 * time.Millisecond)
	cs := rec.of("d.gbdialog/start.bas")
	if len(cs) != 2 || cs[1].Op != events.OpUpdated || cs[1].ETag != drive.ContentETag([]byte("final content!")) {
		t.Fatalf("want created then one updated with the final content, got:\n%s", dump(cs))
	}
	for _, c := range rec.all() {
		if base := filepath.Base(c.Path); base == ".start.bas.swp" || base == "4913" || base == "start.bas~" || base == ".#lock" {
			t.Errorf("ignored file reported: %s %s", c.Op, c.Path)
		}
	}
}

func TestIntegrationDirMoves(t *testing.T) {
	_, pkg, _, rec := dirSetup(t, Config{Settle: 100 * time.Millisecond})
	a := filepath.Join(pkg, "m.gbdialog", "a.bas")
	write(t, a, "A")
	write(t, filepath.Join(pkg, "m.gbdialog", "c.bas"), "C")
	rec.waitOp(t, events.OpCreated, "m.gbdialog/a.bas")
	rec.waitOp(t, events.OpCreated, "m.gbdialog/c.bas")

	if err := os.Rename(a, filepath.Join(pkg, "m.gbdialog", "b.bas")); err != nil {
		t.Fatal(err)
	}
	mv := rec.waitOp(t, events.OpMoved, "m.gbdialog/b.bas")
	if mv.From != "m.gbdialog/a.bas" || mv.ETag != drive.ContentETag([]byte("A")) {
		t.Errorf("moved %+v", mv)
	}

	// A folder moved: deleted + created for what it holds.
	if err := os.Rename(filepath.Join(pkg, "m.gbdialog"), filepath.Join(pkg, "n.gbdialog")); err != nil {
		t.Fatal(err)
	}
	rec.waitOp(t, events.OpDeleted, "m.gbdialog/b.bas")
	rec.waitOp(t, events.OpDeleted, "m.gbdialog/c.bas")
	rec.waitOp(t, events.OpCreated, "n.gbdialog/b.bas")
	rec.waitOp(t, events.OpCreated, "n.gbdialog/c.bas")
	if n := len(rec.of("m.gbdialog/a.bas")); n != 2 { // created, moved
		t.Errorf("a.bas: %d changes", n)
	}
}

func TestIntegrationDirPackagesAndRoot(t *testing.T) {
	_, js := testinfra.JetStream(t)
	root := filepath.Join(t.TempDir(), "root")
	rec := record(t, js, "harbor")
	rec2 := record(t, js, "newbot")
	runService(t, Config{Dir: root, Settle: 30 * time.Millisecond, RootPoll: 20 * time.Millisecond}, Deps{JS: js})

	// The root does not exist yet: it appears with a package.
	write(t, filepath.Join(root, "harbor.gbai", "h.gbdialog", "start.bas"), "1")
	rec.waitOp(t, events.OpTargetFound, "")
	rec.waitOp(t, events.OpCreated, "h.gbdialog/start.bas")

	// A new package folder is picked up live, with its files.
	write(t, filepath.Join(root, "newbot.gbai", "n.gbkb", "faq", "q.md"), "Q")
	rec2.waitOp(t, events.OpTargetFound, "")
	if c := rec2.waitOp(t, events.OpCreated, "n.gbkb/faq/q.md"); c.Bot != "newbot" {
		t.Errorf("bot %s", c.Bot)
	}
	// Deleting a package folder loses it, and every file in it.
	if err := os.RemoveAll(filepath.Join(root, "newbot.gbai")); err != nil {
		t.Fatal(err)
	}
	rec2.waitOp(t, events.OpTargetLost, "")
	rec2.waitOp(t, events.OpDeleted, "n.gbkb/faq/q.md")

	// The root deleted, then replaced by a file, then re-created.
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	rec.waitOp(t, events.OpTargetLost, "")
	rec.waitOp(t, events.OpDeleted, "h.gbdialog/start.bas")
	write(t, root, "not a folder")
	time.Sleep(100 * time.Millisecond)
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "harbor.gbai", "h.gbdialog", "start.bas"), "1")
	rec.wait(t, "found again with its file", func(cs []events.Change) bool {
		return countOp(cs, events.OpTargetFound) == 2 && countOp(cs, events.OpCreated) == 2
	})
	cs := rec.all()
	if last := cs[len(cs)-1]; last.Op != events.OpCreated || last.Base == 0 {
		t.Errorf("re-created file: %+v", last)
	}
}

func TestIntegrationDirOddNames(t *testing.T) {
	_, pkg, js, rec := dirSetup(t, Config{})
	ctx := context.Background()
	outs, err := js.OrderedConsumer(ctx, events.StreamOutcomes, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.OutcomeSubject(ServiceName, "harbor")}})
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "secret.txt")
	write(t, outside, "secret")
	if err := os.Symlink(outside, filepath.Join(pkg, "link.txt")); err != nil {
		t.Fatal(err)
	}
	latin1 := "caf\xe9.md" // not UTF-8
	write(t, filepath.Join(pkg, "k.gbkb", latin1), "bytes")
	write(t, filepath.Join(pkg, "k.gbkb", `back\slash.md`), "bad")
	c := rec.waitOp(t, events.OpCreated, "k.gbkb/"+latin1)
	if c.Path != "k.gbkb/"+latin1 {
		t.Errorf("path %q", c.Path)
	}
	msg, err := outs.Next(jetstream.FetchMaxWait(10 * time.Second))
	if err != nil {
		t.Fatalf("no outcome for the bad name: %v", err)
	}
	var o events.Outcome
	if err := json.Unmarshal(msg.Data(), &o); err != nil || o.Status != events.StatusFailed || o.Path != `k.gbkb/back\slash.md` {
		t.Errorf("outcome %s (%v)", msg.Data(), err)
	}
	time.Sleep(200 * time.Millisecond)
	for _, c := range rec.all() {
		if c.Path == "link.txt" || c.Path == `k.gbkb/back\slash.md` {
			t.Errorf("reported %s %q", c.Op, c.Path)
		}
	}
}

// TestIntegrationDirRestartAndDuplicate: two detectors on one folder
// publish each change once; after both stop, a new one reports exactly
// what changed meanwhile.
func TestIntegrationDirRestartAndDuplicate(t *testing.T) {
	_, js := testinfra.JetStream(t)
	root := t.TempDir()
	pkg := filepath.Join(root, "harbor.gbai")
	write(t, filepath.Join(pkg, "keep.bas"), "k")
	write(t, filepath.Join(pkg, "edit.bas"), "e1")
	write(t, filepath.Join(pkg, "gone.bas"), "g")
	rec := record(t, js, "harbor")
	cfg := Config{Dir: root, Settle: 20 * time.Millisecond}

	ctx, cancel := context.WithCancel(context.Background())
	var done []chan error
	for range 2 {
		svc, err := New(cfg, Deps{JS: js, Log: testLog()})
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		done = append(done, ch)
		go func() { ch <- svc.Run(ctx) }()
	}
	for i := range 30 {
		write(t, filepath.Join(pkg, "many", fmt.Sprintf("%d.bas", i)), fmt.Sprint(i))
	}
	rec.wait(t, "33 files", func(cs []events.Change) bool { return countOp(cs, events.OpCreated) >= 33 })
	time.Sleep(500 * time.Millisecond)
	cancel()
	for _, ch := range done {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if n := countOp(rec.all(), events.OpCreated); n != 33 {
		t.Fatalf("two detectors: %d created events for 33 files\n%s", n, dump(rec.all()))
	}
	if n := countOp(rec.all(), events.OpTargetFound); n != 1 {
		t.Errorf("%d target_found", n)
	}

	before := len(rec.all())
	write(t, filepath.Join(pkg, "edit.bas"), "e2")
	write(t, filepath.Join(pkg, "new.bas"), "n")
	if err := os.Remove(filepath.Join(pkg, "gone.bas")); err != nil {
		t.Fatal(err)
	}
	runService(t, cfg, Deps{JS: js})
	time.Sleep(200 * time.Millisecond)
	got := rec.all()[before:]
	want := map[string]events.Op{"edit.bas": events.OpUpdated, "new.bas": events.OpCreated, "gone.bas": events.OpDeleted}
	if len(got) != len(want) {
		t.Fatalf("catch-up: %d changes, want %d:\n%s", len(got), len(want), dump(got))
	}
	for _, c := range got {
		if want[c.Path] != c.Op || c.DetectedBy != events.DetectedByReconcile {
			t.Errorf("catch-up: %s %s by %s", c.Op, c.Path, c.DetectedBy)
		}
	}
}

// TestIntegrationDirMoveAcrossKinds: a document moved out of a knowledge
// base is a delete on the kb subject (the indexer must drop its points) and a
// create on the drive subject, never a move the indexer cannot see.
func TestIntegrationDirMoveAcrossKinds(t *testing.T) {
	_, pkg, _, rec := dirSetup(t, Config{Settle: 100 * time.Millisecond})
	doc := filepath.Join(pkg, "h.gbkb", "faq", "a.md")
	write(t, doc, "# A\n")
	rec.waitOp(t, events.OpCreated, "h.gbkb/faq/a.md")
	if err := os.MkdirAll(filepath.Join(pkg, "h.gbdrive"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(doc, filepath.Join(pkg, "h.gbdrive", "a.md")); err != nil {
		t.Fatal(err)
	}
	del := rec.waitOp(t, events.OpDeleted, "h.gbkb/faq/a.md")
	cr := rec.waitOp(t, events.OpCreated, "h.gbdrive/a.md")
	if del.Kind != events.KindKB || del.KB != "faq" || cr.Kind != events.KindDrive {
		t.Fatalf("delete %+v, create %+v", del, cr)
	}
	for _, c := range rec.all() {
		if c.Op == events.OpMoved {
			t.Fatalf("a move across kinds was published as a move: %+v", c)
		}
	}
}

// TestIntegrationDirOrigin: a file written by drivemon (origin marked
// before the write) is reported with that origin; an author's later edit of
// the same file is not.
func TestIntegrationDirOrigin(t *testing.T) {
	_, pkg, js, rec := dirSetup(t, Config{})
	kv, err := bus.EnsureOrigins(context.Background(), js, bus.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(pkg, "h.gbdrive", "report.txt")
	if err := bus.MarkOrigin(context.Background(), kv, "harbor", "h.gbdrive/report.txt", drive.ContentETag([]byte("by a tool")), "tool:report"); err != nil {
		t.Fatal(err)
	}
	write(t, p, "by a tool")
	if c := rec.waitOp(t, events.OpCreated, "h.gbdrive/report.txt"); c.Origin != "tool:report" {
		t.Fatalf("drivemon's own write has origin %q", c.Origin)
	}
	write(t, p, "by the author")
	if c := rec.waitOp(t, events.OpUpdated, "h.gbdrive/report.txt"); c.Origin != "" {
		t.Fatalf("the author's edit has origin %q", c.Origin)
	}
}
