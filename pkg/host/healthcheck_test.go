package host_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/pkg/host"
)

// server serves /healthz with status and returns its host:port.
func healthServer(t *testing.T, status int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestHealthcheck(t *testing.T) {
	healthy := healthServer(t, 200)
	_, port, _ := net.SplitHostPort(healthy)
	for _, tt := range []struct {
		name    string
		def     string            // the service's default address
		env     map[string]string // DRIVEMON_HTTP_ADDR
		wantErr string            // "" for healthy
	}{
		{"default address", healthy, nil, ""},
		{"address from the environment", "127.0.0.1:1", map[string]string{host.EnvHTTPAddr: healthy}, ""},
		{"wildcard host is reached on loopback", "127.0.0.1:1", map[string]string{host.EnvHTTPAddr: ":" + port}, ""},
		{"0.0.0.0 is reached on loopback", "127.0.0.1:1", map[string]string{host.EnvHTTPAddr: "0.0.0.0:" + port}, ""},
		{"unhealthy", healthServer(t, 503), nil, "503"},
		{"nothing listening", closedAddr(t), nil, "connection refused"},
		{"bad address", "127.0.0.1:1", map[string]string{host.EnvHTTPAddr: "8081"}, host.EnvHTTPAddr},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := host.Healthcheck(context.Background(), tt.def, env(tt.env))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Healthcheck: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Healthcheck = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

// TestMainHelper is the service binary of TestMainHealthcheckCommand: it
// runs host.Main with the arguments that test passes.
func TestMainHelper(t *testing.T) {
	arg, ok := os.LookupEnv("HOST_TEST_MAIN_ARG")
	if !ok {
		t.Skip("run by TestMainHealthcheckCommand as a child process")
	}
	os.Args = []string{"svc", arg}
	host.Main("svc", "127.0.0.1:1", func(ctx context.Context, env host.Env) (host.Service, []host.Check, error) {
		return nil, nil, errors.New("the service was started instead of checked")
	})
}

func TestMainHealthcheckCommand(t *testing.T) {
	for _, tt := range []struct {
		name     string
		arg      string
		addr     string
		wantExit int
		wantErr  string
	}{
		{"healthy", "healthcheck", healthServer(t, 200), 0, ""},
		{"unhealthy", "healthcheck", healthServer(t, 500), 1, "500"},
		{"down", "healthcheck", closedAddr(t), 1, "healthcheck"},
		{"unknown argument", "serve", closedAddr(t), 1, "usage: svc [healthcheck]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMainHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "HOST_TEST_MAIN_ARG="+tt.arg, host.EnvHTTPAddr+"="+tt.addr)
			out, err := cmd.CombinedOutput()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantExit || !strings.Contains(string(out), tt.wantErr) {
				t.Fatalf("svc %s: exit %d, want %d; output:\n%s", tt.arg, code, tt.wantExit, out)
			}
			if strings.Contains(string(out), "started instead") {
				t.Fatalf("svc %s started the service:\n%s", tt.arg, out)
			}
		})
	}
}
