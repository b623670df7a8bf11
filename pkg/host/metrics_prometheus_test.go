package host_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/host"
)

// scrape returns the text of GET /metrics.
func scrape(t *testing.T, m *host.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(host.Handler(nil, nil, m))
	defer srv.Close()
	code, body := get(t, srv.URL+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	return body
}

// metricLine is the exposition line of a series, e.g. name{a="x"} 2.
func hasLine(body, line string) bool {
	for _, l := range strings.Split(body, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func TestMetricsObserver(t *testing.T) {
	m := host.NewMetrics()
	observe := m.Observer("compiler")
	c := events.NewChange("harbor", events.OpUpdated, "harbor.gbdialog/start.bas")
	sub := events.ChangeSubject(&c)
	observe(sub, 20*time.Millisecond, "ok")
	observe(sub, 30*time.Millisecond, "ok")
	observe(sub, time.Second, "retry")
	observe("raw.s3.harbor.gbai", time.Millisecond, "dead")
	body := scrape(t, m)
	for _, tt := range []struct{ name, line string }{
		{"ok counted with bot and kind", `drivemon_changes_processed_total{bot="harbor",kind="dialog",result="ok",service="compiler"} 2`},
		{"retry counted apart", `drivemon_changes_processed_total{bot="harbor",kind="dialog",result="retry",service="compiler"} 1`},
		{"other subjects by first token", `drivemon_changes_processed_total{bot="",kind="raw",result="dead",service="compiler"} 1`},
		{"latency histogram count", `drivemon_processing_seconds_count{kind="dialog",service="compiler"} 3`},
		{"latency histogram sum", `drivemon_processing_seconds_sum{kind="dialog",service="compiler"} 1.05`},
		{"latency bucket", `drivemon_processing_seconds_bucket{kind="dialog",service="compiler",le="0.078125"} 2`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !hasLine(body, tt.line) {
				t.Fatalf("no line %s in:\n%s", tt.line, grepLines(body, "drivemon_"))
			}
		})
	}
}

func grepLines(body, prefix string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestMetricsDetectedAndSSE(t *testing.T) {
	m := host.NewMetrics()
	c := events.NewChange("harbor", events.OpCreated, "harbor.gbkb/docs/a.pdf")
	c.DetectedBy = events.DetectedByWatch
	m.ChangeDetected(&c)
	m.ChangeDetected(&c)
	m.SSEClients("harbor", 1)
	m.SSEClients("harbor", 1)
	m.SSEClients("lighthouse", 1)
	m.SSEClients("lighthouse", -1)
	body := scrape(t, m)
	for _, line := range []string{
		`drivemon_changes_detected_total{bot="harbor",detected_by="watch",kind="kb",op="created"} 2`,
		`drivemon_sse_clients{bot="harbor"} 2`,
	} {
		if !hasLine(body, line) {
			t.Fatalf("no line %s in:\n%s", line, grepLines(body, "drivemon_"))
		}
	}
	if strings.Contains(body, `drivemon_sse_clients{bot="lighthouse"}`) {
		t.Fatalf("a bot without streams keeps its series:\n%s", grepLines(body, "drivemon_sse"))
	}
	var nilMetrics *host.Metrics // services run without metrics
	nilMetrics.ChangeDetected(&c)
	nilMetrics.SSEClients("harbor", 1)
	if nilMetrics.Observer("x") != nil {
		t.Fatal("a nil *Metrics gives an observer")
	}
}

func TestIntegrationMetricsPollConsumers(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, bus.WorkQueueConsumer("metrics-test", events.FilterKind(events.KindDialog)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a.bas", "b.bas", "c.bas"} {
		c := events.NewChange("bot", events.OpCreated, p)
		c.ETag, c.Source, c.DetectedBy = "e", events.SourceDir, events.DetectedByWatch
		if _, err := bus.Publish(ctx, js, &c); err != nil {
			t.Fatal(err)
		}
	}
	// One message delivered and not acknowledged.
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for range batch.Messages() {
	}
	m := host.NewMetrics()
	m.WatchConsumer("compiler", events.StreamDrive, "metrics-test")
	m.WatchConsumer("compiler", events.StreamDrive, "not-created-yet")
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.PollConsumers(pctx, js, 50*time.Millisecond, nil)
	}()
	want := []string{
		`drivemon_consumer_pending{consumer="metrics-test",service="compiler"} 2`,
		`drivemon_consumer_ack_pending{consumer="metrics-test",service="compiler"} 1`,
		`drivemon_consumer_redelivered{consumer="metrics-test",service="compiler"} 0`,
	}
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		body = scrape(t, m)
		if hasLine(body, want[0]) && hasLine(body, want[1]) && hasLine(body, want[2]) {
			break
		}
	}
	stop()
	<-done
	for _, line := range want {
		if !hasLine(body, line) {
			t.Fatalf("no line %s in:\n%s", line, grepLines(body, "drivemon_consumer"))
		}
	}
	if strings.Contains(body, "not-created-yet") {
		t.Fatalf("a missing consumer has figures:\n%s", grepLines(body, "drivemon_consumer"))
	}
}
