package files_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/services/files"
)

// linkedEnv is a package whose writable folders hold links to the bot's
// dialogs and settings, and a writable top folder that is itself a link.
func linkedEnv(t *testing.T, cfg files.Config) (*env, string) {
	t.Helper()
	root := t.TempDir()
	pkg := filepath.Join(root, "harbor.gbai")
	for _, d := range []string{"harbor.gbdialog", "harbor.gbot", "harbor.gbdrive"} {
		if err := os.MkdirAll(filepath.Join(pkg, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range map[string]string{"harbor.gbot/config.csv": "name,value\nllm-model,good\n", "harbor.gbdialog/start.bas": "TALK \"hi\"\n"} {
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"harbor.gbdrive/d": "../harbor.gbdialog", "harbor.gbdrive/o": "../harbor.gbot", "x.gbdata": "harbor.gbot"} {
		if err := os.Symlink(target, filepath.Join(pkg, link)); err != nil {
			t.Fatal(err)
		}
	}
	return newEnv(t, drive.NewDir(root), "harbor", cfg), pkg
}

// TestIntegrationWritesRefuseLinks: the attack — writes, appends
// and deletes through a link inside the package — is refused over HTTP
// (403) and NATS (status 403 with the reason), and nothing changes.
func TestIntegrationWritesRefuseLinks(t *testing.T) {
	e, pkg := linkedEnv(t, files.Config{AllowLoopback: true, LoopbackNATS: true, ServeNATS: true})
	attacks := []struct {
		op   files.Op
		path string
	}{
		{files.OpPut, "harbor.gbdrive/d/evil.bas"},
		{files.OpPut, "harbor.gbdrive/o/config.csv"},
		{files.OpAppend, "harbor.gbdrive/o/config.csv"},
		{files.OpDelete, "harbor.gbdrive/o/config.csv"},
		{files.OpDelete, "harbor.gbdrive/d/start.bas"},
		{files.OpPut, "x.gbdata/config.csv"},
		{files.OpAppend, "x.gbdata/config.csv"},
		{files.OpDelete, "x.gbdata/config.csv"},
	}
	method := map[files.Op]string{files.OpPut: "PUT", files.OpAppend: "POST", files.OpDelete: "DELETE"}
	for _, a := range attacks {
		u := "/api/bots/harbor/files/" + a.path
		if a.op == files.OpAppend {
			u += "?append=1"
		}
		code, out := e.do(t, method[a.op], u, []byte("llm-model,evil\n"), nil)
		if code != 403 || !strings.Contains(out["error"].(string), "symbolic link") {
			t.Errorf("HTTP %s %s = %d %v, want 403 naming the link", method[a.op], a.path, code, out)
		}
		msg := nats.NewMsg(files.WriteSubject("harbor", a.op))
		msg.Header.Set(files.HeaderPath, a.path)
		msg.Data = []byte("llm-model,evil\n")
		resp, err := e.nc.RequestMsg(msg, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var rep files.Reply
		if err := json.Unmarshal(resp.Data, &rep); err != nil || rep.Status != 403 || !strings.Contains(rep.Error, "symbolic link") {
			t.Errorf("NATS %s %s = %s, want status 403 naming the link", a.op, a.path, resp.Data)
		}
	}
	for name, want := range map[string]string{"harbor.gbot/config.csv": "name,value\nllm-model,good\n", "harbor.gbdialog/start.bas": "TALK \"hi\"\n"} {
		if got, err := os.ReadFile(filepath.Join(pkg, name)); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want it untouched", name, got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(pkg, "harbor.gbdialog", "evil.bas")); !os.IsNotExist(err) {
		t.Errorf("evil.bas was created in the dialogs folder: %v", err)
	}
}

func TestIntegrationBearerSchemeAnyCase(t *testing.T) {
	e := dirEnv(t, files.Config{Token: "tok", ServeNATS: true})
	for _, auth := range []string{"Bearer tok", "bearer tok", "BEARER tok", "bEaReR  tok"} {
		if code, out := e.do(t, "PUT", "/api/bots/harbor/files/harbor.gbdrive/a.txt", []byte("x"), map[string]string{"Authorization": auth}); code != 200 {
			t.Errorf("Authorization %q: %d %v, want 200", auth, code, out)
		}
		msg := nats.NewMsg(files.WriteSubject("harbor", files.OpPut))
		msg.Header.Set(files.HeaderPath, "harbor.gbdrive/b.txt")
		msg.Header.Set("Authorization", auth)
		resp, err := e.nc.RequestMsg(msg, 5*time.Second)
		if err != nil || !strings.Contains(string(resp.Data), `"status":200`) {
			t.Errorf("NATS with Authorization %q: %s %v", auth, resp.Data, err)
		}
	}
	for _, auth := range []string{"Basic tok", "Bearertok", "Bearer", "Bearer tok2", "tok"} {
		if code, _ := e.do(t, "PUT", "/api/bots/harbor/files/harbor.gbdrive/a.txt", []byte("x"), map[string]string{"Authorization": auth}); code != 401 {
			t.Errorf("Authorization %q: %d, want 401", auth, code)
		}
	}
}

// TestIntegrationNATSWritesNeedTokenBeyondLoopback: dev allows loopback
// writes without a token, but not over a NATS server others can reach.
func TestIntegrationNATSWritesNeedTokenBeyondLoopback(t *testing.T) {
	e := dirEnv(t, files.Config{AllowLoopback: true, LoopbackNATS: false, ServeNATS: true})
	msg := nats.NewMsg(files.WriteSubject("harbor", files.OpPut))
	msg.Header.Set(files.HeaderPath, "harbor.gbdrive/b.txt")
	resp, err := e.nc.RequestMsg(msg, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var rep files.Reply
	if err := json.Unmarshal(resp.Data, &rep); err != nil || rep.Status != 403 || !strings.Contains(rep.Error, files.EnvToken) {
		t.Fatalf("NATS write without a token beyond loopback: %s", resp.Data)
	}
	// HTTP from loopback is still allowed.
	if code, out := e.do(t, "PUT", "/api/bots/harbor/files/harbor.gbdrive/a.txt", []byte("x"), nil); code != 200 {
		t.Fatalf("loopback HTTP PUT = %d %v", code, out)
	}
}

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:4222": true, "[::1]:4222": true, "localhost:4222": true, "LocalHost:1": true, "127.0.0.2:4222": true,
		"0.0.0.0:4222": false, ":4222": false, "[::]:4222": false, "10.0.0.5:4222": false, "nats.example:4222": false, "127.0.0.1": false,
	} {
		if got := files.LoopbackAddr(addr); got != want {
			t.Errorf("LoopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}
