package files_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/files"
)

type env struct {
	srv   *httptest.Server
	nc    *nats.Conn
	store files.Storage
	kv    bus.OriginStore
	bot   string
	// outside is a file outside the package the tests try to reach.
	outside string
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newEnv(t *testing.T, store files.Storage, bot string, cfg files.Config) *env {
	t.Helper()
	n, js := testinfra.JetStream(t)
	nc, _ := n.Connect(t)
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := files.New(ctx, cfg, files.Deps{JS: js, NC: nc, Store: store, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	srv := httptest.NewServer(svc.Routes())
	t.Cleanup(srv.Close)
	kv, err := bus.EnsureOrigins(ctx, js, bus.StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the NATS subscription.
	time.Sleep(50 * time.Millisecond)
	return &env{srv: srv, nc: nc, store: store, kv: kv, bot: bot}
}

func dirEnv(t *testing.T, cfg files.Config) *env {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "harbor.gbai", "harbor.gbdialog"), 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(root, "secret.txt")
	os.WriteFile(secret, []byte("s3cr3t"), 0o600)
	os.MkdirAll(filepath.Join(root, "harbor.gbai", "harbor.gbdrive"), 0o755)
	// A link planted in a writable folder, pointing out of the package.
	os.Symlink(secret, filepath.Join(root, "harbor.gbai", "harbor.gbdrive", "escape.txt"))
	os.Symlink(root, filepath.Join(root, "harbor.gbai", "harbor.gbdrive", "up"))
	e := newEnv(t, drive.NewDir(root), "harbor", cfg)
	e.outside = secret
	return e
}

func s3Env(t *testing.T, cfg files.Config) *env {
	s3 := testinfra.S3(t)
	bot, _ := s3.Bucket(t)
	store, err := drive.NewS3(drive.S3Config{Endpoint: s3.Endpoint, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	return newEnv(t, store, bot, cfg)
}

func (e *env) do(t *testing.T, method, rawPath string, body []byte, header map[string]string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+rawPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// Keep the path exactly as written (escapes included).
	req.URL.Opaque = "//" + req.URL.Host + rawPath
	if i := strings.IndexByte(rawPath, '?'); i >= 0 {
		req.URL.Opaque = "//" + req.URL.Host + rawPath[:i]
		req.URL.RawQuery = rawPath[i+1:]
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestIntegrationWrites(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(*testing.T, files.Config) *env
	}{
		{"dir", dirEnv},
		{"s3", s3Env},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.make(t, files.Config{AllowLoopback: true, LoopbackNATS: true, MaxFileBytes: 1 << 10, ServeNATS: true})
			ctx := context.Background()
			base := "/api/bots/" + e.bot + "/files/"

			t.Run("put, append, delete", func(t *testing.T) {
				p := e.bot + ".gbdrive/reports/day 1.txt"
				code, out := e.do(t, "PUT", base+strings.ReplaceAll(p, " ", "%20"), []byte("hello\n"), map[string]string{files.HeaderOrigin: "tool:report"})
				if code != 200 || out["path"] != p || out["etag"] != drive.ContentETag([]byte("hello\n")) {
					t.Fatalf("PUT = %d %v", code, out)
				}
				if code, out := e.do(t, "POST", base+strings.ReplaceAll(p, " ", "%20")+"?append=1", []byte("more\n"), nil); code != 200 {
					t.Fatalf("append = %d %v", code, out)
				}
				data, obj, err := e.store.Read(ctx, e.bot, p, 1<<10)
				if err != nil || string(data) != "hello\nmore\n" {
					t.Fatalf("content %q, %v", data, err)
				}
				// The origin mark names the last writer of this content.
				if origin, _ := bus.LookupOrigin(ctx, e.kv, e.bot, p, obj.ETag); origin != "http" {
					t.Fatalf("origin of the appended content = %q, want http", origin)
				}
				if code, out := e.do(t, "POST", base+strings.ReplaceAll(p, " ", "%20"), []byte("x"), nil); code != 400 {
					t.Fatalf("POST without append=1 = %d %v", code, out)
				}
				if code, _ := e.do(t, "DELETE", base+strings.ReplaceAll(p, " ", "%20"), nil, nil); code != 200 {
					t.Fatalf("DELETE = %d", code)
				}
				if _, _, err := e.store.Read(ctx, e.bot, p, 1<<10); !errors.Is(err, drive.ErrNotFound) {
					t.Fatalf("after DELETE: %v", err)
				}
				if code, _ := e.do(t, "DELETE", base+strings.ReplaceAll(p, " ", "%20"), nil, nil); code != 404 {
					t.Fatalf("second DELETE = %d, want 404", code)
				}
			})

			t.Run("refusals", func(t *testing.T) {
				for _, tt := range []struct {
					name, path string
					want       int
				}{
					{"dotdot", e.bot + ".gbdrive/../" + e.bot + ".gbdialog/start.bas", 400},
					{"encoded dotdot", e.bot + ".gbdrive/%2e%2e/%2e%2e/secret.txt", 400},
					{"encoded slash dotdot", e.bot + ".gbdrive%2f..%2f..%2fsecret.txt", 400},
					{"backslash", e.bot + ".gbdrive/..%5c..%5csecret.txt", 400},
					{"NUL", e.bot + ".gbdrive/a%00.txt", 400},
					{"absolute", "%2fetc%2fpasswd", 400},
					{"outside writable folders", e.bot + ".gbdialog/start.bas", 403},
					{"config is not writable", e.bot + ".gbot/config.csv", 403},
					{"folder itself", e.bot + ".gbdrive", 403},
					{"bad bot", "", 0},
				} {
					t.Run(tt.name, func(t *testing.T) {
						u := base + tt.path
						if tt.name == "bad bot" {
							u, tt.want = "/api/bots/a.b/files/x.gbdrive/y", 400
						}
						code, out := e.do(t, "PUT", u, []byte("pwned"), nil)
						if code != tt.want || out["error"] == "" {
							t.Fatalf("PUT %s = %d %v, want %d with a reason", u, code, out, tt.want)
						}
					})
				}
				if code, _ := e.do(t, "PUT", base+e.bot+".gbdrive/big.bin", bytes.Repeat([]byte("x"), 2<<10), nil); code != 413 {
					t.Fatalf("oversized PUT = %d, want 413", code)
				}
				if e.outside != "" {
					for _, link := range []string{"escape.txt", "up/secret.txt"} {
						code, _ := e.do(t, "PUT", base+e.bot+".gbdrive/"+link, []byte("pwned"), nil)
						if code != 403 {
							t.Fatalf("PUT through link %s = %d, want 403", link, code)
						}
					}
					if data, _ := os.ReadFile(e.outside); string(data) != "s3cr3t" {
						t.Fatalf("file outside the package changed: %q", data)
					}
				}
			})

			t.Run("nats request/reply", func(t *testing.T) {
				p := e.bot + ".gbdata/log.csv"
				for i, op := range []files.Op{files.OpPut, files.OpAppend} {
					msg := nats.NewMsg(files.WriteSubject(e.bot, op))
					msg.Header.Set(files.HeaderPath, p)
					msg.Data = []byte("row\n")
					resp, err := e.nc.RequestMsg(msg, 5*time.Second)
					if err != nil {
						t.Fatal(err)
					}
					var rep files.Reply
					if err := json.Unmarshal(resp.Data, &rep); err != nil || rep.Status != 200 || rep.Size != int64(4*(i+1)) {
						t.Fatalf("%s reply %s", op, resp.Data)
					}
				}
				msg := nats.NewMsg(files.WriteSubject(e.bot, files.OpPut))
				msg.Header.Set(files.HeaderPath, "../../etc/passwd")
				resp, err := e.nc.RequestMsg(msg, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				var rep files.Reply
				json.Unmarshal(resp.Data, &rep)
				if rep.Status != 400 || rep.Error == "" {
					t.Fatalf("traversal over NATS: %s", resp.Data)
				}
			})
		})
	}
}

func TestIntegrationWriteAccess(t *testing.T) {
	t.Run("token required when configured", func(t *testing.T) {
		e := dirEnv(t, files.Config{Token: "s3cret-token", ServeNATS: true})
		u := "/api/bots/harbor/files/harbor.gbdrive/a.txt"
		for _, tt := range []struct {
			name   string
			header map[string]string
			want   int
		}{
			{"none", nil, 401},
			{"wrong", map[string]string{"Authorization": "Bearer nope"}, 401},
			{"not bearer", map[string]string{"Authorization": "s3cret-token"}, 401},
			{"right", map[string]string{"Authorization": "Bearer s3cret-token"}, 200},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if code, out := e.do(t, "PUT", u, []byte("x"), tt.header); code != tt.want {
					t.Fatalf("PUT = %d %v, want %d", code, out, tt.want)
				}
			})
		}
		msg := nats.NewMsg(files.WriteSubject("harbor", files.OpPut))
		msg.Header.Set(files.HeaderPath, "harbor.gbdrive/b.txt")
		resp, err := e.nc.RequestMsg(msg, 5*time.Second)
		if err != nil || !strings.Contains(string(resp.Data), `"status":401`) {
			t.Fatalf("NATS write without token: %s %v", resp.Data, err)
		}
		// The journal is read-only and open.
		if code, _ := e.do(t, "GET", "/api/bots/harbor/changes", nil, nil); code != 200 {
			t.Fatalf("journal = %d", code)
		}
	})
	t.Run("disabled without a token", func(t *testing.T) {
		e := dirEnv(t, files.Config{ServeNATS: true})
		if code, out := e.do(t, "PUT", "/api/bots/harbor/files/harbor.gbdrive/a.txt", []byte("x"), nil); code != 403 {
			t.Fatalf("PUT = %d %v, want 403", code, out)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  files.Config
		ok   bool
	}{
		{"defaults", files.Config{}, true},
		{"dialogs writable", files.Config{WritableFolders: []string{".gbdialog"}}, false},
		{"kb writable", files.Config{WritableFolders: []string{".gbkb"}}, false},
		{"not a suffix", files.Config{WritableFolders: []string{"reports"}}, false},
		{"custom", files.Config{WritableFolders: []string{".gbdrive", ".gbexports"}}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.WithDefaults().Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
