package compiler

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/services/compiler/store"
)

func TestRoutes(t *testing.T) {
	u := newUnit(t, Config{})
	u.mustRun(t, u.files.write(t, "harbor", bookPath, bookSrc))
	u.mustRun(t, u.files.write(t, "harbor", "harbor.gbdialog/broken.bas", "PARAM q AS STRING\nIF q THEN\n"))
	u.mustRun(t, u.files.write(t, "harbor", "harbor.gbdialog/sub dir/deep.bas", "TALK 1"))
	u.mustRun(t, u.files.write(t, "harbor", configPath, "theme-color1,#fff\nAnswer Mode,direct, short\nembedding-key,sk-live-1\nSMTP Password,hunter2\n"))
	u.mustRun(t, u.files.write(t, "quay", "quay.gbdialog/a.bas", "TALK 1"))
	srv := httptest.NewServer(u.svc.Routes())
	defer srv.Close()

	tests := []struct {
		name   string
		path   string
		status int
		check  func(t *testing.T, body map[string]any)
	}{
		{"bots", "/api/bots", 200, func(t *testing.T, b map[string]any) {
			bots := b["bots"].([]any)
			h := bots[0].(map[string]any)
			if len(bots) != 2 || h["bot"] != "harbor" || h["scripts"] != 3.0 || h["failing"] != 1.0 || h["tools"] != 1.0 || h["configs"] != 1.0 {
				t.Fatalf("bots = %v", bots)
			}
		}},
		{"scripts with diagnostics", "/api/bots/harbor/scripts", 200, func(t *testing.T, b map[string]any) {
			scripts := b["scripts"].([]any)
			broken := scripts[1].(map[string]any)
			if len(scripts) != 3 || broken["path"] != "harbor.gbdialog/broken.bas" || len(broken["diagnostics"].([]any)) == 0 {
				t.Fatalf("scripts = %v", scripts)
			}
		}},
		{"one script", "/api/bots/harbor/scripts/harbor.gbdialog/sub%20dir/deep.bas", 200, func(t *testing.T, b map[string]any) {
			if b["path"] != "harbor.gbdialog/sub dir/deep.bas" || b["ast"] == nil {
				t.Fatalf("script = %v", b)
			}
		}},
		{"missing script", "/api/bots/harbor/scripts/harbor.gbdialog/nope.bas", 404, nil},
		{"mcp tools by default", "/api/bots/harbor/tools", 200, func(t *testing.T, b map[string]any) {
			tools := b["tools"].([]any)
			if b["format"] != "mcp" || len(tools) != 1 || tools[0].(map[string]any)["input_schema"] == nil {
				t.Fatalf("tools = %v (the broken script's tool is inactive)", b)
			}
		}},
		{"openai tools", "/api/bots/harbor/tools?format=openai", 200, func(t *testing.T, b map[string]any) {
			tool := b["tools"].([]any)[0].(map[string]any)
			if tool["type"] != "function" || tool["function"].(map[string]any)["name"] != "book" {
				t.Fatalf("tools = %v", b)
			}
		}},
		{"bad format", "/api/bots/harbor/tools?format=xml", 400, func(t *testing.T, b map[string]any) {
			if !strings.Contains(b["error"].(string), `"xml"`) {
				t.Fatalf("error = %v", b)
			}
		}},
		{"effects", "/api/bots/harbor/effects", 200, func(t *testing.T, b map[string]any) {
			if len(b["schedules"].([]any)) != 1 || len(b["webhooks"].([]any)) != 1 {
				t.Fatalf("effects = %v", b)
			}
		}},
		{"config", "/api/bots/harbor/config", 200, func(t *testing.T, b map[string]any) {
			values := b["values"].(map[string]any)
			if b["path"] != configPath || values["Answer Mode"] != "direct, short" || values["theme-color1"] != "#fff" {
				t.Fatalf("config = %v", b)
			}
			// Secrets are redacted in values and settings alike.
			if values["embedding-key"] != "[redacted]" || values["SMTP Password"] != "[redacted]" {
				t.Fatalf("secrets shown: %v", values)
			}
			if raw, _ := json.Marshal(b); strings.Contains(string(raw), "sk-live-1") || strings.Contains(string(raw), "hunter2") {
				t.Fatalf("a secret's value is in the answer: %s", raw)
			}
		}},
		{"known bot without config", "/api/bots/quay/config", 200, func(t *testing.T, b map[string]any) {
			if b["path"] != "" || len(b["values"].(map[string]any)) != 0 {
				t.Fatalf("config = %v", b)
			}
		}},
		{"unknown bot", "/api/bots/nobody/scripts", 404, func(t *testing.T, b map[string]any) {
			if !strings.Contains(b["error"].(string), "nobody") {
				t.Fatalf("error = %v", b)
			}
		}},
		{"unknown bot tools", "/api/bots/nobody/tools", 404, nil},
		{"invalid bot name", "/api/bots/-x/config", 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type = %q", ct)
			}
			var body map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			if tc.status >= 400 && body["error"] == "" {
				t.Fatalf("error answer without a message: %v", body)
			}
			if tc.check != nil {
				tc.check(t, body)
			}
		})
	}
}

// A store that fails answers 500 with a JSON error and no details.
func TestRoutesStoreDown(t *testing.T) {
	u := newUnit(t, Config{})
	svc, err := New(Config{}, Deps{JS: settingsOnly{}, Storage: u.files, Store: failingStore{u.store}})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/bots", "/api/bots/harbor/scripts"} {
		rec := httptest.NewRecorder()
		svc.Routes().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"error"`) || strings.Contains(rec.Body.String(), "db down") {
			t.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
	}
}

type failingStore struct{ store.Store }

var errDown = errors.New("db down")

func (failingStore) Bots(context.Context) ([]store.BotSummary, error) { return nil, errDown }
func (failingStore) HasBot(context.Context, string) (bool, error)     { return false, errDown }
