package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/files"
	"github.com/drivemon/drivemon/services/themer"
)

// TestIntegrationSecuritySandboxLinks (issue 19, finding 4): links inside
// the package (harbor.gbdrive/d -> ../harbor.gbdialog, o -> ../harbor.gbot,
// a writable top folder x.gbdata -> harbor.gbot) no longer carry a write,
// append or delete into the bot's dialogs or settings: 403, nothing
// changed, nothing compiled. The token is sent as "bearer" in lower case
// (the scheme is case-insensitive), which used to get 401.
func TestIntegrationSecuritySandboxLinks(t *testing.T) {
	r := newRig(t, rigOptions{dir: true})
	r.startDetector("detector")
	r.startCompiler("compiler", compilerOptions{})
	r.startThemer("themer", themer.Config{}) // routes() mounts one
	bot := r.bot
	const settings = "name,value\ntheme-title,Harbor\n"
	r.write(bot+".gbot/config.csv", []byte(settings))
	r.write(bot+".gbdialog/start.bas", []byte("TALK \"hi\"\n"))
	r.write(bot+".gbdrive/real/keep.txt", []byte("keep"))
	pkg := filepath.Join(r.root, bot+events.PackageSuffix)
	for link, target := range map[string]string{bot + ".gbdrive/d": "../" + bot + ".gbdialog", bot + ".gbdrive/o": "../" + bot + ".gbot", "x.gbdata": bot + ".gbot"} {
		if err := os.Symlink(target, filepath.Join(pkg, link)); err != nil {
			t.Fatal(err)
		}
	}
	r.converge(60 * time.Second)
	srv := httptest.NewServer(r.routes())
	t.Cleanup(srv.Close)
	before := r.changes.len()
	base := srv.URL + "/api/bots/" + bot + "/files/"
	for _, a := range []struct{ method, path string }{
		{"PUT", bot + ".gbdrive/d/evil.bas"}, {"POST", bot + ".gbdrive/d/start.bas?append=1"}, {"DELETE", bot + ".gbdrive/d/start.bas"},
		{"PUT", bot + ".gbdrive/o/config.csv"}, {"POST", bot + ".gbdrive/o/config.csv?append=1"}, {"DELETE", bot + ".gbdrive/o/config.csv"},
		{"PUT", "x.gbdata/config.csv"}, {"POST", "x.gbdata/config.csv?append=1"}, {"DELETE", "x.gbdata/config.csv"},
	} {
		code, body := httpDo(t, a.method, base+a.path, "bearer "+writeToken, "llm-model,evil\n")
		if code != http.StatusForbidden || !strings.Contains(body, "symbolic link") {
			t.Errorf("%s %s = %d %s, want 403 naming the link", a.method, a.path, code, body)
		}
	}
	if code, body := httpDo(t, "POST", base+bot+".gbdrive/real/keep.txt?append=1", "BEARER "+writeToken, "!"); code != http.StatusOK {
		t.Fatalf("a write to a real folder with BEARER = %d %s", code, body)
	}
	waitFor(t, "the allowed append detected", 30*time.Second, func() (bool, string) {
		cs := r.changesFor(bot + ".gbdrive/real/keep.txt")
		return len(cs) == 2, fmt.Sprint(cs)
	})
	r.converge(30 * time.Second)
	for _, c := range r.changes.since(before) {
		if c.Path != bot+".gbdrive/real/keep.txt" {
			t.Errorf("a refused write changed %s (%s)", c.Path, c.Op)
		}
	}
	for name, want := range map[string]string{bot + ".gbot/config.csv": settings, bot + ".gbdialog/start.bas": "TALK \"hi\"\n"} {
		if got, err := os.ReadFile(filepath.Join(pkg, name)); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want it untouched", name, got, err)
		}
	}
}

// TestIntegrationSecuritySecretsRedacted (issue 19, finding 5): a secret
// of config.csv appears neither in the compiler's /config nor in any
// outcome message as stored on the OUTCOMES stream.
func TestIntegrationSecuritySecretsRedacted(t *testing.T) {
	r := newRig(t, rigOptions{dir: true})
	r.startDetector("detector")
	r.startCompiler("compiler", compilerOptions{})
	r.startThemer("themer", themer.Config{})
	const secret = "sk-live-19-4242"
	r.write(r.bot+".gbot/config.csv", []byte("name,value\ntheme-title,Harbor\nembedding-key,"+secret+"\nSMTP Password,"+secret+"\n"))
	r.converge(60 * time.Second)
	r.write(r.bot+".gbot/config.csv", []byte("name,value\ntheme-title,Harbor\nembedding-key,"+secret+"-2\nSMTP Password,"+secret+"\n"))
	r.converge(60 * time.Second)
	srv := httptest.NewServer(r.routes())
	t.Cleanup(srv.Close)
	code, body := httpDo(t, "GET", srv.URL+"/api/bots/"+r.bot+"/config", "", "")
	if code != 200 || strings.Contains(body, secret) || !strings.Contains(body, `"embedding-key":"[redacted]"`) {
		t.Fatalf("/config = %d %s", code, body)
	}
	stream, err := r.js.Stream(r.ctx, events.StreamOutcomes)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	configs := 0
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := stream.GetMsg(r.ctx, seq)
		if err != nil {
			continue // deleted
		}
		if bytes.Contains(m.Data, []byte(secret)) {
			t.Errorf("outcome %d carries the secret: %s", seq, m.Data)
		}
		if bytes.Contains(m.Data, []byte(`"config":`)) {
			configs++
		}
	}
	if configs < 2 {
		t.Fatalf("%d outcomes with a config diff, want the two versions'", configs)
	}
}

