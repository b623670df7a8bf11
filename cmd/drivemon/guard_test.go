package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDevGuard(t *testing.T) {
	reached := false
	h := devGuard("127.0.0.1:8080")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	for _, tc := range []struct {
		name, method, host string
		header             map[string]string
		want               int
	}{
		{"dashboard read", "GET", "127.0.0.1:8080", nil, 200},
		{"localhost read", "GET", "localhost:8080", nil, 200},
		{"IPv6 loopback read", "GET", "[::1]:8080", nil, 200},
		{"rebound name", "GET", "evil.example:8080", nil, 403},
		{"rebound name without port", "GET", "evil.example", nil, 403},
		{"another loopback name", "GET", "127.0.0.2:8080", nil, 403},
		{"cross-site simple POST", "POST", "127.0.0.1:8080", map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain"}, 403},
		{"cross-site POST with the header", "POST", "127.0.0.1:8080", map[string]string{"Origin": "http://evil.example", headerDev: "1"}, 403},
		{"cross-site by Sec-Fetch-Site", "DELETE", "127.0.0.1:8080", map[string]string{"Sec-Fetch-Site": "cross-site", headerDev: "1"}, 403},
		{"same-origin POST without the header", "POST", "127.0.0.1:8080", map[string]string{"Origin": "http://127.0.0.1:8080"}, 403},
		{"same-origin POST with the header", "POST", "127.0.0.1:8080", map[string]string{"Origin": "http://127.0.0.1:8080", headerDev: "1"}, 200},
		{"tool PUT with the header", "PUT", "localhost:8080", map[string]string{headerDev: "1"}, 200},
		{"header other than 1", "PUT", "localhost:8080", map[string]string{headerDev: "yes"}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reached = false
			req := httptest.NewRequest(tc.method, "http://"+tc.host+"/api/bots/harbor/files/harbor.gbdrive/a.txt?append=1", strings.NewReader("x"))
			req.Host = tc.host
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want || reached != (tc.want == 200) {
				t.Fatalf("%s from %s = %d (handler reached: %v), want %d: %s", tc.method, tc.host, rec.Code, reached, tc.want, rec.Body)
			}
		})
	}
}

func TestDevGuardListenHost(t *testing.T) {
	ok := devGuard("192.168.7.7:8080")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	every := devGuard("0.0.0.0:8080")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, tc := range []struct {
		h    http.Handler
		host string
		want int
	}{
		{ok, "192.168.7.7:8080", 200}, {ok, "localhost:8080", 200}, {ok, "192.168.7.8:8080", 403},
		{every, "0.0.0.0:8080", 403}, {every, "127.0.0.1:8080", 200}, {every, "10.1.1.1:8080", 403},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = tc.host
		rec := httptest.NewRecorder()
		tc.h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("Host %s = %d, want %d", tc.host, rec.Code, tc.want)
		}
	}
}

// TestIntegrationDevGuard: a running `drivemon dev` refuses a cross-site
// simple POST and a rebound Host, and shows no secret of config.csv.
func TestIntegrationDevGuard(t *testing.T) {
	dir := copyTree(t, filepath.Join(repoRoot(t), "examples", "bots"))
	const secret = "sk-live-4242"
	cfg := filepath.Join(dir, "harbor.gbai", "harbor.gbot", "config.csv")
	if err := os.WriteFile(cfg, []byte("name,value\ntheme-title,Harbor\nembedding-key,"+secret+"\nSMTP Password,"+secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, httpAddr, _ := startDevLog(t, dir)
	base := "http://" + httpAddr
	send := func(method, url, host string, header map[string]string, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	eventually(t, "config compiled", func() bool {
		code, body := send("GET", base+"/api/bots/harbor/config", "", nil, "")
		return code == 200 && strings.Contains(body, "embedding-key")
	})
	for _, u := range []string{"/api/bots/harbor/config", "/api/dev/files"} {
		code, body := send("GET", base+u, "", nil, "")
		if code != 200 || strings.Contains(body, secret) {
			t.Errorf("GET %s = %d, carries the secret: %v", u, code, strings.Contains(body, secret))
		}
		if code, _ := send("GET", base+u, "rebound.example:80", nil, ""); code != 403 {
			t.Errorf("GET %s with a rebound Host = %d, want 403", u, code)
		}
	}
	write := base + "/api/bots/harbor/files/harbor.gbdrive/notes.txt?append=1"
	if code, body := send("POST", write, "", map[string]string{"Origin": "http://evil.example", "Content-Type": "text/plain"}, "pwned\n"); code != 403 {
		t.Fatalf("cross-site simple POST = %d %s, want 403", code, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "harbor.gbai", "harbor.gbdrive", "notes.txt")); !os.IsNotExist(err) {
		t.Fatalf("the cross-site POST wrote: %v", err)
	}
	if code, body := send("POST", write, "", map[string]string{"Origin": base, headerDev: "1"}, "mine\n"); code != 200 {
		t.Fatalf("the dashboard's own POST = %d %s", code, body)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "harbor.gbai", "harbor.gbdrive", "notes.txt")); string(got) != "mine\n" {
		t.Fatalf("notes.txt = %q", got)
	}
}
