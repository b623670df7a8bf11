package compiler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/worker"
	"github.com/drivemon/drivemon/services/compiler/store"
)

const bookSrc = `PARAM name AS STRING DESCRIPTION "Who"
PARAM day AS DATE DESCRIPTION "When" OPTIONAL
DESCRIPTION "Books a visit"
SET SCHEDULE "0 9 * * *"
WEBHOOK "visits"
USE KB "manuals"
USE KB "nowhere"
TALK "Booked " + name
`

const bookPath = "harbor.gbdialog/book.bas"
const configPath = "harbor.gbot/config.csv"

func eachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { fn(t, s.open(t)) })
	}
}

func TestIntegrationChangeToRows(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		r.files.write(t, "harbor", "harbor.gbkb/manuals/guide.md", "# Guide")
		r.start(t, testConfig())

		c := r.publish(t, r.files.write(t, "harbor", bookPath, bookSrc))
		o := r.outcome(t, c.Seq)
		if o.Status != events.StatusOK || o.Tool != "book" || o.ETag != c.ETag || o.Path != bookPath || o.Kind != events.KindDialog || o.Attempt != 1 {
			t.Fatalf("outcome = %+v", o)
		}
		var warned []string
		for _, d := range o.Diagnostics {
			if d.Severity == "warning" {
				warned = append(warned, d.Message)
			}
		}
		if len(warned) != 1 || !strings.Contains(warned[0], `"nowhere"`) {
			t.Fatalf("want one warning, for the missing KB nowhere (manuals exists): %v", warned)
		}

		sc, err := st.Script(ctx, "harbor", bookPath)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Seq != c.Seq || sc.ETag != c.ETag || sc.ContentHash != store.ContentHash([]byte(bookSrc)) || len(sc.AST) == 0 {
			t.Fatalf("stored script: seq %d etag %s hash %s", sc.Seq, sc.ETag, sc.ContentHash)
		}
		tools, err := st.Tools(ctx, "harbor", true)
		if err != nil || len(tools) != 1 || !strings.Contains(string(tools[0].MCP), `"required":["name"]`) {
			t.Fatalf("tools = %+v, %v", tools, err)
		}
		e, err := st.Effects(ctx, "harbor")
		if err != nil || len(e.Schedules) != 1 || e.Schedules[0].Cron != "0 9 * * *" || len(e.Webhooks) != 1 || len(e.KBs) != 2 {
			t.Fatalf("effects = %+v, %v", e, err)
		}

		// config.csv: the outcome carries what changed.
		c1 := r.publish(t, r.files.write(t, "harbor", configPath, "name,value\ntheme-color1,#000\nllm-model,small\n"))
		o = r.outcome(t, c1.Seq)
		if o.Status != events.StatusOK || o.Kind != events.KindConfig || o.Config == nil ||
			o.Config.Added["theme-color1"] != "#000" || o.Config.Added["llm-model"] != "small" || len(o.Config.Changed)+len(o.Config.Removed) != 0 {
			t.Fatalf("first config outcome = %+v %+v", o, o.Config)
		}
		c2 := r.publish(t, r.files.write(t, "harbor", configPath, "name,value\ntheme-color1,#fff\ntheme-title,Harbor, the bot\n"))
		o = r.outcome(t, c2.Seq)
		want := &events.ConfigDiff{Added: map[string]string{"theme-title": "Harbor, the bot"}, Changed: map[string]string{"theme-color1": "#fff"}, Removed: []string{"llm-model"}}
		if o.Status != events.StatusOK || !jsonEqual(o.Config, want) {
			t.Fatalf("second config outcome = %+v, diff %+v, want %+v", o, o.Config, want)
		}
		cfgs, err := st.Configs(ctx, "harbor")
		if err != nil || len(cfgs) != 1 || cfgs[0].Seq != c2.Seq || len(cfgs[0].Settings) != 2 || cfgs[0].Settings[1].Value != "Harbor, the bot" {
			t.Fatalf("configs = %+v, %v", cfgs, err)
		}
	})
}

