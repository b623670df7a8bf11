package worker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

func TestIntegrationOpen(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx := context.Background()
	std := bus.IndexerConsumer()
	// The standard consumer is created as defined.
	if _, cfg, err := worker.Open(ctx, js, std, worker.Config{}, "X_CONSUMER"); err != nil || cfg.Name != std.Durable || cfg.MaxDeliver != std.MaxDeliver {
		t.Fatalf("standard: %+v, %v", cfg, err)
	}
	// An operator's replay consumer is used as it is; unlimited tries still end.
	if _, err := js.CreateConsumer(ctx, events.StreamDrive, jetstream.ConsumerConfig{Durable: "replay-h", FilterSubject: "drive.h.kb.>", AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: -1, AckWait: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if _, cfg, err := worker.Open(ctx, js, std, worker.Config{Name: "replay-h"}, "X_CONSUMER"); err != nil || cfg.MaxDeliver != bus.DefaultMaxDeliver || cfg.AckWait != time.Minute {
		t.Fatalf("replay consumer: %+v, %v", cfg, err)
	}
	if _, err := js.CreateConsumer(ctx, events.StreamDrive, jetstream.ConsumerConfig{Durable: "noack", AckPolicy: jetstream.AckNonePolicy}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, consumer string
		want           []string
	}{
		{"missing", "replay-typo", []string{`"replay-typo"`, "X_CONSUMER", "does not exist", "nats consumer add DRIVE replay-typo --filter 'drive.<bot>.kb.>'"}},
		{"no acks", "noack", []string{"explicit acks"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := worker.Open(ctx, js, std, worker.Config{Name: tt.consumer}, "X_CONSUMER")
			if err == nil {
				t.Fatal("opened")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.name == "missing" && !errors.Is(err, jetstream.ErrConsumerNotFound) {
				t.Errorf("error does not wrap ErrConsumerNotFound")
			}
		})
	}
	if _, err := js.Consumer(ctx, events.StreamDrive, "replay-typo"); !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatalf("a typo created a consumer: %v", err)
	}
}

// countingOpener counts the writes of consumer definitions.
type countingOpener struct {
	worker.ConsumerOpener
	writes int
}

func (c *countingOpener) CreateOrUpdateConsumer(ctx context.Context, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	c.writes++
	return c.ConsumerOpener.CreateOrUpdateConsumer(ctx, stream, cfg)
}

// TestOpenKeepsAnUnchangedConsumer: opening the standard consumer again
// does not rewrite it (a service must start on a full disk); a changed
// definition is written.
func TestOpenKeepsAnUnchangedConsumer(t *testing.T) {
	_, js := testinfra.JetStream(t)
	ctx := context.Background()
	for _, std := range []jetstream.ConsumerConfig{bus.IndexerConsumer(), bus.CompilerConsumer()} {
		js := &countingOpener{ConsumerOpener: js}
		if _, _, err := worker.Open(ctx, js, std, worker.Config{}, "X"); err != nil || js.writes != 1 {
			t.Fatalf("%s: first open: %d writes, err %v", std.Durable, js.writes, err)
		}
		if _, _, err := worker.Open(ctx, js, std, worker.Config{}, "X"); err != nil || js.writes != 1 {
			t.Errorf("%s: opening an unchanged consumer: %d writes in all, want 1; err %v", std.Durable, js.writes, err)
		}
		changed := std
		changed.MaxAckPending = std.MaxAckPending + 1
		cons, _, err := worker.Open(ctx, js, changed, worker.Config{}, "X")
		if err != nil || js.writes != 2 {
			t.Fatalf("%s: changed definition: %d writes in all, want 2; err %v", std.Durable, js.writes, err)
		}
		if got := cons.CachedInfo().Config.MaxAckPending; got != changed.MaxAckPending {
			t.Errorf("%s: MaxAckPending = %d, want %d", std.Durable, got, changed.MaxAckPending)
		}
	}
}
