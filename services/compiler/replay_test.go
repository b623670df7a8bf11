package compiler

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/pkg/events/deadletter"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// cliConsumer is what docs/REPLAY.md has the operator create:
//
//	nats consumer add DRIVE <name> --filter <f>... --deliver all --ack explicit --pull --max-deliver 10 --defaults
func cliConsumer(name string, filters ...string) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable: name, FilterSubjects: filters, DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: 10, ReplayPolicy: jetstream.ReplayInstantPolicy,
	}
}

func TestConsumerSetting(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "default", want: bus.ConsumerCompiler},
		{name: "replay", env: map[string]string{EnvConsumer: "replay-harbor"}, want: "replay-harbor"},
		{name: "dotted", env: map[string]string{EnvConsumer: "replay.harbor"}, wantErr: EnvConsumer},
		{name: "wildcard", env: map[string]string{EnvConsumer: "replay-*"}, wantErr: EnvConsumer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("FromEnv = %+v, %v; want an error naming %s", c, err, tc.wantErr)
				}
				return
			}
			if err != nil || c.Consumer != tc.want {
				t.Fatalf("FromEnv: Consumer = %q, %v; want %q", c.Consumer, err, tc.want)
			}
		})
	}
}

// runOn runs a compiler over st reading consumer until the end of the test.
func (r *rig) runOn(t *testing.T, st store.Store, consumer string) {
	t.Helper()
	cfg := testConfig()
	cfg.Consumer = consumer
	svc, err := New(cfg, Deps{JS: r.js, Storage: r.files, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// drained waits until consumer has delivered and acknowledged every
// message its filter selects.
func drained(t *testing.T, js jetstream.JetStream, consumer string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cons, err := js.Consumer(ctx, events.StreamDrive, consumer)
		if err != nil {
			t.Fatal(err)
		}
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 && info.Delivered.Consumer > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer %s not drained: %d pending, %d unacknowledged", consumer, info.NumPending, info.NumAckPending)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestIntegrationReplayBotFromHistory follows docs/REPLAY.md: after a live
// run, a consumer made as the nats CLI makes it delivers the whole DRIVE
// history of one bot's dialogs and configs to a compiler with an empty
// store, which ends with the very rows the live compiler has.
func TestIntegrationReplayBotFromHistory(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			ctx := context.Background()
			live := s.open(t)
			r := newRig(t, live)
			r.start(t, testConfig())
			step := func(c events.Change) {
				c = r.publish(t, c)
				if c.Kind == events.KindDialog || c.Kind == events.KindConfig {
					r.outcome(t, c.Seq)
				}
			}
			move := func(bot, from, to string) events.Change {
				data, err := os.ReadFile(r.files.file(bot, from))
				if err != nil {
					t.Fatal(err)
				}
				c := r.files.write(t, bot, to, string(data))
				r.files.remove(t, bot, from)
				c.Op, c.From = events.OpMoved, from
				return c
			}
			step(r.files.write(t, "harbor", "harbor.gbdialog/a.bas", "PARAM x AS STRING\nSET SCHEDULE \"@daily\"\nTALK x"))
			step(r.files.write(t, "harbor", "harbor.gbdialog/b.bas", "PARAM y AS STRING\nWEBHOOK \"b\""))
			step(r.files.write(t, "ferry", "ferry.gbdialog/a.bas", "PARAM z AS STRING"))
			step(r.files.write(t, "harbor", configPath, "name,value\ntheme-color1,#123\n"))
			step(r.files.write(t, "harbor", "harbor.gbkb/manuals/intro.md", "# Intro"))
			step(r.files.write(t, "harbor", "harbor.gbdialog/a.bas", "PARAM x2 AS INTEGER\nSET SCHEDULE \"@hourly\"\nUSE KB \"manuals\""))
			step(r.files.remove(t, "harbor", "harbor.gbdialog/b.bas"))
			step(r.files.write(t, "harbor", "harbor.gbdialog/c.bas", "IF x THEN\nTALK \"unterminated"))
			step(move("harbor", "harbor.gbdialog/c.bas", "harbor.gbdialog/sub/d.bas"))
			step(r.files.write(t, "harbor", configPath, "name,value\ntheme-color1,#456\ntheme-title,Harbor, the bot\n"))
			step(r.files.write(t, "ferry", "ferry.gbdialog/a.bas", "PARAM z2 AS STRING"))

			want := dump(t, live, "harbor", true)
			for _, s := range []string{`"x2"`, "@hourly", "sub/d.bas", "Harbor, the bot", `"error"`} {
				if !strings.Contains(want, s) {
					t.Fatalf("the live run lacks %s:\n%s", s, want)
				}
			}
			if strings.Contains(want, "b.bas") || strings.Contains(want, "c.bas") || strings.Contains(want, "#123") {
				t.Fatalf("the live run kept a deleted or replaced version:\n%s", want)
			}

			// nats consumer add DRIVE replay-harbor --filter 'drive.harbor.dialog.>' --filter 'drive.harbor.config.>' ...
			const name = "replay-harbor"
			if _, err := r.js.CreateConsumer(ctx, events.StreamDrive, cliConsumer(name,
				events.FilterBotKind("harbor", events.KindDialog), events.FilterBotKind("harbor", events.KindConfig))); err != nil {
				t.Fatal(err)
			}
			fresh := s.open(t)
			r.runOn(t, fresh, name)
			drained(t, r.js, name)
			if got := dump(t, fresh, "harbor", true); got != want {
				t.Fatalf("the replay stored other rows:\n%s\nwant\n%s", got, want)
			}
			if bots, err := fresh.Bots(ctx); err != nil || len(bots) != 1 || bots[0].Bot != "harbor" {
				t.Fatalf("the replay of harbor stored bots %+v (%v)", bots, err)
			}

			// nats consumer rm DRIVE replay-harbor -f: the live work queue
			// is untouched.
			if err := r.js.DeleteConsumer(ctx, events.StreamDrive, name); err != nil {
				t.Fatal(err)
			}
			step(r.files.write(t, "harbor", "harbor.gbdialog/e.bas", "TALK \"after\""))
			if _, err := live.Script(ctx, "harbor", "harbor.gbdialog/e.bas"); err != nil {
				t.Fatalf("the live compiler after the replay: %v", err)
			}
		})
	}
}

func TestIntegrationNamedConsumerMustExist(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, openSQLite(t))
	if _, err := r.js.CreateConsumer(ctx, events.StreamDrive, jetstream.ConsumerConfig{
		Durable: "pushed", DeliverSubject: "somewhere", AckPolicy: jetstream.AckExplicitPolicy,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.js.CreateConsumer(ctx, events.StreamDrive, jetstream.ConsumerConfig{
		Durable: "unacked", AckPolicy: jetstream.AckNonePolicy,
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, consumer string
		want           error
		errHas         []string
	}{
		{"missing", "replay-harbr", jetstream.ErrConsumerNotFound, []string{`"replay-harbr"`, EnvConsumer, "does not exist", "nats consumer add DRIVE replay-harbr"}},
		{"push", "pushed", jetstream.ErrNotPullConsumer, []string{`"pushed"`, EnvConsumer, "--pull"}},
		{"no acks", "unacked", nil, []string{`"unacked"`, EnvConsumer, "--ack explicit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.Consumer = tc.consumer
			svc, err := New(cfg, Deps{JS: r.js, Storage: r.files, Store: r.store})
			if err != nil {
				t.Fatal(err)
			}
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			err = svc.Run(rctx)
			if err == nil || rctx.Err() != nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("Run = %v, want a start failure", err)
			}
			for _, s := range tc.errHas {
				if !strings.Contains(err.Error(), s) {
					t.Fatalf("Run error %q lacks %q", err, s)
				}
			}
		})
	}
	// Nothing was created in their place, not even the standard queue.
	for _, name := range []string{"replay-harbr", bus.ConsumerCompiler} {
		if _, err := r.js.Consumer(ctx, events.StreamDrive, name); !errors.Is(err, jetstream.ErrConsumerNotFound) {
			t.Fatalf("consumer %s: %v, want none", name, err)
		}
	}
}

// TestIntegrationDeadLetterRetry: a change that failed every try is
// parked; once the storage is back, deadletter.Retry re-runs it and the
// compiler stores the script.
func TestIntegrationDeadLetterRetry(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, openSQLite(t))
	r.files.setFailing(func(bot, path string) error { return errors.New("storage down") })
	r.start(t, testConfig())
	c := r.publish(t, r.files.write(t, "harbor", bookPath, bookSrc))
	if o := r.outcome(t, c.Seq); o.Status != events.StatusFailed {
		t.Fatalf("outcome = %+v, want failed", o)
	}
	// The failed outcome is published before the message is parked: wait
	// for the letter.
	var letters []deadletter.Letter
	var err error
	for deadline := time.Now().Add(10 * time.Second); len(letters) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		letters, err = deadletter.List(ctx, r.js, deadletter.Filter{Consumer: bus.ConsumerCompiler, Subject: events.FilterBot("harbor")})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(letters) != 1 || letters[0].StreamSeq != c.Seq || letters[0].Path != bookPath || !strings.Contains(letters[0].Error, "storage down") {
		t.Fatalf("letters = %+v", letters)
	}

	r.files.setFailing(nil)
	if err := deadletter.Retry(ctx, r.js, letters[0].Seq); err != nil {
		t.Fatal(err)
	}
	var o events.Outcome
	for o.Status != events.StatusOK {
		select {
		case o = <-r.outcomes:
		case <-time.After(20 * time.Second):
			t.Fatal("no outcome for the re-run")
		}
	}
	sc, err := r.store.Script(ctx, "harbor", bookPath)
	if err != nil || o.ChangeID != c.ID || o.ChangeSeq <= c.Seq || sc.Seq != o.ChangeSeq || sc.Tool == nil {
		t.Fatalf("after the re-run: outcome %+v, script %+v, %v", o, sc, err)
	}
	if left, err := deadletter.List(ctx, r.js, deadletter.Filter{}); err != nil || len(left) != 0 {
		t.Fatalf("DEAD after the re-run: %+v, %v", left, err)
	}
}