func TestIntegrationDeleteCascade(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		r.start(t, testConfig())
		c := r.publish(t, r.files.write(t, "harbor", bookPath, bookSrc))
		r.outcome(t, c.Seq)
		c = r.publish(t, r.files.write(t, "harbor", configPath, "theme-color1,#000\n"))
		r.outcome(t, c.Seq)

		d := r.publish(t, r.files.remove(t, "harbor", bookPath))
		if o := r.outcome(t, d.Seq); o.Status != events.StatusDeleted {
			t.Fatalf("delete outcome = %+v", o)
		}
		if _, err := st.Script(ctx, "harbor", bookPath); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("script after delete: %v", err)
		}
		tools, _ := st.Tools(ctx, "harbor", false)
		e, err := st.Effects(ctx, "harbor")
		if err != nil || len(tools) != 0 || len(e.Schedules)+len(e.Webhooks)+len(e.KBs) != 0 {
			t.Fatalf("artefacts survive the delete: tools %+v effects %+v (%v)", tools, e, err)
		}

		d = r.publish(t, r.files.remove(t, "harbor", configPath))
		o := r.outcome(t, d.Seq)
		if o.Status != events.StatusDeleted || o.Config == nil || !slices.Equal(o.Config.Removed, []string{"theme-color1"}) {
			t.Fatalf("config delete outcome = %+v %+v", o, o.Config)
		}
		if bots, err := st.Bots(ctx); err != nil || len(bots) != 0 {
			t.Fatalf("bots after deleting everything = %+v, %v", bots, err)
		}
	})
}

