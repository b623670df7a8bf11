package reliability

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/themer"
)

// TestIntegrationSecurity: the per-service rules, checked once more through
// every service's routes on one router (as drivemon dev mounts them) on a
// running stack: theme routes serve nothing outside .gbtheme, writes stay
// inside the package's writable folders and need the token, and the
// themer's connection limits hold. The services' own tests cover each rule
// in depth; this is the combined stack.
func TestIntegrationSecurity(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.startDetector("detector")
	r.startCompiler("compiler", compilerOptions{})
	th := r.startThemer("themer", themer.Config{MaxConnsPerIP: 3, MaxConns: 5})
	bot := r.bot
	const secret = "TOPSECRET-7f3a"
	r.write(bot+".gbot/config.csv", []byte("name,value\ntheme-title,Harbor\nllm-key,"+secret+"\n"))
	r.write(bot+".gbdialog/secret.bas", []byte("TALK \""+secret+"\"\n"))
	r.write(bot+".gbtheme/css/main.css", stylesheet(1))
	r.write(bot+".gbdrive/private.txt", []byte(secret))
	r.converge(60 * time.Second)
	srv := httptest.NewServer(r.routes())
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(r.ctx, 2*time.Minute)
	defer cancel()

	do := func(method, path, token string, body []byte) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque, _, _ = strings.Cut(path, "?") // sent exactly as written: no client-side cleaning of ".." or escapes
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, string(b)
	}

	t.Run("theme routes serve only .gbtheme", func(t *testing.T) {
		if code, body := do("GET", "/bots/"+bot+"/theme/css/main.css", "", nil); code != 200 || !strings.Contains(body, "--accent") {
			t.Fatalf("the stylesheet itself: %d %q", code, body)
		}
		for _, p := range []string{
			"../" + bot + ".gbot/config.csv", "..%2f" + bot + ".gbot/config.csv", "%2e%2e/%2e%2e/" + bot + ".gbdialog/secret.bas",
			"css/..%2f..%2f" + bot + ".gbdrive/private.txt", "css%2f..%2f..%2f" + bot + ".gbdrive%2fprivate.txt",
			"..\\" + bot + ".gbdrive\\private.txt", "%5c..%5c" + bot + ".gbdrive%5cprivate.txt", "css/%00", "/etc/passwd", "%2fetc%2fpasswd",
			bot + ".gbdrive/private.txt", "../../" + bot + ".gbai/" + bot + ".gbdrive/private.txt",
		} {
			code, body := do("GET", "/bots/"+bot+"/theme/"+p, "", nil)
			if code == 200 || strings.Contains(body, secret) || strings.Contains(body, "root:") {
				t.Errorf("GET theme/%s: %d %q", p, code, body)
			}
		}
	})

	t.Run("writes need the token", func(t *testing.T) {
		path := "/api/bots/" + bot + "/files/" + bot + ".gbdrive/notes/new.txt"
		for _, tc := range []struct {
			name, token string
			want        int
		}{{"no token", "", 401}, {"wrong token", "guess", 401}, {"token", writeToken, 200}} {
			if code, body := do("PUT", path, tc.token, []byte("written by "+tc.name)); code != tc.want {
				t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.want)
			}
		}
		waitFor(t, "the authorised write detected", 30*time.Second, func() (bool, string) {
			cs := r.changesFor(bot + ".gbdrive/notes/new.txt")
			return len(cs) == 1, fmt.Sprint(cs)
		})
		for _, m := range []string{"POST", "DELETE"} {
			if code, _ := do(m, path+"?append=1", "", []byte("x")); code != 401 {
				t.Errorf("%s without a token: %d", m, code)
			}
		}
	})

	t.Run("writes stay in the package's writable folders", func(t *testing.T) {
		before := r.changes.len()
		for _, p := range []string{
			bot + ".gbdialog/evil.bas", bot + ".gbot/config.csv", bot + ".gbtheme/css/main.css", bot + ".gbkb/faq/evil.md",
			bot + ".gbdrive/../" + bot + ".gbdialog/evil.bas", bot + ".gbdrive/%2e%2e/" + bot + ".gbdialog/evil.bas",
			bot + ".gbdrive%2f..%2f" + bot + ".gbot%2fconfig.csv", "..%2f..%2fother.gbai%2fother.gbdrive%2fx.txt",
			"%2fetc%2fcron.d%2fevil", bot + ".gbdrive\\..\\" + bot + ".gbdialog\\evil.bas", bot + ".gbdrive/nul%00.txt",
		} {
			code, body := do("PUT", "/api/bots/"+bot+"/files/"+p, writeToken, []byte("TALK \"pwned\""))
			if code < 400 || code >= 500 {
				t.Errorf("PUT files/%s: %d %s, want a 4xx refusal", p, code, body)
			}
		}
		if code, _ := do("PUT", "/api/bots/..%2f"+bot+"/files/"+bot+".gbdrive/x.txt", writeToken, []byte("x")); code < 400 || code >= 500 {
			t.Errorf("a bot name with ..: %d", code)
		}
		r.converge(30 * time.Second) // nothing the refused writes named was changed
		for _, c := range r.changes.since(before) {
			if events.Classify(c.Path).Kind != events.KindDrive {
				t.Errorf("a refused write changed %s", c.Path)
			}
		}
	})

	t.Run("connection limits hold", func(t *testing.T) {
		var open []*http.Response
		defer func() {
			for _, resp := range open {
				resp.Body.Close()
			}
		}()
		var codes []int
		for range 5 {
			req, _ := http.NewRequestWithContext(ctx, "GET", th.srv.URL+"/bots/"+bot+"/theme/events", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, resp.StatusCode)
			if resp.StatusCode == 200 {
				open = append(open, resp)
			} else {
				if resp.Header.Get("Retry-After") == "" {
					t.Errorf("refused stream without Retry-After")
				}
				resp.Body.Close()
			}
		}
		if fmt.Sprint(codes) != "[200 200 200 429 429]" {
			t.Errorf("five streams from one address with a limit of 3: %v", codes)
		}
		for _, resp := range open {
			resp.Body.Close()
		}
		open = nil
		waitFor(t, "closed streams freeing their slots", 10*time.Second, func() (bool, string) {
			_, err := snapshot(ctx, th.srv.URL, bot)
			return err == nil, fmt.Sprint(err)
		})
	})
}
