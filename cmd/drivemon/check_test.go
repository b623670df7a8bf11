package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	pkg := filepath.Join(dir, "demo.gbai", "demo.gbdialog")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(pkg, "good.bas")
	bad := filepath.Join(pkg, "bad.bas")
	os.WriteFile(good, []byte("PARAM name AS STRING OPTIONAL\nDESCRIPTION \"greets\"\nTALK \"hi \" + name\n"), 0o644)
	os.WriteFile(bad, []byte("TALK \"ok\"\nIF x = THEN\n  TALK \"y\"\nEND IF\n"), 0o644)

	for _, tt := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"clean file", []string{"check", good}, 0, ""},
		{"error reported with position", []string{"check", bad}, 1, bad + ":2:"},
		{"folder walked", []string{"check", dir}, 1, "bad.bas:2:"},
		{"no paths", []string{"check"}, 2, ""},
		{"missing path", []string{"check", filepath.Join(dir, "nope")}, 2, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errOut)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("stdout %q lacks %q", out.String(), tt.wantOut)
			}
			if tt.wantCode == 1 && !strings.Contains(out.String(), ": error: ") {
				t.Fatalf("stdout %q has no 'file:line:col: error: message' line", out.String())
			}
		})
	}

	warn := filepath.Join(pkg, "warn.bas")
	os.WriteFile(warn, []byte("ADD TOOL \"nosuchtool\"\nTALK \"hi\"\n"), 0o644)
	t.Run("summary", func(t *testing.T) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"check", dir}, &out, &errOut)
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if want := "3 files: 1 error in 1 file, 1 warning"; code != 1 || lines[len(lines)-1] != want {
			t.Fatalf("exit %d, last line %q; want 1 and %q\n%s", code, lines[len(lines)-1], want, out.String())
		}
		out.Reset()
		code = run(context.Background(), []string{"check", "--json", good, warn}, &out, &errOut)
		if want := "2 files: no errors, 1 warning\n"; code != 0 || errOut.String() != want || strings.Count(out.String(), "\n") != 2 {
			t.Fatalf("--json: exit %d, stderr %q (want %q), stdout:\n%s", code, errOut.String(), want, out.String())
		}
	})

	t.Run("json", func(t *testing.T) {
		var out bytes.Buffer
		code := run(context.Background(), []string{"check", "--json", good}, &out, &bytes.Buffer{})
		if code != 0 {
			t.Fatalf("exit %d: %s", code, out.String())
		}
		var rep struct {
			Path        string            `json:"path"`
			Kind        string            `json:"kind"`
			Diagnostics []json.RawMessage `json:"diagnostics"`
			Tool        struct {
				MCP struct {
					Name        string `json:"name"`
					InputSchema struct {
						Required []string `json:"required"`
					} `json:"input_schema"`
				} `json:"mcp"`
				OpenAI struct {
					Type string `json:"type"`
				} `json:"openai"`
			} `json:"tool"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%s: %v", out.String(), err)
		}
		if rep.Path != good || rep.Kind != "dialog" || rep.Diagnostics == nil || rep.Tool.MCP.Name != "good" || len(rep.Tool.MCP.InputSchema.Required) != 0 || rep.Tool.OpenAI.Type != "function" {
			t.Fatalf("report %+v from %s", rep, out.String())
		}
	})
}
