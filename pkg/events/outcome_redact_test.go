package events_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/pkg/events"
)

func TestOutcomeNeverCarriesSecrets(t *testing.T) {
	o := events.Outcome{V: 1, Service: "compiler", Bot: "harbor", Kind: events.KindConfig, Path: "harbor.gbot/config.csv", Status: events.StatusOK,
		Config: &events.ConfigDiff{
			Added:   map[string]string{"embedding-key": "sk-live-1", "theme-color1": "#fff", "Bot Token": "t0k"},
			Changed: map[string]string{"smtp_password": "hunter2", "llm-model": "gpt"},
			Removed: []string{"old-secret"},
		}}
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"sk-live-1", "t0k", "hunter2"} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("encoded outcome carries %q: %s", secret, data)
		}
	}
	// The caller's outcome is left as it was.
	if o.Config.Added["embedding-key"] != "sk-live-1" {
		t.Fatalf("MarshalJSON changed its argument: %v", o.Config.Added)
	}
	back, err := events.DecodeOutcome(data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"embedding-key": "[redacted]", "theme-color1": "#fff", "Bot Token": "[redacted]"}
	for k, v := range want {
		if back.Config.Added[k] != v {
			t.Errorf("added %s = %q, want %q", k, back.Config.Added[k], v)
		}
	}
	if back.Config.Changed["smtp_password"] != "[redacted]" || back.Config.Changed["llm-model"] != "gpt" || back.Config.Removed[0] != "old-secret" {
		t.Errorf("changed/removed = %v %v", back.Config.Changed, back.Config.Removed)
	}
	// An outcome stored in clear (before redaction existed) is redacted
	// when read.
	old := `{"v":1,"service":"compiler","bot":"harbor","path":"harbor.gbot/config.csv","status":"ok","config":{"added":{"Embedding-KEY":"sk-old"}}}`
	back, err = events.DecodeOutcome([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if back.Config.Added["Embedding-KEY"] != "[redacted]" {
		t.Fatalf("old outcome read in clear: %v", back.Config.Added)
	}
}