// dump is everything stored for a bot, with compile times cleared when
// asked (a recompile of the same content differs only there).
func dump(t *testing.T, st store.Store, bot string, clearTimes bool) string {
	t.Helper()
	ctx := context.Background()
	infos, err := st.Scripts(ctx, bot)
	if err != nil {
		t.Fatal(err)
	}
	var scripts []*store.Script
	for i := range infos {
		sc, err := st.Script(ctx, bot, infos[i].Path)
		if err != nil {
			t.Fatal(err)
		}
		if clearTimes {
			infos[i].CompiledAt, sc.CompiledAt = time.Time{}, time.Time{}
		}
		scripts = append(scripts, sc)
	}
	tools, err := st.Tools(ctx, bot, false)
	if err != nil {
		t.Fatal(err)
	}
	e, err := st.Effects(ctx, bot)
	if err != nil {
		t.Fatal(err)
	}
	cfgs, err := st.Configs(ctx, bot)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfgs {
		if clearTimes {
			cfgs[i].CompiledAt = time.Time{}
		}
	}
	b, err := json.MarshalIndent(map[string]any{"infos": infos, "scripts": scripts, "tools": tools, "effects": e, "configs": cfgs}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIntegrationReplaySameRows(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		var seqs []uint64
		pub := func(c events.Change) { seqs = append(seqs, r.publish(t, c).Seq) }
		pub(r.files.write(t, "harbor", "harbor.gbdialog/a.bas", "PARAM x AS STRING\nSET SCHEDULE \"@daily\""))
		pub(r.files.write(t, "harbor", "harbor.gbdialog/b.bas", "PARAM y AS STRING\nWEBHOOK \"b\""))
		pub(r.files.write(t, "harbor", "harbor.gbdialog/a.bas", "PARAM x2 AS INTEGER\nSET SCHEDULE \"@hourly\""))
		pub(r.files.remove(t, "harbor", "harbor.gbdialog/b.bas"))
		pub(r.files.write(t, "harbor", configPath, "theme-color1,#123\n"))

		cfg := testConfig()
		// runUntil runs a replica until every change was handled. Replays
		// are awaited by draining the consumer: their outcomes repeat the
		// first ones (same change, attempt and status), which OUTCOMES
		// stores once.
		runUntil := func(st store.Store, replay bool) {
			svc, err := New(cfg, Deps{JS: r.js, Storage: r.files, Store: st})
			if err != nil {
				t.Fatal(err)
			}
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- svc.Run(rctx) }()
			if replay {
				waitDrained(t, r.js, seqs[len(seqs)-1])
			} else {
				for _, s := range seqs {
					r.outcome(t, s)
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		runUntil(st, false)
		first := dump(t, st, "harbor", false)
		if !strings.Contains(first, `"x2"`) || strings.Contains(first, "b.bas") || !strings.Contains(first, "#123") {
			t.Fatalf("first pass did not store the final state:\n%s", first)
		}

		// Replay every change into the same store: nothing moves, not even
		// a compile time.
		if err := r.js.DeleteConsumer(ctx, events.StreamDrive, bus.ConsumerCompiler); err != nil {
			t.Fatal(err)
		}
		runUntil(st, true)
		if again := dump(t, st, "harbor", false); again != first {
			t.Fatalf("replay into the same store changed rows:\n%s\nwant\n%s", again, first)
		}

		// Replay into an empty store: the same rows, compile times aside.
		if err := r.js.DeleteConsumer(ctx, events.StreamDrive, bus.ConsumerCompiler); err != nil {
			t.Fatal(err)
		}
		fresh := openSQLite(t)
		runUntil(fresh, true)
		if got, want := dump(t, fresh, "harbor", true), dump(t, st, "harbor", true); got != want {
			t.Fatalf("replay into an empty store gave other rows:\n%s\nwant\n%s", got, want)
		}
	})
}

func TestIntegrationOlderChangeAfterNewer(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		svc := r.start(t, testConfig())
		old := r.publish(t, r.files.write(t, "harbor", bookPath, "PARAM old AS STRING\nSET SCHEDULE \"@daily\""))
		r.outcome(t, old.Seq)
		newer := r.publish(t, r.files.write(t, "harbor", bookPath, bookSrc))
		r.outcome(t, newer.Seq)
		before := dump(t, st, "harbor", false)

		// Deliver the older change again, as a late redelivery would.
		cons, err := r.js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{
			DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: old.Seq,
		})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if md, _ := msg.Metadata(); md.Sequence.Stream != old.Seq {
			t.Fatalf("fetched seq %d, want %d", md.Sequence.Stream, old.Seq)
		}
		c, err := bus.Decode(msg)
		if err != nil {
			t.Fatal(err)
		}
		o, err := svc.handle(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != events.StatusSkipped || len(o.Diagnostics) != 0 || o.ChangeSeq != old.Seq {
			t.Fatalf("late older change outcome = %+v, want skipped", o)
		}
		if after := dump(t, st, "harbor", false); after != before {
			t.Fatalf("an older change changed the rows:\n%s\nwant\n%s", after, before)
		}
	})
}

func TestIntegrationReplicasConverge(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		r.start(t, testConfig())
		r.start(t, testConfig())
		const n = 40
		var seqs []uint64
		src := func(i int) string {
			return fmt.Sprintf("PARAM v%d AS STRING\nSET SCHEDULE \"%d 8 * * *\"\nWEBHOOK \"hook-%d\"\n", i, i%60, i)
		}
		for i := 1; i <= n; i++ {
			seqs = append(seqs, r.publish(t, r.files.write(t, "harbor", bookPath, src(i))).Seq)
			seqs = append(seqs, r.publish(t, r.files.write(t, "harbor", "harbor.gbdialog/other.bas", fmt.Sprintf("TALK %d", i))).Seq)
		}
		for _, s := range seqs {
			r.outcome(t, s)
		}
		sc, err := st.Script(ctx, "harbor", bookPath)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Seq != seqs[len(seqs)-2] || sc.ContentHash != store.ContentHash([]byte(src(n))) {
			t.Fatalf("book.bas converged to seq %d hash %s, want seq %d and the last content", sc.Seq, sc.ContentHash, seqs[len(seqs)-2])
		}
		if sc.Tool == nil || !strings.Contains(string(sc.Tool.MCP), fmt.Sprintf(`"v%d"`, n)) {
			t.Fatalf("tool is not the latest: %+v", sc.Tool)
		}
		e, err := st.Effects(ctx, "harbor")
		if err != nil || len(e.Schedules) != 1 || e.Schedules[0].Expr != fmt.Sprintf("%d 8 * * *", n%60) || len(e.Webhooks) != 1 || e.Webhooks[0].Name != fmt.Sprintf("hook-%d", n) {
			t.Fatalf("effects are not the latest: %+v, %v", e, err)
		}
		other, err := st.Script(ctx, "harbor", "harbor.gbdialog/other.bas")
		if err != nil || other.ContentHash != store.ContentHash(fmt.Appendf(nil, "TALK %d", n)) {
			t.Fatalf("other.bas = %+v, %v", other, err)
		}
		waitDrained(t, r.js, seqs[len(seqs)-1])
	})
}

