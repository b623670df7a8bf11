package deadletter_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/deadletter"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

const consumerName = "testq"

// rig runs a worker over a work queue on every change; the handler fails
// permanently for paths in broken.
type rig struct {
	js jetstream.JetStream

	mu     sync.Mutex
	broken map[string]bool
	done   []events.Change // changes handled successfully
}

func newRig(t *testing.T) *rig {
	t.Helper()
	_, js := testinfra.JetStream(t)
	r := &rig{js: js, broken: map[string]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDrive, bus.WorkQueueConsumer(consumerName, events.DrivePrefix+".>"))
	if err != nil {
		t.Fatal(err)
	}
	h := func(ctx context.Context, msg jetstream.Msg) error {
		c, err := bus.Decode(msg)
		if err != nil {
			return worker.Permanent(err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.broken[c.Path] {
			return worker.Permanent(errors.New("converter missing for " + c.Path))
		}
		r.done = append(r.done, c)
		return nil
	}
	w := worker.New(cons, js, h, worker.Config{Name: consumerName, MinBackoff: time.Millisecond}, slog.New(slog.DiscardHandler))
	stopped := make(chan struct{})
	go func() { defer close(stopped); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-stopped })
	return r
}

func (r *rig) setBroken(path string, broken bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.broken[path] = broken
}

func (r *rig) handled(path string) []events.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Change
	for _, c := range r.done {
		if c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

func (r *rig) publish(t *testing.T, bot, path string) events.Change {
	t.Helper()
	c := events.NewChange(bot, events.OpCreated, path)
	c.ETag, c.Source, c.DetectedBy = "e1", events.SourceDir, events.DetectedByWatch
	ack, err := bus.Publish(context.Background(), r.js, &c)
	if err != nil {
		t.Fatal(err)
	}
	c.Seq = ack.Sequence
	return c
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func list(t *testing.T, js jetstream.JetStream, f deadletter.Filter) []deadletter.Letter {
	t.Helper()
	ls, err := deadletter.List(context.Background(), js, f)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestIntegrationListAndRetry(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	const harborPath, ferryPath, okPath = "harbor.gbkb/ops/scan.pdf", "ferry.gbdialog/start.bas", "harbor.gbkb/ops/fine.md"
	r.setBroken(harborPath, true)
	r.setBroken(ferryPath, true)
	start := time.Now()
	harbor := r.publish(t, "harbor", harborPath)
	ferry := r.publish(t, "ferry", ferryPath)
	r.publish(t, "harbor", okPath)
	waitFor(t, "two dead letters", func() bool { return len(list(t, r.js, deadletter.Filter{})) == 2 })
	waitFor(t, "the healthy change", func() bool { return len(r.handled(okPath)) == 1 })

	all := list(t, r.js, deadletter.Filter{})
	h := all[0]
	if h.Consumer != consumerName || h.Subject != events.ChangeSubject(&harbor) || h.StreamSeq != harbor.Seq ||
		h.Deliveries != 1 || !strings.Contains(h.Error, "converter missing") || h.Bot != "harbor" || h.Path != harborPath ||
		h.Op != events.OpCreated || h.Time.Before(start.Add(-time.Second)) || h.Seq == 0 ||
		all[1].Seq <= h.Seq || all[1].StreamSeq != ferry.Seq {
		t.Fatalf("letter = %+v", h)
	}
	if got, err := events.DecodeData(h.Data); err != nil || got.ID != harbor.ID {
		t.Fatalf("letter data = %s (%v), want the original change %s", h.Data, err, harbor.ID)
	}

	for _, tc := range []struct {
		name   string
		filter deadletter.Filter
		want   []string // paths
	}{
		{"all", deadletter.Filter{}, []string{harborPath, ferryPath}},
		{"by consumer", deadletter.Filter{Consumer: consumerName}, []string{harborPath, ferryPath}},
		{"other consumer", deadletter.Filter{Consumer: "indexer"}, nil},
		{"by bot", deadletter.Filter{Subject: events.FilterBot("ferry")}, []string{ferryPath}},
		{"by kind", deadletter.Filter{Subject: events.FilterKind(events.KindKB)}, []string{harborPath}},
		{"exact subject", deadletter.Filter{Subject: events.ChangeSubject(&harbor)}, []string{harborPath}},
		{"limit", deadletter.Filter{Limit: 1}, []string{harborPath}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, l := range list(t, r.js, tc.filter) {
				got = append(got, l.Path)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("List(%+v) = %v, want %v", tc.filter, got, tc.want)
			}
		})
	}

	// The cause is fixed: the re-run is processed like any change, although
	// the original id is still inside the duplicate window.
	r.setBroken(harborPath, false)
	if err := deadletter.Retry(ctx, r.js, h.Seq); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the re-run", func() bool { return len(r.handled(harborPath)) == 1 })
	rerun := r.handled(harborPath)[0]
	if rerun.ID != harbor.ID || rerun.Seq <= harbor.Seq || rerun.ETag != harbor.ETag {
		t.Fatalf("re-run change = %+v, want the original %+v at a later sequence", rerun, harbor)
	}
	drive, err := r.js.Stream(ctx, events.StreamDrive)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := drive.GetMsg(ctx, rerun.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if want := harbor.ID + ".retry." + itoa(h.Seq); raw.Header.Get(jetstream.MsgIDHeader) != want || raw.Subject != h.Subject || raw.Header.Get(worker.HeaderError) != "" {
		t.Fatalf("re-run message %s headers %v, want subject %s and id %s without dead-letter headers", raw.Subject, raw.Header, h.Subject, want)
	}
	if left := list(t, r.js, deadletter.Filter{}); len(left) != 1 || left[0].Path != ferryPath {
		t.Fatalf("after the re-run DEAD holds %+v, want only the ferry letter", left)
	}
	if err := deadletter.Retry(ctx, r.js, h.Seq); !errors.Is(err, deadletter.ErrNotFound) {
		t.Fatalf("second Retry = %v, want ErrNotFound", err)
	}

	// Still broken: it fails and is parked again, as a new letter.
	ferryLetter := list(t, r.js, deadletter.Filter{})[0]
	if err := deadletter.Retry(ctx, r.js, ferryLetter.Seq); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the ferry change parked again", func() bool {
		ls := list(t, r.js, deadletter.Filter{})
		return len(ls) == 1 && ls[0].Seq > ferryLetter.Seq && ls[0].Path == ferryPath
	})
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func TestIntegrationRetryRefuses(t *testing.T) {
	ctx := context.Background()
	_, js := testinfra.JetStream(t)
	publish := func(subject string, hdr map[string]string) uint64 {
		msg := nats.NewMsg(subject)
		msg.Data = []byte(`{"v":1}`)
		for k, v := range hdr {
			msg.Header.Set(k, v)
		}
		ack, err := js.PublishMsg(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		return ack.Sequence
	}
	for _, tc := range []struct {
		name    string
		seq     func() uint64
		want    error
		errHas  string
		staysOn bool
	}{
		{name: "no such sequence", seq: func() uint64 { return 999 }, want: deadletter.ErrNotFound},
		{name: "no headers", seq: func() uint64 { return publish("dead.q.drive.harbor.kb.abc", nil) }, want: deadletter.ErrNotDeadLetter, staysOn: true},
		{name: "wildcard subject", seq: func() uint64 {
			return publish("dead.q.drive.harbor.kb.abc", map[string]string{worker.HeaderSubject: "drive.>", worker.HeaderConsumer: "q"})
		}, errHas: "cannot be published", staysOn: true},
		{name: "dead subject", seq: func() uint64 {
			return publish("dead.q.dead.x", map[string]string{worker.HeaderSubject: "dead.x", worker.HeaderConsumer: "q"})
		}, errHas: "cannot be published", staysOn: true},
		{name: "no stream for the subject", seq: func() uint64 {
			return publish("dead.q.nowhere.x", map[string]string{worker.HeaderSubject: "nowhere.x", worker.HeaderConsumer: "q"})
		}, errHas: "publishing to nowhere.x", staysOn: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq := tc.seq()
			err := deadletter.Retry(ctx, js, seq)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || (tc.errHas != "" && !strings.Contains(err.Error(), tc.errHas)) {
				t.Fatalf("Retry = %v, want %v %q", err, tc.want, tc.errHas)
			}
			if !strings.Contains(err.Error(), itoa(seq)) {
				t.Fatalf("error %q does not name the letter %d", err, seq)
			}
			if tc.staysOn {
				dead, _ := js.Stream(ctx, events.StreamDead)
				if _, err := dead.GetMsg(ctx, seq); err != nil {
					t.Fatalf("a refused letter was removed: %v", err)
				}
			}
		})
	}
	drive, _ := js.Stream(ctx, events.StreamDrive)
	if info, err := drive.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Fatalf("refused re-runs published to DRIVE: %+v %v", info, err)
	}
}

func TestListRejectsBadFilters(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    deadletter.Filter
	}{
		{"consumer with a dot", deadletter.Filter{Consumer: "a.b"}},
		{"consumer wildcard", deadletter.Filter{Consumer: "*"}},
		{"subject with a space", deadletter.Filter{Subject: "drive. x"}},
		{"empty token", deadletter.Filter{Subject: "drive..x"}},
		{"trailing dot", deadletter.Filter{Subject: "drive."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// No JetStream needed: the filter is refused first.
			if _, err := deadletter.List(context.Background(), nil, tc.f); err == nil || !strings.Contains(err.Error(), "dead letters") {
				t.Fatalf("List(%+v) = %v, want a clear error", tc.f, err)
			}
		})
	}
}
