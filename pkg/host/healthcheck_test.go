package host_test

import (
	"context"
	"errors"
	"fmt"
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

// TestMainHelper is the service binary of TestMainCommandLine: it runs
// host.Main with the arguments that test passes (separated by newlines).
// Its one setting of its own is SVC_COLOR (--color); the service it builds
// refuses to start, naming the colour it was given.
func TestMainHelper(t *testing.T) {
	args, ok := os.LookupEnv("HOST_TEST_MAIN_ARGS")
	if !ok {
		t.Skip("run by TestMainCommandLine as a child process")
	}
	os.Args = []string{"svc"}
	if args != "" {
		os.Args = append(os.Args, strings.Split(args, "\n")...)
	}
	settings := []host.Setting{{Env: "SVC_COLOR", Flag: "color", Usage: "the colour of the service"}}
	host.Main("svc", "127.0.0.1:1", settings, func(ctx context.Context, env host.Env) (host.Service, []host.Check, error) {
		return nil, nil, fmt.Errorf("started: SVC_COLOR=%q is not a colour", env.Lookup.Get("SVC_COLOR"))
	})
}

// TestMainCommandLine runs a service binary (TestMainHelper) with each
// form of command line: healthcheck, flags overriding variables, help, and
// every mistake, which is named.
func TestMainCommandLine(t *testing.T) {
	healthy := healthServer(t, 200)
	for _, tt := range []struct {
		name     string
		args     string
		addr     string // DRIVEMON_HTTP_ADDR
		wantExit int
		want     []string
		notWant  string
	}{
		{"healthy", "healthcheck", healthy, 0, nil, "started"},
		{"unhealthy", "healthcheck", healthServer(t, 500), 1, []string{"500"}, "started"},
		{"down", "healthcheck", closedAddr(t), 1, []string{"healthcheck"}, "started"},
		{"healthcheck address by flag", "healthcheck\n--http-addr=" + healthy, closedAddr(t), 0, nil, "started"},
		{"healthcheck address by flag, two words", "healthcheck\n--http-addr\n" + healthy, closedAddr(t), 0, nil, "started"},
		{"unknown argument", "serve", closedAddr(t), 2, []string{`unexpected arguments ["serve"]`, "svc --help"}, "started"},
		{"unknown flag", "--colour=red", closedAddr(t), 2, []string{"-colour", "svc --help"}, "started"},
		{"flag without value", "--color", closedAddr(t), 2, []string{"color"}, "started"},
		{"help", "--help", closedAddr(t), 0, []string{"usage: svc [healthcheck]", "--nats-url, DRIVEMON_NATS_URL", "--color, SVC_COLOR", "the colour of the service"}, "started"},
		{"a flag wins over its variable", "--color=mauve", closedAddr(t), 1, []string{`SVC_COLOR="mauve" is not a colour`, "--color sets SVC_COLOR"}, `"red"`},
		{"variable alone", "", closedAddr(t), 1, []string{`SVC_COLOR="red" is not a colour`}, "--color sets"},
		{"bad shared setting by flag", "--log-level=loud", closedAddr(t), 1, []string{`DRIVEMON_LOG_LEVEL="loud"`, "--log-level sets DRIVEMON_LOG_LEVEL"}, "started"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMainHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "HOST_TEST_MAIN_ARGS="+tt.args, host.EnvHTTPAddr+"="+tt.addr,
				"SVC_COLOR=red", host.EnvDir+"="+t.TempDir(), host.EnvNATSURL+"=nats://"+closedAddr(t))
			out, err := cmd.CombinedOutput()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantExit {
				t.Fatalf("svc %q: exit %d, want %d; output:\n%s", tt.args, code, tt.wantExit, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("svc %q: output lacks %q:\n%s", tt.args, w, out)
				}
			}
			if tt.notWant != "" && strings.Contains(string(out), tt.notWant) {
				t.Errorf("svc %q: output has %q:\n%s", tt.args, tt.notWant, out)
			}
		})
	}
}