// waitDrained waits until the compiler consumer has acknowledged every
// change up to stream sequence last and has nothing in flight.
func waitDrained(t *testing.T, js jetstream.JetStream, last uint64) *jetstream.ConsumerInfo {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		cons, err := js.Consumer(ctx, events.StreamDrive, bus.ConsumerCompiler)
		if errors.Is(err, jetstream.ErrConsumerNotFound) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond) // Run has not created it yet
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.AckFloor.Stream >= last && info.NumAckPending == 0 {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer not drained: acknowledged up to %d of %d, %d unacknowledged", info.AckFloor.Stream, last, info.NumAckPending)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIntegrationSyntaxErrorIsNotRetried(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		r.start(t, testConfig())
		c := r.publish(t, r.files.write(t, "harbor", bookPath, "PARAM x AS STRING\nIF x THEN\n  TALK x\n"))
		o := r.outcome(t, c.Seq)
		if o.Status != events.StatusOK || o.Attempt != 1 || o.Tool != "book" {
			t.Fatalf("outcome = %+v", o)
		}
		if !slices.ContainsFunc(o.Diagnostics, func(d events.Diagnostic) bool { return d.Severity == "error" && d.Line > 0 }) {
			t.Fatalf("no positioned error diagnostic: %+v", o.Diagnostics)
		}
		r.noMoreOutcomes(t, 200*time.Millisecond)
		info := waitDrained(t, r.js, c.Seq)
		if info.NumRedelivered != 0 {
			t.Fatalf("a file with syntax errors was redelivered %d times", info.NumRedelivered)
		}
		infos, err := st.Scripts(ctx, "harbor")
		if err != nil || len(infos) != 1 || infos[0].Errors == 0 {
			t.Fatalf("scripts = %+v, %v", infos, err)
		}
		if active, _ := st.Tools(ctx, "harbor", true); len(active) != 0 {
			t.Fatalf("the tool of a script with errors is active: %+v", active)
		}
	})
}

// firstFailure checks o is the outcome of a first try that failed reading
// storage and will be retried.
func firstFailure(t *testing.T, o events.Outcome) {
	t.Helper()
	if o.Status != events.StatusFailed || o.Attempt != 1 || !strings.Contains(o.Error, "storage down") {
		t.Fatalf("first outcome = %+v, want failed at the first try, saying why", o)
	}
}

func TestIntegrationTransientErrorRetries(t *testing.T) {
	r := newRig(t, openSQLite(t))
	failures := 2
	r.files.setFailing(func(bot, path string) error {
		if failures > 0 {
			failures--
			return errors.New("storage down")
		}
		return nil
	})
	r.start(t, Config{Concurrency: 1, RetryMin: 5 * time.Millisecond, RetryMax: 10 * time.Millisecond})
	c := r.publish(t, r.files.write(t, "harbor", bookPath, bookSrc))
	firstFailure(t, r.outcome(t, c.Seq))
	o := r.outcome(t, c.Seq)
	if o.Status != events.StatusOK || o.Attempt != 3 {
		t.Fatalf("outcome = %+v, want ok on the third try (the second try publishes nothing)", o)
	}
	r.noMoreOutcomes(t, 100*time.Millisecond)
	if _, err := r.store.Script(context.Background(), "harbor", bookPath); err != nil {
		t.Fatal(err)
	}
}

