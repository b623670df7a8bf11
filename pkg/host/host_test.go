package host_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/host"
)

func env(m map[string]string) host.Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadCommon(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string // part of the error; "" for none
	}{
		{"dir", map[string]string{"DRIVEMON_DIR": "/bots"}, ""},
		{"s3", map[string]string{"DRIVEMON_S3_ENDPOINT": "minio:9000", "DRIVEMON_S3_SECURE": "true"}, ""},
		{"no storage", map[string]string{}, "DRIVEMON_DIR"},
		{"s3 with scheme", map[string]string{"DRIVEMON_S3_ENDPOINT": "http://minio:9000"}, "DRIVEMON_S3_ENDPOINT"},
		{"bad secure", map[string]string{"DRIVEMON_DIR": "/b", "DRIVEMON_S3_SECURE": "yes please"}, "DRIVEMON_S3_SECURE"},
		{"bad http", map[string]string{"DRIVEMON_DIR": "/b", "DRIVEMON_HTTP_ADDR": "8080"}, "DRIVEMON_HTTP_ADDR"},
		{"bad level", map[string]string{"DRIVEMON_DIR": "/b", "DRIVEMON_LOG_LEVEL": "loud"}, "DRIVEMON_LOG_LEVEL"},
		{"bad format", map[string]string{"DRIVEMON_DIR": "/b", "DRIVEMON_LOG_FORMAT": "xml"}, "DRIVEMON_LOG_FORMAT"},
		{"replicas at max", map[string]string{"DRIVEMON_DIR": "/b", "DRIVEMON_STREAM_REPLICAS": "5"}, ""},
		{"replicas over max", map[string]string{"DRIVEMON_DIR": "/b", "DRIVEMON_STREAM_REPLICAS": "6"}, "DRIVEMON_STREAM_REPLICAS=6: want 1 to 5"},
		{"replicas zero", map[string]string{"DRIVEMON_DIR": "/b", "DRIVEMON_STREAM_REPLICAS": "0"}, "DRIVEMON_STREAM_REPLICAS=0"},
		{"replicas not a number", map[string]string{"DRIVEMON_DIR": "/b", "DRIVEMON_STREAM_REPLICAS": "three"}, "DRIVEMON_STREAM_REPLICAS"},
		{"errors carry no service name", map[string]string{"DRIVEMON_DIR": "/b", "DRIVEMON_LOG_LEVEL": "loud"}, `^DRIVEMON_LOG_LEVEL="loud": want debug, info, warn or error`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := host.LoadCommon("svc", "127.0.0.1:1", env(tt.env))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.NATSURL != host.DefaultNATSURL || c.HTTPAddr != "127.0.0.1:1" || c.LogFormat != "json" || c.LogLevel != slog.LevelInfo ||
					(c.StreamReplicas != 1 && tt.env["DRIVEMON_STREAM_REPLICAS"] == "") {
					t.Fatalf("defaults: %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(tt.want, "^")) ||
				strings.HasPrefix(tt.want, "^") && !strings.HasPrefix(err.Error(), tt.want[1:]) {
				t.Fatalf("LoadCommon = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

type fakeService struct{ ran chan struct{} }

func (f *fakeService) Run(ctx context.Context) error {
	close(f.ran)
	<-ctx.Done()
	return nil
}

func (f *fakeService) Routes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "service:"+r.URL.Path) })
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHandler(t *testing.T) {
	broken := false
	checks := []host.Check{{Name: "db", Fn: func(context.Context) error {
		if broken {
			return errors.New("connection refused")
		}
		return nil
	}}}
	srv := httptest.NewServer(host.Handler((&fakeService{}).Routes(), checks, host.NewMetrics()))
	defer srv.Close()
	for _, tt := range []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/healthz", 200, "ok"},
		{"/readyz", 200, "db: ok"},
		{"/metrics", 200, "go_goroutines"},
		{"/api/bots", 200, "service:/api/bots"},
	} {
		if code, body := get(t, srv.URL+tt.path); code != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
			t.Fatalf("GET %s = %d %q", tt.path, code, body)
		}
	}
	broken = true
	if code, body := get(t, srv.URL+"/readyz"); code != 503 || !strings.Contains(body, "db: connection refused") {
		t.Fatalf("/readyz with a failing check = %d %q", code, body)
	}
}

func TestIntegrationRun(t *testing.T) {
	n := testinfra.StartNATS(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	svc := &fakeService{ran: make(chan struct{})}
	var closed atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- host.Run(ctx, "fake", "127.0.0.1:0", env(map[string]string{
			"DRIVEMON_NATS_URL": n.URL, "DRIVEMON_HTTP_ADDR": addr, "DRIVEMON_DIR": t.TempDir(),
		}), func(ctx context.Context, e host.Env) (host.Service, []host.Check, error) {
			if e.JS == nil || e.Storage == nil || e.Log == nil || e.Metrics == nil {
				return nil, nil, errors.New("incomplete env")
			}
			e.AtExit(func() error { closed.Add(1); return nil })
			return svc, nil, nil
		})
	}()
	select {
	case <-svc.ran:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("service not started in 10 s")
	}
	var code int
	var body string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			code, body = resp.StatusCode, string(b)
			break
		}
	}
	if code != 200 || !strings.Contains(body, "nats: ok") || !strings.Contains(body, "storage: ok") {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after stop: %v", err)
	}
	if closed.Load() != 1 {
		t.Fatalf("AtExit function ran %d times after the stop, want 1", closed.Load())
	}
}

