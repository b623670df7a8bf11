package detector

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/natsembed"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// streamChanges reads every change of bot stored in DRIVE.
func streamChanges(t *testing.T, js jetstream.JetStream, bot string) []events.Change {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.FilterBot(bot)}})
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Change
	for {
		batch, err := cons.FetchNoWait(500)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for msg := range batch.Messages() {
			c, err := bus.Decode(msg)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
			n++
		}
		if n == 0 {
			return out
		}
	}
}

// TestIntegrationNATSOutage stops the broker while files change, longer
// than JetStream's own request timeout and across several rescans and
// reconciliations, then starts a new one on the same address and store:
// the detector keeps running and every change arrives, once. It runs for
// the folder source and the S3 source (listing only).
func TestIntegrationNATSOutage(t *testing.T) {
	for _, src := range []struct {
		name    string
		fixture func(*testing.T) fixture
	}{
		{"dir", dirFixture},
		{"s3", func(t *testing.T) fixture { return s3Fixture(t, false) }},
	} {
		t.Run(src.name, func(t *testing.T) { natsOutage(t, src.fixture(t)) })
	}
}

func natsOutage(t *testing.T, f fixture) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	store := t.TempDir()
	start := func() *natsembed.Server {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			srv, err := natsembed.Start(natsembed.Config{Addr: addr, StoreDir: store, ReadyTimeout: 2 * time.Second})
			if err == nil {
				return srv
			}
			if time.Now().After(deadline) {
				t.Fatal(err)
			}
		}
	}
	srv := start()
	defer func() { srv.Shutdown() }()
	nc, err := nats.Connect(srv.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	f.put(t, "a.bas", []byte("a1"))
	cfg := f.cfg
	cfg.RetryMax, cfg.AckTimeout, cfg.Rescan, cfg.BotsInterval = 200*time.Millisecond, time.Second, time.Second, time.Second
	deps := f.deps
	deps.JS = js
	svc := runService(t, cfg, deps)

	srv.Shutdown()
	f.put(t, "a.bas", []byte("a2"))
	for i := range 20 {
		f.put(t, fmt.Sprintf("down/%d.bas", i), []byte(fmt.Sprint(i)))
	}
	// Longer than JetStream's 5 s API timeout, the AckTimeout, and several
	// rescans and reconciliations: every read and write of the state fails.
	time.Sleep(6 * time.Second)
	if svc.Status().Retries == 0 {
		t.Error("no retries counted while NATS was down")
	}
	srv = start()

	var cs []events.Change
	deadline := time.Now().Add(30 * time.Second)
	for {
		cs = streamChanges(t, js, f.bot)
		if countOp(cs, events.OpCreated) >= 21 && countOp(cs, events.OpUpdated) >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	cs = streamChanges(t, js, f.bot)
	seen := map[string]int{}
	for _, c := range cs {
		seen[string(c.Op)+" "+c.Path]++
	}
	if seen["updated a.bas"] != 1 || seen["created a.bas"] != 1 {
		t.Errorf("a.bas: %v", seen)
	}
	for i := range 20 {
		if k := fmt.Sprintf("created down/%d.bas", i); seen[k] != 1 {
			t.Errorf("%s seen %d times", k, seen[k])
		}
	}
	if len(cs) != 23 { // target_found, 21 created, 1 updated
		t.Errorf("%d changes, want 23:\n%s", len(cs), dump(cs))
	}
}
