package reliability

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/notification"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/compiler"
	"github.com/drivemon/drivemon/services/detector"
	"github.com/drivemon/drivemon/services/themer"
)

// TestIntegrationNATSRestart: the NATS server goes down mid-stream, with
// files being rewritten, and comes back on the same address and store
// after a few seconds. Every service reconnects and resumes its durable
// consumer; nothing is lost: the state converges on what MinIO holds.
func TestIntegrationNATSRestart(t *testing.T) {
	r := newRig(t, rigOptions{})
	_, det := r.startDetector("detector")
	for i := range 2 {
		r.startCompiler(fmt.Sprintf("compiler-%d", i+1), compilerOptions{})
		r.startIndexer(fmt.Sprintf("indexer-%d", i+1), indexerOptions{})
	}
	r.startThemer("themer", themer.Config{})
	bot := r.bot
	r.seed(3)
	churned := []string{bot + ".gbdialog/churn.bas", bot + ".gbkb/faq/churn.md", bot + ".gbtheme/css/churn.css"}
	stopChurn := r.churn(churned, func(p string, v int) []byte {
		switch {
		case strings.HasSuffix(p, ".bas"):
			return dialog("churn", v)
		case strings.HasSuffix(p, ".md"):
			return document("churn", v, 1+v%3)
		}
		return stylesheet(v)
	})
	waitFor(t, "changes flowing before the restart", 30*time.Second, func() (bool, string) {
		return len(r.changesFor(churned[0])) >= 3, fmt.Sprint(len(r.changesFor(churned[0])))
	})
	const down = 7 * time.Second
	restartAt := time.Now()
	r.nats.restart(t, down)
	up := time.Now()
	// Writes during and after the outage, then a last version of each.
	waitFor(t, "changes flowing after the restart", 60*time.Second, func() (bool, string) {
		n := 0
		for _, c := range r.changes.all() {
			if time.UnixMilli(c.MTime).After(up) {
				n++
			}
		}
		return n >= 3, fmt.Sprintf("%d changes of files written after the restart", n)
	})
	writes := stopChurn()
	r.write(bot+".gbdialog/tool0.bas", dialog("0", 99))
	c := r.converge(2 * time.Minute)
	settle := r.settled(90*time.Second, bus.ConsumerCompiler, bus.ConsumerIndexer)
	r.converge(10 * time.Second)
	r.report(t, "nats-restart", c, map[string]any{"down": down, "restart_total": up.Sub(restartAt).Round(10 * time.Millisecond),
		"up_to_converged": time.Since(up).Round(10 * time.Millisecond), "churn_writes": writes, "settle": settle.Round(10 * time.Millisecond),
		"detector_retries": det.Status().Retries})
}

// TestIntegrationNotificationsStopped: MinIO notifies the detector through
// its NATS target until the bucket's notification configuration is
// removed; from then on the periodic listing finds every change, within
// one reconciliation interval.
func TestIntegrationNotificationsStopped(t *testing.T) {
	const interval = 6 * time.Second
	r := newRig(t, rigOptions{minioNotify: true})
	r.opts.detector = func(c *detector.Config) {
		c.RawSubject, c.NotifyARNs, c.ReconcileDefault = r.s3env.NotifySubject, r.s3env.NotifyARNs, interval
	}
	_, det := r.startDetector("detector")
	r.startCompiler("compiler", compilerOptions{})
	r.startIndexer("indexer", indexerOptions{})
	r.startThemer("themer", themer.Config{})
	bot := r.bot
	select {
	case <-det.Scanned():
	case <-time.After(30 * time.Second):
		t.Fatal("no initial scan within 30 s")
	}
	// MinIO's target delivers its queued events in batches (about every
	// 3 s), so a listing may find a file first: at least some of these
	// must come by notification.
	r.seed(2)
	notified := bot + ".gbdialog/notified.bas"
	r.write(notified, dialog("notified", 1))
	r.converge(30 * time.Second)
	byNotify := 0
	for _, c := range r.changes.all() {
		if c.DetectedBy == events.DetectedByNotify {
			byNotify++
		}
	}
	if byNotify == 0 {
		t.Fatalf("no change came by notification: %+v", r.changes.all())
	}

	ctx := r.ctx
	if err := r.s3env.Client.SetBucketNotification(ctx, r.bucket, notification.Configuration{}); err != nil {
		t.Fatalf("removing the bucket's notifications: %v", err)
	}
	stopped := time.Now()
	after := []string{bot + ".gbdialog/late.bas", bot + ".gbkb/faq/late.md", bot + ".gbtheme/css/late.css"}
	r.write(after[0], dialog("late", 1))
	r.write(after[1], document("late", 1, 3))
	r.write(after[2], stylesheet(5))
	r.remove(bot + ".gbdialog/tool1.bas")
	r.write(bot+".gbot/config.csv", config(7))
	c := r.converge(2*interval + 20*time.Second)
	for _, p := range after {
		cs := r.changesFor(p)
		if len(cs) != 1 || cs[0].DetectedBy != events.DetectedByReconcile {
			t.Errorf("%s: %+v, want one change found by the listing", p, cs)
		}
	}
	r.report(t, "notifications-stopped", c, map[string]any{"interval": interval, "stop_to_converged": time.Since(stopped).Round(10 * time.Millisecond),
		"by_notify_before": byNotify})
}

