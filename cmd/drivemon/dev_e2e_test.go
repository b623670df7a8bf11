package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
)

// copyTree copies the example bots so a test can edit them.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// writeIn writes content to the file rel (slash-separated) under root,
// making its folders.
func writeIn(t *testing.T, root, rel, content string) {
	t.Helper()
	name := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, body)
		}
	}
	return resp.StatusCode
}

// eventually retries cond for up to 60 s: on a 2-core machine running the
// whole tree's tests at once, a fresh dev's initial scan once took over
// 20 s. A wait over 20 s is logged, so slow runs stay visible.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for deadline := start.Add(60 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 60 s", what)
		}
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Logf("%s took %s", what, took.Round(time.Millisecond))
	}
}

// TestIntegrationDevEndToEnd: a fresh `drivemon dev` on the examples serves
// the compiled tools, a searchable KB, a live theme and the dashboard; an
// edit of a dialog is recompiled with its diagnostics in the change log.
func TestIntegrationDevEndToEnd(t *testing.T) {
	dir := copyTree(t, filepath.Join(repoRoot(t), "examples", "bots"))
	_, httpAddr, stdout := startDevLog(t, dir)
	base := "http://" + httpAddr

	var bots struct {
		Bots []struct {
			Bot   string `json:"bot"`
			Tools int    `json:"tools"`
		} `json:"bots"`
	}
	eventually(t, "both example bots compiled", func() bool {
		getJSON(t, base+"/api/bots", &bots)
		return len(bots.Bots) == 2 && bots.Bots[0].Tools == 1 && bots.Bots[1].Tools == 1
	})
	var tools struct {
		Tools []struct {
			Function struct {
				Name       string `json:"name"`
				Parameters struct {
					Required []string `json:"required"`
				} `json:"parameters"`
			} `json:"function"`
		} `json:"tools"`
	}
	getJSON(t, base+"/api/bots/harbor/tools?format=openai", &tools)
	if len(tools.Tools) != 1 || tools.Tools[0].Function.Name != "book-berth" || strings.Join(tools.Tools[0].Function.Parameters.Required, ",") != "vessel,length,arrival" {
		t.Fatalf("harbor tools %+v", tools)
	}
	var hits struct {
		Hits []struct {
			Path string `json:"path"`
		} `json:"hits"`
	}
	eventually(t, "the KB is searchable", func() bool {
		getJSON(t, base+"/api/bots/lighthouse/kb/history/search?q=lantern+steps+keepers&k=3", &hits)
		return len(hits.Hits) > 0 && hits.Hits[0].Path == "lighthouse.gbkb/history/tower.md"
	})
	resp, err := http.Get(base + "/bots/harbor/theme/css/main.css")
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
		t.Fatalf("theme file: %v %v", resp, err)
	}
	resp.Body.Close()
	if code := getJSON(t, base+"/bots/nosuchbot/", nil); code != http.StatusNotFound {
		t.Fatalf("GET /bots/nosuchbot/: %d, want 404", code)
	}
	for _, page := range []string{"/", "/bots/harbor/"} {
		resp, err := http.Get(base + page)
		if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %v %v", page, resp, err)
		}
		resp.Body.Close()
	}

	// A theme edit with one page open on the bot's theme: the log says it
	// was pushed to that page.
	sse, err := http.Get(base + "/bots/harbor/theme/events")
	if err != nil || sse.StatusCode != 200 {
		t.Fatalf("theme events: %v %v", sse, err)
	}
	defer sse.Body.Close()
	eventually(t, "the page counted", func() bool {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		m, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(m), `drivemon_sse_clients{bot="harbor"} 1`)
	})
	css := filepath.Join(dir, "harbor.gbai", "harbor.gbtheme", "css", "main.css")
	if err := os.WriteFile(css, []byte("body { color: #123456; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the theme push in the change log", func() bool {
		return strings.Contains(stdout.String(), "harbor       updated  harbor.gbtheme/css/main.css  pushed to 1 client\n")
	})

	// Settings travel as a published fact: the compiler publishes
	// config.csv's theme keys (the settings bucket), the themer pushes them.
	var (
		sseMu   sync.Mutex
		sseText strings.Builder
	)
	go func() {
		sc := bufio.NewScanner(sse.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			sseMu.Lock()
			sseText.WriteString(sc.Text() + "\n")
			sseMu.Unlock()
		}
	}()
	streamHas := func(s string) func() bool {
		return func() bool {
			sseMu.Lock()
			defer sseMu.Unlock()
			return strings.Contains(sseText.String(), s)
		}
	}
	eventually(t, "the example's theme colour on the stream", streamHas(`"--theme-color1":"#0b5394"`))
	cfgPath := filepath.Join(dir, "harbor.gbai", "harbor.gbot", "config.csv")
	cfgData, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, bytes.Replace(cfgData, []byte("#0b5394"), []byte("#654321"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new theme colour on the stream", streamHas(`"--theme-color1":"#654321"`))

	// An author's edit with a mistake: recompiled, the diagnostic in the log
	// at file:line:col.
	start := filepath.Join(dir, "harbor.gbai", "harbor.gbdialog", "start.bas")
	if err := os.WriteFile(start, []byte("TALK \"hello\"\nIF x = THEN\n  TALK \"y\"\nEND IF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the edit in the change log", func() bool {
		log := stdout.String()
		return strings.Contains(log, "harbor       updated  harbor.gbdialog/start.bas  compiled (1 error") &&
			strings.Contains(log, start+":2:")
	})
	var scripts struct {
		Scripts []struct {
			Path        string              `json:"path"`
			Diagnostics []events.Diagnostic `json:"diagnostics"`
		} `json:"scripts"`
	}
	getJSON(t, base+"/api/bots/harbor/scripts", &scripts)
	found := false
	for _, s := range scripts.Scripts {
		if s.Path == "harbor.gbdialog/start.bas" && len(s.Diagnostics) > 0 && s.Diagnostics[0].Line == 2 {
			found = true
		}
	}
	if !found {
		t.Fatalf("scripts API lacks the new diagnostic: %+v", scripts)
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`drivemon_changes_detected_total{bot="harbor",detected_by="watch",kind="dialog",op="updated"} 1`,
		`drivemon_changes_processed_total{bot="harbor",kind="dialog",result="ok",service="compiler"}`,
		`drivemon_changes_processed_total{bot="lighthouse",kind="kb",result="ok",service="indexer"} 1`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var files struct {
		Files []fileStatus `json:"files"`
	}
	getJSON(t, base+"/api/dev/files", &files)
	if len(files.Files) != 9 {
		t.Fatalf("dashboard files: %d, want the 9 example files", len(files.Files))
	}
}

// TestIntegrationDevWriteLoop: a bot tool that appends a line to its log on
// every change it sees would loop forever if it reacted to its own writes;
// the origin on the change events lets it skip them.
func TestIntegrationDevWriteLoop(t *testing.T) {
	dir := copyTree(t, filepath.Join(repoRoot(t), "examples", "bots"))
	natsAddr, _, stdout := startDevLog(t, dir)
	eventually(t, "the initial scan", func() bool { return strings.Contains(stdout.String(), "ready: 9 files, 9 ok") })
	nc, err := nats.Connect("nats://" + natsAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	const origin = "tool:changelog"
	writes := make(chan string, 100)
	sub, err := nc.Subscribe("drive.harbor.>", func(m *nats.Msg) {
		c, err := events.DecodeData(m.Data)
		if err != nil || c.Origin == origin || c.Op == events.OpTargetFound {
			return // our own echo: no reaction
		}
		writes <- c.Path
		req := nats.NewMsg("files.harbor.append")
		req.Header.Set("Drivemon-Path", "harbor.gbdata/changes.log")
		req.Header.Set("Drivemon-Origin", origin)
		req.Data = []byte(string(c.Op) + " " + c.Path + "\n")
		go func() {
			if rep, err := nc.RequestMsg(req, 5*time.Second); err != nil || !bytes.Contains(rep.Data, []byte(`"status":200`)) {
				t.Errorf("append request: %v %s", err, rep.Data)
			}
		}()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	// One author edit...
	cfg := filepath.Join(dir, "harbor.gbai", "harbor.gbot", "config.csv")
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(data, []byte("theme-logo-text,Harbor!\n")...), 0o644)
	log := filepath.Join(dir, "harbor.gbai", "harbor.gbdata", "changes.log")
	eventually(t, "the tool's reaction", func() bool {
		b, _ := os.ReadFile(log)
		return bytes.Contains(b, []byte("updated harbor.gbot/config.csv"))
	})
	// ...then quiet: the tool's own append changes the log file, the change
	// carries its origin, and no further write follows.
	time.Sleep(1500 * time.Millisecond)
	close(writes)
	var reacted []string
	for p := range writes {
		reacted = append(reacted, p)
	}
	if len(reacted) != 1 || reacted[0] != "harbor.gbot/config.csv" {
		t.Fatalf("the tool reacted to %q; want only the author's edit", reacted)
	}
	b, _ := os.ReadFile(log)
	if n := bytes.Count(b, []byte("\n")); n != 1 {
		t.Fatalf("the log has %d lines, want 1:\n%s", n, b)
	}
}

func repoRoot(t *testing.T) string { return testinfra.RepoRoot(t) }

// TestIntegrationDevReferencesRechecked (issue 12): start.bas names the
// tool pay-fee and the knowledge base faq, neither of which the bot has:
// two warnings. Creating pay-fee.bas takes the tool's away, a document in
// lighthouse.gbkb/faq/ the KB's, and deleting that last document brings
// the KB's back: the read API shows each without start.bas being touched.
func TestIntegrationDevReferencesRechecked(t *testing.T) {
	dir := copyTree(t, filepath.Join(repoRoot(t), "examples", "bots"))
	_, httpAddr, stdout := startDevLog(t, dir)
	eventually(t, "the initial scan", func() bool { return strings.Contains(stdout.String(), "ready: 9 files") })
	pkg := filepath.Join(dir, "lighthouse.gbai")
	write := func(rel, content string) { t.Helper(); writeIn(t, pkg, rel, content) }
	url := "http://" + httpAddr + "/api/bots/lighthouse/scripts/lighthouse.gbdialog/start.bas"
	var seq uint64
	warnings := func() []string {
		var sc struct {
			Seq         uint64              `json:"seq"`
			Diagnostics []events.Diagnostic `json:"diagnostics"`
		}
		if getJSON(t, url, &sc) != 200 {
			return nil
		}
		seq = sc.Seq
		out := []string{}
		for _, d := range sc.Diagnostics {
			if d.Severity == "warning" {
				out = append(out, d.Message)
			}
		}
		return out
	}
	has := func(ws []string, name string) bool {
		return slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, `"`+name+`"`) })
	}
	write("lighthouse.gbdialog/start.bas", "ADD TOOL \"pay-fee\"\nUSE KB \"faq\"\nTALK \"Welcome\"\n")
	eventually(t, "both warnings on start.bas", func() bool {
		ws := warnings()
		return len(ws) == 2 && has(ws, "pay-fee") && has(ws, "faq")
	})
	compiled := seq

	write("lighthouse.gbdialog/pay-fee.bas", "PARAM amount AS NUMBER DESCRIPTION \"Fee\"\nDESCRIPTION \"Pays a fee\"\nTALK amount\n")
	eventually(t, "the pay-fee warning gone", func() bool {
		ws := warnings()
		return len(ws) == 1 && has(ws, "faq")
	})
	write("lighthouse.gbkb/faq/fees.md", "# Fees\n\nThe lantern tour costs two coins.\n")
	eventually(t, "the faq warning gone", func() bool { ws := warnings(); return ws != nil && len(ws) == 0 })
	if err := os.Remove(filepath.Join(pkg, "lighthouse.gbkb", "faq", "fees.md")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the faq warning back after its last document went", func() bool {
		ws := warnings()
		return len(ws) == 1 && has(ws, "faq")
	})
	if seq != compiled {
		t.Fatalf("start.bas was compiled again as a new version (seq %d, then %d)", compiled, seq)
	}
}
