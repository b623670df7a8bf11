package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

func TestIntegrationDeadCommand(t *testing.T) {
	n, js := testinfra.JetStream(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := events.NewChange("harbor", events.OpCreated, "harbor.gbkb/faq/broken.pdf")
	c.ETag, c.Source, c.DetectedBy = "e1", events.SourceDir, events.DetectedByWatch
	if _, err := bus.Publish(ctx, js, &c); err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, bus.IndexerConsumer())
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	go worker.New(cons, js, func(context.Context, jetstream.Msg) error {
		return worker.Permanent(errors.New("pdf: malformed xref table"))
	}, worker.Config{Name: bus.ConsumerIndexer}, slog.New(slog.NewTextHandler(io.Discard, nil))).Run(wctx)
	dead, _ := js.Stream(ctx, events.StreamDead)
	eventually(t, "the letter parked", func() bool {
		info, _ := dead.Info(ctx)
		return info != nil && info.State.Msgs == 1
	})
	stop()

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"dead", "list", "--nats", n.URL}, &out, &errOut); code != 0 {
		t.Fatalf("dead list exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "harbor.gbkb/faq/broken.pdf") || !strings.Contains(out.String(), "pdf: malformed xref table") || !strings.Contains(out.String(), "indexer") {
		t.Fatalf("dead list:\n%s", out.String())
	}
	info, _ := dead.Info(ctx)
	seq := info.State.LastSeq
	drive, _ := js.Stream(ctx, events.StreamDrive)
	before, _ := drive.Info(ctx)
	out.Reset()
	if code := run(ctx, []string{"dead", "retry", "--nats", n.URL, strconv.FormatUint(seq, 10)}, &out, &errOut); code != 0 {
		t.Fatalf("dead retry exit %d: %s", code, errOut.String())
	}
	after, _ := drive.Info(ctx)
	info, _ = dead.Info(ctx)
	if after.State.LastSeq != before.State.LastSeq+1 || info.State.Msgs != 0 {
		t.Fatalf("after retry: DRIVE %d→%d, DEAD holds %d", before.State.LastSeq, after.State.LastSeq, info.State.Msgs)
	}
	if code := run(ctx, []string{"dead", "retry", "--nats", n.URL, strconv.FormatUint(seq, 10)}, &out, &errOut); code != 1 {
		t.Fatalf("retrying a letter already re-run: exit %d, want 1", code)
	}
	for _, args := range [][]string{{"dead"}, {"dead", "bury"}, {"dead", "retry"}, {"dead", "retry", "x"}, {"dead", "list", "5"}} {
		if code := run(ctx, args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