// TestIntegrationPostgresOutage: the compilers' PostgreSQL is unreachable
// for a while (the proxy in front of it cut: open connections closed, new
// ones refused; the shared server itself is never stopped). Dialogs
// changed meanwhile are retried with the production backoff (1 s doubling)
// and compiled once it is back; the other consumers never notice.
func TestIntegrationPostgresOutage(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.startDetector("detector")
	for i := range 2 {
		r.startCompiler(fmt.Sprintf("compiler-%d", i+1), compilerOptions{cfg: func(c *compiler.Config) {
			c.RetryMin, c.RetryMax = 0, 0 // the production defaults
		}})
	}
	r.startIndexer("indexer", indexerOptions{})
	r.startThemer("themer", themer.Config{})
	bot := r.bot
	r.seed(2)
	r.converge(60 * time.Second)

	const outage = 30 * time.Second
	retriesBefore := r.logs.count("processing failed; will retry")
	okBefore := r.outcomeStats(compiler.Name).ByStatus[events.StatusOK]
	r.pg.setCut(true)
	cut := time.Now()
	for i := range 6 {
		r.write(fmt.Sprintf("%s.gbdialog/during%d.bas", bot, i), dialog(fmt.Sprint(i), 1))
	}
	r.write(bot+".gbdialog/tool0.bas", dialog("0", 5))
	r.write(bot+".gbot/config.csv", config(9))
	r.write(bot+".gbkb/faq/during.md", document("during", 1, 3))
	waitFor(t, "the compilers backing off", 30*time.Second, func() (bool, string) {
		n := r.logs.count("processing failed; will retry") - retriesBefore
		return n >= 8, fmt.Sprintf("%d retries", n)
	})
	waitFor(t, "the indexer, which needs no PostgreSQL, indexing meanwhile", 30*time.Second, func() (bool, string) {
		o := lastOutcome(r.outcomesFor("indexer", bot+".gbkb/faq/during.md"))
		return o.Status == events.StatusOK, fmt.Sprintf("%+v", o)
	})
	if n := r.outcomeStats(compiler.Name).ByStatus[events.StatusOK] - okBefore; n != 0 {
		t.Fatalf("%d compiles succeeded with the database cut off", n)
	}
	time.Sleep(time.Until(cut.Add(outage)))
	retriesDuring := r.logs.count("processing failed; will retry") - retriesBefore
	r.pg.setCut(false)
	restored := time.Now()
	c := r.converge(90 * time.Second)
	settle := r.settled(60*time.Second, bus.ConsumerCompiler)
	if d := r.deadFor(bus.ConsumerCompiler); len(d) != 0 {
		t.Errorf("%d changes given up on during a %s outage: %+v", len(d), outage, d)
	}
	r.report(t, "postgres-outage", c, map[string]any{"outage": outage, "retries_during": retriesDuring,
		"restore_to_converged": time.Since(restored).Round(10 * time.Millisecond), "refused_connections": r.pg.refused.Load(),
		"settle": settle.Round(10 * time.Millisecond)})
}