// TestRunBadSettingWithoutNATS: a service's bad setting is reported at
// once, not after waiting for NATS to come up.
func TestRunBadSettingWithoutNATS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := host.Run(ctx, "fake", "127.0.0.1:0", env(map[string]string{
		"DRIVEMON_NATS_URL": "nats://" + closedAddr(t), "DRIVEMON_DIR": t.TempDir(),
	}), func(ctx context.Context, e host.Env) (host.Service, []host.Check, error) {
		return nil, nil, errors.New("COMPILER_CONCURRENCY=\"many\": want a number")
	})
	if err == nil || !strings.Contains(err.Error(), "COMPILER_CONCURRENCY") {
		t.Fatalf("Run = %v, want the bad setting reported before waiting for NATS", err)
	}
}

func TestIntegrationRunBuildFails(t *testing.T) {
	n := testinfra.StartNATS(t)
	var closed atomic.Int32
	err := host.Run(context.Background(), "fake", "127.0.0.1:0", env(map[string]string{
		"DRIVEMON_NATS_URL": n.URL, "DRIVEMON_DIR": t.TempDir(),
	}), func(ctx context.Context, e host.Env) (host.Service, []host.Check, error) {
		e.AtExit(func() error { closed.Add(1); return nil })
		return nil, nil, errors.New("COMPILER_PG_DSN: connection refused")
	})
	if err == nil || !strings.Contains(err.Error(), "COMPILER_PG_DSN") {
		t.Fatalf("Run = %v, want the build's error", err)
	}
	if closed.Load() != 1 {
		t.Fatalf("AtExit function ran %d times after a failed build, want 1", closed.Load())
	}
}

// TestServeStopsWithStreamsOpen: a stop with an event stream open (a
// handler that ends only with its request) is prompt: the stream's
// context ends StreamGrace after the stop, and Serve returns.
func TestServeStopsWithStreamsOpen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	routes := http.NewServeMux()
	routes.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "data: hello\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- host.Serve(ctx, ln, svcFunc{routes: routes}, nil, nil, slog.New(slog.DiscardHandler))
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
		t.Logf("stopped in %s with a stream open", time.Since(start).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still running 5 s after the stop, with a stream open")
	}
}

// svcFunc is a Service that runs until its context ends.
type svcFunc struct{ routes http.Handler }

func (s svcFunc) Run(ctx context.Context) error { <-ctx.Done(); return nil }
func (s svcFunc) Routes() http.Handler          { return s.routes }