func TestIntegrationGivesUpToDeadLetter(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, openSQLite(t))
	r.files.setFailing(func(bot, path string) error { return errors.New("storage down") })
	r.start(t, testConfig())
	c := r.publish(t, r.files.write(t, "harbor", bookPath, bookSrc))
	firstFailure(t, r.outcome(t, c.Seq))
	o := r.outcome(t, c.Seq)
	if o.Status != events.StatusFailed || o.Attempt != bus.DefaultMaxDeliver || !strings.Contains(o.Error, "storage down") {
		t.Fatalf("outcome = %+v, want failed after %d tries", o, bus.DefaultMaxDeliver)
	}
	dead := deadLetter(t, r.js, events.ChangeSubject(&c))
	if got := dead.Header.Get(worker.HeaderDeliveries); got != fmt.Sprint(bus.DefaultMaxDeliver) {
		t.Fatalf("dead letter deliveries = %q", got)
	}
	if _, err := r.store.Script(ctx, "harbor", bookPath); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed change stored a script: %v", err)
	}

	// Malformed events are parked at once, with a failed outcome for the
	// bot their subject names.
	subject := "drive.harbor.dialog.garbage"
	ack, err := r.js.Publish(ctx, subject, []byte(`{"v":1,"bot":"harbor"}`))
	if err != nil {
		t.Fatal(err)
	}
	o = r.outcome(t, ack.Sequence)
	if o.Status != events.StatusFailed || o.Bot != "harbor" || o.Attempt != 1 {
		t.Fatalf("malformed event outcome = %+v", o)
	}
	deadLetter(t, r.js, subject)
}

func deadLetter(t *testing.T, js jetstream.JetStream, subject string) *nats.Msg {
	t.Helper()
	cons, err := js.OrderedConsumer(context.Background(), events.StreamDead, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.DeadSubject(bus.ConsumerCompiler, subject)},
	})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
	if err != nil {
		t.Fatalf("no dead letter for %s: %v", subject, err)
	}
	return &nats.Msg{Subject: msg.Subject(), Data: msg.Data(), Header: msg.Headers()}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// Issue 12: KB changes reach the compiler through its consumer. A
// knowledge base appearing re-checks the script that uses it (an outcome
// for the script's stored version, without its warning); the KB change
// itself gets no compiler outcome, as the indexer's is the one that counts.
func TestIntegrationKBChangeRechecks(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		r := newRig(t, st)
		r.start(t, testConfig())
		const start = "harbor.gbdialog/start.bas"
		c := r.publish(t, r.files.write(t, "harbor", start, "USE KB \"faq\"\n"))
		if o := r.outcome(t, c.Seq); len(o.Diagnostics) != 1 || !strings.Contains(o.Diagnostics[0].Message, `"faq"`) {
			t.Fatalf("before faq exists: %+v", o)
		}
		kb := r.publish(t, r.files.write(t, "harbor", "harbor.gbkb/faq/a.md", "# A"))
		if o := r.outcome(t, c.Seq); o.Path != start || o.Status != events.StatusOK || len(o.Diagnostics) != 0 {
			t.Fatalf("recheck after faq appeared: %+v", o)
		}
		gone := r.publish(t, r.files.remove(t, "harbor", "harbor.gbkb/faq/a.md"))
		if o := r.outcome(t, c.Seq); len(o.Diagnostics) != 1 {
			t.Fatalf("recheck after faq's last document went: %+v", o)
		}
		r.noMoreOutcomes(t, 300*time.Millisecond)
		sc, err := st.Script(context.Background(), "harbor", start)
		if err != nil || sc.Seq != c.Seq || len(sc.Diagnostics) != 1 {
			t.Fatalf("stored start.bas: %+v, %v", sc, err)
		}
		t.Logf("KB changes at seq %d and %d: no compiler outcome of their own", kb.Seq, gone.Seq)
	})
}
