package host

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// HealthcheckArg, as a service binary's only argument, makes it check the
// instance running beside it instead of starting one: container images
// built FROM distroless have no curl, so their HEALTHCHECK is
// ["/<svc>", "healthcheck"].
const HealthcheckArg = "healthcheck"

// HealthcheckTimeout bounds one Healthcheck.
const HealthcheckTimeout = 3 * time.Second

// Healthcheck GETs /healthz of the instance listening on DRIVEMON_HTTP_ADDR
// (httpAddr when unset; a wildcard host such as ":8081" or "0.0.0.0:8081"
// is reached on the loopback address) and returns nil when it answers 200.
func Healthcheck(ctx context.Context, httpAddr string, env Lookup) error {
	addr := httpAddr
	if v, _ := env(EnvHTTPAddr); v != "" {
		addr = v
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s=%q: want host:port", EnvHTTPAddr, addr)
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	ctx, cancel := context.WithTimeout(ctx, HealthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck %s: %s", url, resp.Status)
	}
	return nil
}
