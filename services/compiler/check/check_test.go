package check

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/internal/testinfra"
)

// writeTree creates files (slash paths → content) under a temp dir.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var botTree = map[string]string{
	"demo.gbai/demo.gbdialog/start.bas":  "USE TOOL \"lookup\"\nUSE TOOL \"ghost\"\nUSE KB \"faq\"\nUSE KB \"nope\"\n",
	"demo.gbai/demo.gbdialog/lookup.bas": "PARAM q AS STRING DESCRIPTION \"Query\" OPTIONAL\nDESCRIPTION \"Looks up\"\n",
	"demo.gbai/demo.gbdialog/broken.bas": "IF x THEN\nTALK \"y\"\n",
	"demo.gbai/demo.gbkb/faq/q.md":       "# FAQ\n",
	"demo.gbai/demo.gbot/config.csv":     "name,value\ntheme-color1,#fff\nno comma here\n",
	"demo.gbai/demo.gbdrive/notes.txt":   "ignored\n",
}

func TestRunText(t *testing.T) {
	root := writeTree(t, botTree)
	t.Chdir(root)
	var out bytes.Buffer
	errorsFound, err := Run(t.Context(), &out, []string{"demo.gbai"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !errorsFound {
		t.Error("errorsFound = false, want true (broken.bas and config.csv have errors)")
	}
	want := []string{
		"demo.gbai/demo.gbdialog/broken.bas:1:1: error: IF at 1:1 is not closed: expected END IF, found end of file at 3:1",
		`demo.gbai/demo.gbdialog/start.bas:2:1: warning: USE TOOL "ghost": the bot has no tool "ghost" (no ghost.bas with PARAMs)`,
		`demo.gbai/demo.gbdialog/start.bas:4:1: warning: USE KB "nope": the bot has no knowledge base "nope" (no folder nope under .gbkb)`,
		"demo.gbai/demo.gbot/config.csv:3:1: error: expected `name,value`, found no comma in \"no comma here\"",
	}
	got := strings.Split(strings.TrimSpace(filepath.ToSlash(out.String())), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRunJSON(t *testing.T) {
	root := writeTree(t, botTree)
	var out bytes.Buffer
	if _, err := Run(context.Background(), &out, []string{filepath.Join(root, "demo.gbai", "demo.gbdialog", "lookup.bas"), filepath.Join(root, "demo.gbai")}, true); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&out)
	var reports []map[string]json.RawMessage
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		reports = append(reports, m)
	}
	if len(reports) != 4 {
		t.Fatalf("got %d JSON lines, want 4 (3 dialogs + 1 config, lookup.bas once)", len(reports))
	}
	first := reports[0]
	if string(first["kind"]) != `"dialog"` || string(first["diagnostics"]) != "[]" {
		t.Errorf("lookup.bas report = %s / %s", first["kind"], first["diagnostics"])
	}
	var tool struct {
		MCP struct {
			Name        string `json:"name"`
			InputSchema struct {
				Required []string `json:"required"`
			} `json:"input_schema"`
		} `json:"mcp"`
		OpenAI struct {
			Type string `json:"type"`
		} `json:"openai"`
	}
	if err := json.Unmarshal(first["tool"], &tool); err != nil || tool.MCP.Name != "lookup" || tool.OpenAI.Type != "function" || tool.MCP.InputSchema.Required == nil {
		t.Errorf("tool = %s (%v)", first["tool"], err)
	}
	for _, r := range reports[1:] {
		if string(r["diagnostics"]) == "null" {
			t.Errorf("diagnostics is null in %s", r["path"])
		}
		if string(r["kind"]) == `"config"` && string(r["tool"]) != "null" {
			t.Errorf("config has a tool: %s", r["tool"])
		}
	}
}

func TestRunArguments(t *testing.T) {
	root := writeTree(t, map[string]string{"x.txt": "hi", "ok.bas": "TALK 1\n"})
	var out bytes.Buffer
	if _, err := Run(t.Context(), &out, []string{filepath.Join(root, "x.txt")}, false); !errors.Is(err, ErrNotCheckable) {
		t.Errorf("err = %v, want ErrNotCheckable", err)
	}
	if _, err := Run(t.Context(), &out, []string{filepath.Join(root, "missing")}, false); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
	bad, err := Run(t.Context(), &out, []string{filepath.Join(root, "ok.bas")}, false)
	if err != nil || bad || out.Len() != 0 {
		t.Errorf("clean file: errorsFound %v err %v output %q", bad, err, out.String())
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Run(ctx, &out, []string{root}, false); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func TestRunCorpus(t *testing.T) {
	corpus := testinfra.CorpusDir(t)
	var out bytes.Buffer
	if _, err := Run(t.Context(), &out, []string{corpus}, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(out.String(), "\n")
	if lines < 100 {
		t.Errorf("only %d reports for the corpus", lines)
	}
}