// TestIntegrationSecurityDevMode (issue 19, finding 5): a real `drivemon
// dev` process, attacked as a web page the author visits would: a
// cross-site "simple" POST, a rebound Host reading settings, a NATS write
// without a token while --nats listens on every interface.
func TestIntegrationSecurityDevMode(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "drivemon")
	build := exec.Command("go", "build", "-o", bin, "./cmd/drivemon")
	build.Dir = testinfra.RepoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building drivemon: %v\n%s", err, out)
	}
	dir := t.TempDir()
	const secret = "sk-live-dev-4242"
	pkg := filepath.Join(dir, "harbor.gbai")
	for name, content := range map[string]string{
		"harbor.gbot/config.csv":    "name,value\ntheme-title,Harbor\nembedding-key," + secret + "\n",
		"harbor.gbdialog/start.bas": "TALK \"hi\"\n",
		"harbor.gbdrive/keep.txt":   "keep",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(pkg, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	natsPort, httpAddr := freePort(t), "127.0.0.1:"+freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	dev := exec.CommandContext(ctx, bin, "dev", "--dir", dir, "--data", t.TempDir(), "--nats", "0.0.0.0:"+natsPort, "--http", httpAddr)
	dev.Env = append(os.Environ(), files.EnvToken+"=")
	var logs bytes.Buffer
	dev.Stdout, dev.Stderr = &logs, &logs
	dev.Cancel = func() error { return dev.Process.Signal(os.Interrupt) }
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = dev.Wait()
		if t.Failed() {
			t.Logf("drivemon dev:\n%s", logs.String())
		}
	})
	base := "http://" + httpAddr
	waitFor(t, "the config compiled", 60*time.Second, func() (bool, string) {
		resp, err := http.Get(base + "/api/bots/harbor/config")
		if err != nil {
			return false, err.Error() // not listening yet
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == 200 && strings.Contains(string(body), "embedding-key"), string(body)
	})
	for _, u := range []string{"/api/bots/harbor/config", "/api/dev/files"} {
		if code, body := httpDo(t, "GET", base+u, "", ""); code != 200 || strings.Contains(body, secret) {
			t.Errorf("GET %s = %d, secret shown: %v", u, code, strings.Contains(body, secret))
		}
		req, _ := http.NewRequest("GET", base+u, nil)
		req.Host = "rebound.example:" + strings.Split(httpAddr, ":")[1]
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s with a rebound Host = %d, want 403", u, resp.StatusCode)
		}
	}
	// A cross-site form post (text/plain, no custom header).
	req, _ := http.NewRequest("POST", base+"/api/bots/harbor/files/harbor.gbdrive/keep.txt?append=1", strings.NewReader("pwned"))
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site simple POST = %d, want 403", resp.StatusCode)
	}
	if got, _ := os.ReadFile(filepath.Join(pkg, "harbor.gbdrive", "keep.txt")); string(got) != "keep" {
		t.Errorf("keep.txt = %q after the cross-site POST", got)
	}
	// NATS on every interface: writes need the token, which is not set.
	nc, err := nats.Connect("nats://127.0.0.1:" + natsPort)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	msg := nats.NewMsg(files.WriteSubject("harbor", files.OpAppend))
	msg.Header.Set(files.HeaderPath, "harbor.gbdrive/keep.txt")
	msg.Data = []byte("pwned")
	rep, err := nc.RequestMsg(msg, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var reply files.Reply
	if err := json.Unmarshal(rep.Data, &reply); err != nil || reply.Status != http.StatusForbidden {
		t.Errorf("NATS write without a token on 0.0.0.0 = %s, want status 403", rep.Data)
	}
	if got, _ := os.ReadFile(filepath.Join(pkg, "harbor.gbdrive", "keep.txt")); string(got) != "keep" {
		t.Errorf("keep.txt = %q after the NATS write", got)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// httpDo sends a request with an Authorization value (when not empty) and
// returns the status and body.
func httpDo(t *testing.T, method, url, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}
