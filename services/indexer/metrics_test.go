package indexer

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// TestIntegrationProcessedMetrics runs an indexer with the metrics hook
// its main wires, indexes a document and scrapes /metrics: one success
// under the change's bot and kind, and the readiness check passes.
func TestIntegrationProcessedMetrics(t *testing.T) {
	f := newFixture(t, nil)
	m := host.NewMetrics()
	svc, err := New(Config{DataDir: t.TempDir()}, Deps{JetStream: f.js, Reader: f.reader, Index: f.index, Logger: quiet(), Observe: m.Observer(ServiceName)})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Ping(context.Background()); err != nil {
		t.Fatalf("Ping on a working index: %v", err)
	}
	run(t, svc)
	const bot, path = "harbor", "harbor.gbkb/ops/manual.md"
	f.reader.put(bot, path, []byte("# Manual\n\nTighten the flange bolts to 40 Nm."))
	f.publish(t, bot, events.OpCreated, path)

	srv := httptest.NewServer(host.Handler(svc.Routes(), nil, m))
	defer srv.Close()
	want := []string{
		`drivemon_changes_processed_total{bot="harbor",kind="kb",result="ok",service="indexer"} 1`,
		`drivemon_processing_seconds_count{kind="kb",service="indexer"} 1`,
	}
	var body string
	waitFor(t, "the processed counter", 15*time.Second, func() bool {
		resp, err := srv.Client().Get(srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		for _, l := range want {
			if !strings.Contains(body, l+"\n") {
				return false
			}
		}
		return true
	})
	if strings.Contains(body, `result="retry"`) || strings.Contains(body, `result="dead"`) {
		t.Fatalf("a clean indexing counted a failure:\n%s", body)
	}
}

// downIndex is a vector index whose server does not answer.
type downIndex struct{ vector.Index }

func (downIndex) Count(context.Context, vector.Collection, string) (int, error) {
	return 0, errors.New("connection refused")
}

func TestPingFailsWhenIndexIsDown(t *testing.T) {
	f := newFixture(t, nil)
	svc, err := New(Config{DataDir: t.TempDir()}, Deps{JetStream: f.js, Reader: f.reader, Index: downIndex{}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "vector index: connection refused") {
		t.Fatalf("Ping on an index that is down = %v, want an error naming it", err)
	}
}
