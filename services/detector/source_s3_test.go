package detector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
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

// rawFixture is a bucket whose detector takes raw notifications that the
// test publishes by hand on raw.test and below (MinIO notifies nothing),
// and lists only every hour; with the recorder of its changes.
func rawFixture(t *testing.T) (f fixture, bucket string, rec *recorder) {
	f = s3Fixture(t, false)
	f.cfg.RawSubject = "raw.test"
	f.cfg.ReconcileDefault = time.Hour
	bucket, _ = f.deps.S3.Locate(f.bot, "x")
	return f, bucket, record(t, f.js, f.bot)
}

// TestIntegrationS3RawNotifications feeds the raw consumer hand-made
// notifications: URL-encoded keys are decoded and confirmed, bad keys
// become failed outcomes and no change, malformed bodies are parked.
func TestIntegrationS3RawNotifications(t *testing.T) {
	f, bucket, rec := rawFixture(t)
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

// minioRecord is a raw notification as MinIO's NATS targets publish it:
// every target's copy of one event carries the same sequencer.
func minioRecord(bucket, key, event, etag, sequencer string) []byte {
	obj := map[string]any{"key": url.QueryEscape(key), "sequencer": sequencer}
	if etag != "" {
		obj["eTag"] = etag
	}
	b, _ := json.Marshal(map[string]any{"EventName": event, "Key": bucket + "/" + key,
		"Records": []any{map[string]any{"eventName": event, "s3": map[string]any{"bucket": map[string]any{"name": bucket}, "object": obj}}}})
	return b
}

// TestIntegrationS3NotificationCopies: MinIO's fast and durable targets
// each deliver a copy of every event (same bucket, key, event name and
// sequencer). Whichever copy comes first makes the one change; the other is
// acknowledged without a Stat or a state write, in either order, for a
// delete as for a PUT. A new event on the same key is not mistaken for a
// copy, and a copy the detector no longer remembers (it restarted in
// between) is still no change, by the per-file state.
func TestIntegrationS3NotificationCopies(t *testing.T) {
	f, bucket, rec := rawFixture(t)
	svc, stop := startService(t, f.cfg, f.deps)
	t.Cleanup(stop)
	ctx := context.Background()
	client := testinfra.S3(t).Client
	// Written behind the detector's back: only the hand-made notifications
	// below tell it (the listing would take an hour).
	put := func(key, body string) string {
		info, err := client.PutObject(ctx, bucket, key, bytes.NewReader([]byte(body)), int64(len(body)), minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return info.ETag
	}
	send := func(target string, body []byte) {
		t.Helper()
		if _, err := f.js.Publish(ctx, "raw.test."+target, body); err != nil {
			t.Fatal(err)
		}
	}
	// waitSkipped waits until the detector counted want copies skipped.
	waitSkipped := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for svc.Status().Duplicates < want {
			if time.Now().After(deadline) {
				t.Fatalf("%d copies skipped, want %d; changes:\n%s", svc.Status().Duplicates, want, dump(rec.all()))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	state, err := f.js.KeyValue(ctx, DefaultStateBucket)
	if err != nil {
		t.Fatal(err)
	}
	revision := func(path string) uint64 {
		t.Helper()
		e, err := state.Get(ctx, string(events.SourceS3)+"."+f.bot+"."+events.PathToken(path))
		if err != nil {
			t.Fatalf("state of %s: %v", path, err)
		}
		return e.Revision()
	}

	const fastFirst, durableFirst = "a.gbdialog/fast-first.bas", "a.gbdialog/durable-first.bas"
	etag1 := put(fastFirst, "one")
	put(durableFirst, "two")
	const created = "s3:ObjectCreated:Put"
	send("fast", minioRecord(bucket, fastFirst, created, etag1, "187C0A0000000001"))
	send("durable", minioRecord(bucket, durableFirst, created, "", "187C0A0000000002"))
	rec.waitOp(t, events.OpCreated, fastFirst)
	rec.waitOp(t, events.OpCreated, durableFirst)
	revFast, revDurable := revision(fastFirst), revision(durableFirst)
	send("durable", minioRecord(bucket, fastFirst, created, etag1, "187C0A0000000001"))
	send("fast", minioRecord(bucket, durableFirst, created, "", "187C0A0000000002"))
	waitSkipped(2)
	if revision(fastFirst) != revFast || revision(durableFirst) != revDurable {
		t.Errorf("a copy wrote the state: revisions %d→%d, %d→%d", revFast, revision(fastFirst), revDurable, revision(durableFirst))
	}

	// A new event on a key (a new sequencer) is no copy: the update is
	// published, and its own copy skipped.
	etag2 := put(fastFirst, "one, edited")
	send("fast", minioRecord(bucket, fastFirst, created, etag2, "187C0A0000000003"))
	if c := rec.waitOp(t, events.OpUpdated, fastFirst); c.ETag != etag2 || c.DetectedBy != events.DetectedByNotify {
		t.Errorf("update %+v, want etag %s by notify", c, etag2)
	}
	send("durable", minioRecord(bucket, fastFirst, created, etag2, "187C0A0000000003"))
	waitSkipped(3)

	// A delete twice: it has no ETag, the sequencer tells it apart.
	if err := client.RemoveObject(ctx, bucket, durableFirst, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	const removed = "s3:ObjectRemoved:Delete"
	send("durable", minioRecord(bucket, durableFirst, removed, "", "187C0A0000000004"))
	rec.waitOp(t, events.OpDeleted, durableFirst)
	send("fast", minioRecord(bucket, durableFirst, removed, "", "187C0A0000000004"))
	waitSkipped(4)

	want := map[string][]events.Op{fastFirst: {events.OpCreated, events.OpUpdated}, durableFirst: {events.OpCreated, events.OpDeleted}}
	for path, ops := range want {
		var got []events.Op
		for _, c := range rec.of(path) {
			got = append(got, c.Op)
		}
		if fmt.Sprint(got) != fmt.Sprint(ops) {
			t.Errorf("%s: changes %v, want %v\n%s", path, got, ops, dump(rec.all()))
		}
	}
	if n := svc.Status().Duplicates; n != 4 {
		t.Errorf("%d copies skipped, want 4", n)
	}

	// A copy arriving after a restart (the detector no longer remembers the
	// event): looked at, and no change by the state.
	t.Run("copy after a restart", func(t *testing.T) {
		stop()
		before := len(rec.all())
		rev := revision(fastFirst)
		again := runService(t, f.cfg, f.deps)
		scanned := again.Status() // the initial scan's own figures
		send("durable", minioRecord(bucket, fastFirst, created, etag2, "187C0A0000000003"))
		send("durable", minioRecord(bucket, durableFirst, removed, "", "187C0A0000000004"))
		deadline := time.Now().Add(30 * time.Second)
		for again.Status().Unchanged < scanned.Unchanged+2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if st := again.Status(); st.Unchanged != scanned.Unchanged+2 || st.Duplicates != 0 || st.Published != scanned.Published {
			t.Errorf("status %+v after the scan's %+v, want 2 more unchanged, nothing skipped or published", st, scanned)
		}
		if got := rec.all()[before:]; len(got) != 0 {
			t.Errorf("changes from late copies:\n%s", dump(got))
		}
		if revision(fastFirst) != rev {
			t.Errorf("the state of %s was rewritten", fastFirst)
		}
	})
}

// TestIntegrationS3NotifyTargets: every target of NotifyARNs is set on a
// bot's bucket, and only once the RAW stream exists: when it cannot be
// made, the detector stops and the bucket notifies nothing (MinIO would
// otherwise publish into a subject no stream holds).
func TestIntegrationS3NotifyTargets(t *testing.T) {
	env := testinfra.S3(t)
	if len(env.NotifyARNs) == 0 {
		testinfra.Unavailable(t, "%s is not set", testinfra.EnvS3NotifyARN)
	}
	targets := func(bucket string) []string {
		t.Helper()
		nc, err := env.Client.GetBucketNotification(context.Background(), bucket)
		if err != nil {
			t.Fatal(err)
		}
		var arns []string
		for _, q := range nc.QueueConfigs {
			arns = append(arns, q.Queue)
		}
		slices.Sort(arns)
		return arns
	}

	t.Run("no RAW stream", func(t *testing.T) {
		f := s3Fixture(t, false)
		f.cfg.RawSubject, f.cfg.NotifyARNs = "raw.taken", env.NotifyARNs
		// Another stream already holds the subjects: RAW cannot be made.
		if _, err := f.js.CreateStream(context.Background(), jetstream.StreamConfig{Name: "OTHER", Subjects: []string{"raw.taken.>"}}); err != nil {
			t.Fatal(err)
		}
		svc, err := New(f.cfg, Deps{JS: f.js, S3: f.deps.S3, Log: testLog()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := svc.Run(ctx); err == nil || !strings.Contains(err.Error(), "raw stream") {
			t.Fatalf("Run = %v, want the raw stream's error", err)
		}
		bucket, _ := f.deps.S3.Locate(f.bot, "x")
		if got := targets(bucket); len(got) != 0 {
			t.Errorf("bucket notifies %v without a RAW stream", got)
		}
	})

	t.Run("both targets", func(t *testing.T) {
		f := s3Fixture(t, false)
		f.cfg.RawSubject, f.cfg.NotifyARNs = "raw.test", env.NotifyARNs
		runService(t, f.cfg, f.deps)
		bucket, _ := f.deps.S3.Locate(f.bot, "x")
		want := slices.Sorted(slices.Values(env.NotifyARNs))
		if got := targets(bucket); !slices.Equal(got, want) {
			t.Errorf("bucket notifies %v, want %v", got, want)
		}
	})
}
