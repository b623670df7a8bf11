package detector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// TestIntegrationS3RestartAndDuplicate: two detectors listing one bucket
// publish each change once; a detector started after changes made while
// none ran reports exactly those.
func TestIntegrationS3RestartAndDuplicate(t *testing.T) {
	f := s3Fixture(t, false)
	f.put(t, "a.gbdialog/keep.bas", []byte("k"))
	f.put(t, "a.gbdialog/edit.bas", []byte("e1"))
	f.put(t, "a.gbkb/faq/gone.md", []byte("g"))
	f.put(t, "a.gbkb/faq/", nil) // a folder marker: never a file
	rec := record(t, f.js, f.bot)

	ctx, cancel := context.WithCancel(context.Background())
	var done []chan error
	for range 2 {
		svc, err := New(f.cfg, Deps{JS: f.js, S3: f.deps.S3, Log: testLog()})
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		done = append(done, ch)
		go func() { ch <- svc.Run(ctx) }()
	}
	for i := range 20 {
		f.put(t, fmt.Sprintf("b.gbdrive/%d.txt", i), []byte(fmt.Sprint(i)))
	}
	rec.wait(t, "23 files", func(cs []events.Change) bool { return countOp(cs, events.OpCreated) >= 23 })
	time.Sleep(500 * time.Millisecond)
	cancel()
	for _, ch := range done {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if n := countOp(rec.all(), events.OpCreated); n != 23 {
		t.Fatalf("two detectors: %d created for 23 objects\n%s", n, dump(rec.all()))
	}

	before := len(rec.all())
	f.put(t, "a.gbdialog/edit.bas", []byte("e2"))
	f.put(t, "a.gbdialog/keep.bas", []byte("k")) // same bytes: no change
	f.put(t, "a.gbdialog/new.bas", []byte("n"))
	f.remove(t, "a.gbkb/faq/gone.md")
	runService(t, f.cfg, f.deps)
	time.Sleep(300 * time.Millisecond)
	got := rec.all()[before:]
	want := map[string]events.Op{"a.gbdialog/edit.bas": events.OpUpdated, "a.gbdialog/new.bas": events.OpCreated, "a.gbkb/faq/gone.md": events.OpDeleted}
	if len(got) != len(want) {
		t.Fatalf("catch-up: %d changes, want %d:\n%s", len(got), len(want), dump(got))
	}
	for _, c := range got {
		if want[c.Path] != c.Op {
			t.Errorf("catch-up: %s %s", c.Op, c.Path)
		}
	}
}

// TestIntegrationS3RawNotifications feeds the raw consumer hand-made
// notifications: URL-encoded keys are decoded and confirmed, bad keys
// become failed outcomes and no change, malformed bodies are parked.
func TestIntegrationS3RawNotifications(t *testing.T) {
	f := s3Fixture(t, false)
	f.cfg.RawSubject = "raw.test"
	f.cfg.ReconcileDefault = time.Hour
	bucket, _ := f.deps.S3.Locate(f.bot, "x")
	rec := record(t, f.js, f.bot)
	runService(t, f.cfg, f.deps)
	ctx := context.Background()
	raw := func(key string) []byte {
		b, _ := json.Marshal(map[string]any{"EventName": "s3:ObjectCreated:Put", "Key": bucket + "/" + url.QueryEscape(key),
			"Records": []any{map[string]any{"s3": map[string]any{"bucket": map[string]any{"name": bucket}, "object": map[string]any{"key": url.QueryEscape(key)}}}}})
		return b
	}
	pub := func(data []byte) {
		if _, err := f.js.Publish(ctx, "raw.test", data); err != nil {
			t.Fatal(err)
		}
	}
	const good = "k.gbkb/faq/a b+c ção.md"
	// Written behind the detector's back; the listing would take an hour.
	if _, err := testinfra.S3(t).Client.PutObject(ctx, bucket, good, bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, body := range [][]byte{[]byte("{not json"), []byte(`{"Records":[]}`), raw("../escape.bas"), raw("a//b.bas"), raw("k.gbkb/faq/"), raw("missing.bas"), raw(good)} {
		pub(body)
	}
	if c := rec.waitOp(t, events.OpCreated, good); c.DetectedBy != events.DetectedByNotify {
		t.Errorf("detected by %s", c.DetectedBy)
	}

	outs, err := f.js.OrderedConsumer(ctx, events.StreamOutcomes, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.OutcomeSubject(ServiceName, f.bot)}})
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]bool{}
	for range 2 {
		msg, err := outs.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			t.Fatalf("outcomes: %v (have %v)", err, bad)
		}
		o, err := events.DecodeOutcome(msg.Data())
		if err != nil || o.Status != events.StatusFailed || o.Error == "" {
			t.Fatalf("outcome %s: %v", msg.Data(), err)
		}
		bad[o.Path] = true
	}
	if !bad["../escape.bas"] || !bad["a//b.bas"] {
		t.Errorf("failed outcomes for %v", bad)
	}
	dead, err := f.js.Stream(ctx, events.StreamDead)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for dead.CachedInfo().State.Msgs < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		_, _ = dead.Info(ctx)
	}
	if n := dead.CachedInfo().State.Msgs; n != 2 {
		t.Fatalf("%d parked notifications, want 2 (bad JSON, no records)", n)
	}
	m, err := dead.GetMsg(ctx, 1)
	if err != nil || m.Header.Get(worker.HeaderError) == "" {
		t.Errorf("dead letter %v: %v", m, err)
	}
	for _, c := range rec.all() {
		if c.Path != good && c.Op != events.OpTargetFound {
			t.Errorf("published %s %q", c.Op, c.Path)
		}
	}
}
