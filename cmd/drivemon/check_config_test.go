package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/services/indexer/embed"
)

// TestCheckRejectsWhatTheIndexerRejects: an embedding setting the indexer
// refuses (it would fail every KB sync of the bot) is an error of
// `drivemon check`, at its line, and a valid one is not.
func TestCheckRejectsWhatTheIndexerRejects(t *testing.T) {
	for _, tc := range []struct {
		name, line, wantOut string
		wantCode            int
	}{
		{"batch tokens not a number", "embedding-batch-tokens,lots", `config.csv:3:1: error: embedding-batch-tokens: expected a positive whole number, found "lots"`, 1},
		{"batch tokens zero", "embedding-batch-tokens,0", `config.csv:3:1: error: embedding-batch-tokens: expected a positive whole number, found "0"`, 1},
		{"batch tokens one", "embedding-batch-tokens,1", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "demo.gbai", "demo.gbot")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			src := "name,value\nembedding-url,http://127.0.0.1:8082\n" + tc.line + "\n"
			cfgPath := filepath.Join(dir, "config.csv")
			if err := os.WriteFile(cfgPath, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"check", filepath.Dir(dir)}, &out, &errOut)
			if code != tc.wantCode || diagnostics(out.String(), dir) != cfgPathPrefix(cfgPath, tc.wantOut) {
				t.Fatalf("exit %d, stdout %q; want exit %d, %q (stderr %s)", code, out.String(), tc.wantCode, tc.wantOut, errOut.String())
			}
			cfg, _ := botpkg.Parse([]byte(src))
			_, err := embed.FromSettings(cfg, embed.HTTPConfig{})
			if refused := errors.Is(err, embed.ErrBadConfig); refused != (tc.wantCode == 1) {
				t.Fatalf("indexer: FromSettings = %v; check exit %d", err, code)
			}
		})
	}
}

// diagnostics keeps the lines of check's output about files under dir
// (not its summary line).
func diagnostics(out, dir string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, dir) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// cfgPathPrefix turns "config.csv:…" into the full path check prints.
func cfgPathPrefix(cfgPath, want string) string {
	if want == "" {
		return ""
	}
	return strings.TrimSuffix(cfgPath, "config.csv") + want
}
