package themer

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/host"
)

// TestIntegrationSSEClientsMetric runs a themer with the metrics hook its
// main wires and scrapes /metrics while streams open and close: the gauge
// follows the open streams of each bot.
func TestIntegrationSSEClientsMetric(t *testing.T) {
	_, js := testinfra.JetStream(t)
	m := host.NewMetrics()
	svc, err := New(Config{}, Deps{JS: js, Storage: newDirStorage(t), SSEClients: m.SSEClients})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	srv := httptest.NewServer(host.Handler(svc.Routes(), nil, m))
	defer func() {
		cancel()
		<-done
		srv.CloseClientConnections()
		srv.Close()
	}()

	// open starts a stream and returns once its first bytes arrived (the
	// stream is registered by then); close ends it.
	open := func(bot string) (close func()) {
		sctx, stop := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(sctx, http.MethodGet, srv.URL+"/bots/"+bot+"/theme/events", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream of %s: %s", bot, resp.Status)
		}
		if _, err := resp.Body.Read(make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
		return func() { stop(); resp.Body.Close() }
	}
	scrape := func() string {
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	waitMetrics := func(what string, ok func(body string) bool) {
		t.Helper()
		var body string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if body = scrape(); ok(body) {
				return
			}
		}
		t.Fatalf("%s; metrics:\n%s", what, body)
	}
	has := func(line string) func(string) bool {
		return func(body string) bool { return strings.Contains(body, line+"\n") }
	}

	open("harbor")
	open("harbor")
	closeLighthouse := open("lighthouse")
	waitMetrics("two harbor streams", has(`drivemon_sse_clients{bot="harbor"} 2`))
	waitMetrics("one lighthouse stream", has(`drivemon_sse_clients{bot="lighthouse"} 1`))
	closeLighthouse()
	waitMetrics("lighthouse's series gone after its stream closed", func(body string) bool {
		return !strings.Contains(body, `drivemon_sse_clients{bot="lighthouse"}`) && has(`drivemon_sse_clients{bot="harbor"} 2`)(body)
	})
}
