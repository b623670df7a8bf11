package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// writeBot writes a small package for bot under dir: a tool dialog, a
// config.csv and, with kb, a KB document.
func writeBot(t *testing.T, dir, bot string, kb bool) string {
	t.Helper()
	pkg := filepath.Join(dir, bot+".gbai")
	files := map[string]string{
		bot + ".gbdialog/greet.bas": fmt.Sprintf("PARAM name AS STRING\nDESCRIPTION \"greets for %s\"\nTALK \"hi \" + name\n", bot),
		bot + ".gbot/config.csv":    "name,value\ntheme-color1,#123456\n",
	}
	if kb {
		files[bot+".gbkb/faq/hours.md"] = "# Hours\nThe office of " + bot + " opens at nine.\n"
	}
	for rel, content := range files {
		p := filepath.Join(pkg, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return pkg
}

// TestIntegrationDevUpstreamLayout: packages laid out as upstream does,
// bots/<category>/<bot>.gbai, plus one linked from outside --dir, are all
// processed; two packages for one bot are a conflict, not merged.
func TestIntegrationDevUpstreamLayout(t *testing.T) {
	dir := t.TempDir()
	bots := filepath.Join(dir, "bots")
	for i, cat := range []string{"sales", "support", "tools"} {
		for j := range 3 {
			writeBot(t, filepath.Join(bots, cat), fmt.Sprintf("%s-%d", cat, j), i == 0 && j == 0)
		}
	}
	outside := writeBot(t, t.TempDir(), "linked", false)
	if err := os.Symlink(outside, filepath.Join(bots, "tools", "linked.gbai")); err != nil {
		t.Fatal(err)
	}
	dup := writeBot(t, filepath.Join(bots, "zz-copies"), "sales-0", false)
	os.Rename(filepath.Join(dup, "sales-0.gbdialog", "greet.bas"), filepath.Join(dup, "sales-0.gbdialog", "copy.bas"))

	_, httpAddr, stdout := startDevLog(t, dir)
	// 10 bots (9 + the link; the copy is not one more): 21 files.
	eventually(t, "the initial scan", func() bool { return strings.Contains(stdout.String(), "ready: 21 files, 21 ok") })
	for _, want := range []string{
		"drivemon dev: 10 bots in 4 folders under " + dir + "\n",
		"drivemon dev: conflict: bot sales-0 has 2 packages (" + filepath.Join(bots, "sales", "sales-0.gbai") + ", " + dup + "); not merged, watching " + filepath.Join(bots, "sales", "sales-0.gbai") + " only\n",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	var files struct {
		Files []fileStatus `json:"files"`
	}
	getJSON(t, "http://"+httpAddr+"/api/dev/files", &files)
	got := map[string]string{}
	for _, f := range files.Files {
		var st []string
		for svc, o := range f.Outcomes {
			st = append(st, svc+":"+string(o.Status))
		}
		got[f.Bot+"/"+f.Path] = strings.Join(st, ",")
	}
	if len(got) != 21 {
		t.Errorf("dashboard lists %d files, want 21: %v", len(got), got)
	}
	for _, key := range []string{"sales-0/sales-0.gbkb/faq/hours.md", "linked/linked.gbdialog/greet.bas", "tools-2/tools-2.gbot/config.csv", "sales-0/sales-0.gbdialog/greet.bas"} {
		if !strings.HasSuffix(got[key], ":ok") {
			t.Errorf("%s: outcomes %q, want ok", key, got[key])
		}
	}
	if _, merged := got["sales-0/sales-0.gbdialog/copy.bas"]; merged {
		t.Errorf("the conflicting copy's file was merged into sales-0")
	}
	// A package made later, in a new category folder, is found too.
	writeBot(t, filepath.Join(bots, "later"), "newcomer", false)
	eventually(t, "the new package processed", func() bool {
		return strings.Contains(stdout.String(), "newcomer     created  newcomer.gbdialog/greet.bas  compiled, tool greet")
	})
}

// TestIntegrationDevReadyWithFailure: the initial scan ends with its ready
// line although a KB document fails (its bot's embedding server is not
// there), and the failure is one line, not one per try.
func TestIntegrationDevReadyWithFailure(t *testing.T) {
	dir := copyTree(t, filepath.Join(repoRoot(t), "examples", "bots"))
	closed := freeAddr(t) // nothing listens there
	cfg := filepath.Join(dir, "lighthouse.gbai", "lighthouse.gbot", "config.csv")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(data, []byte("embedding-url,http://"+closed+"/v1/embeddings\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	natsAddr, httpAddr, stdout := startDevLog(t, dir)
	eventually(t, "the ready line", func() bool {
		return strings.Contains(stdout.String(), "ready: 9 files, 8 ok, 1 failed (see dashboard)\n")
	})
	var files struct {
		Files []fileStatus `json:"files"`
	}
	getJSON(t, "http://"+httpAddr+"/api/dev/files", &files)
	var tower fileStatus
	for _, f := range files.Files {
		if f.Path == "lighthouse.gbkb/history/tower.md" {
			tower = f
		}
	}
	if o := tower.Outcomes["indexer"]; tower.Status != statusFailed || o.Attempt != 1 || !strings.Contains(o.Error, closed) {
		t.Fatalf("the document on the dashboard: %+v, want failed at its first try, naming %s", tower, closed)
	}
	// The second try happens (the indexer's consumer redelivers it) and
	// prints nothing.
	nc, err := nats.Connect("nats://" + natsAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a second try of the document", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cons, err := js.Consumer(ctx, events.StreamDrive, bus.ConsumerIndexer)
		if err != nil {
			return false
		}
		info, err := cons.Info(ctx)
		return err == nil && info.NumRedelivered >= 1
	})
	if n := strings.Count(stdout.String(), "lighthouse.gbkb/history/tower.md  indexer failed: "); n != 1 {
		t.Fatalf("%d failure lines for the document, want 1:\n%s", n, stdout.String())
	}
	if !strings.Contains(stdout.String(), closed) || !strings.Contains(stdout.String(), "(retrying)") {
		t.Fatalf("the failure line lacks its reason or 'retrying':\n%s", stdout.String())
	}
}
