package reliability

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/compiler"
	"github.com/drivemon/drivemon/services/indexer"
	"github.com/drivemon/drivemon/services/indexer/embed"
	"github.com/drivemon/drivemon/services/themer"
)

// churn rewrites files in the background, one write after another, until
// stop is called; stop returns how many writes were made.
func (r *rig) churn(paths []string, content func(path string, v int) []byte) (stop func() int) {
	ctx, cancel := context.WithCancel(r.ctx)
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for v := 2; ctx.Err() == nil && v < 10_000; v++ {
			for _, p := range paths {
				wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
				if _, err := r.storage.Write(wctx, r.bot, p, content(p, v)); err == nil {
					n.Add(1)
				}
				wcancel()
			}
		}
	}()
	return func() int {
		cancel()
		<-done
		return int(n.Load())
	}
}

// TestIntegrationDetectorRestart: the detector is stopped while files keep
// changing and started again; its catch-up publishes exactly the changes
// made to the files nobody else touched while it was down (created,
// updated, deleted; an identical re-upload is no change), and everything
// converges.
func TestIntegrationDetectorRestart(t *testing.T) {
	r := newRig(t, rigOptions{})
	det, _ := r.startDetector("detector-1")
	r.startCompiler("compiler-1", compilerOptions{})
	r.startIndexer("indexer-1", indexerOptions{})
	r.startThemer("themer-1", themer.Config{})
	bot := r.bot
	r.seed(4)
	r.converge(60 * time.Second)
	churned := []string{bot + ".gbdialog/churn.bas", bot + ".gbkb/faq/churn.md"}
	stopChurn := r.churn(churned, func(p string, v int) []byte {
		if strings.HasSuffix(p, ".bas") {
			return dialog("churn", v)
		}
		return document("churn", v, 2)
	})

	det.stop(t)
	before := r.changes.len()
	down := time.Now()
	r.write(bot+".gbdialog/tool0.bas", dialog("0", 2))
	r.write(bot+".gbdialog/tool9.bas", dialog("9", 1))
	r.remove(bot + ".gbkb/faq/doc1.md")
	r.write(bot+".gbkb/faq/doc2.md", document("2", 1, 3+2%4)) // the same bytes again
	r.write(bot+".gbtheme/css/main.css", stylesheet(2))
	r.write(bot+".gbot/config.csv", config(2))
	want := map[string]events.Op{
		bot + ".gbdialog/tool0.bas": events.OpUpdated, bot + ".gbdialog/tool9.bas": events.OpCreated,
		bot + ".gbkb/faq/doc1.md": events.OpDeleted, bot + ".gbtheme/css/main.css": events.OpUpdated,
		bot + ".gbot/config.csv": events.OpUpdated,
	}
	if published := r.changes.len() - before; published > 2 {
		t.Fatalf("%d changes published while the detector was down", published)
	}
	_, det2 := r.startDetector("detector-2")
	select {
	case <-det2.Scanned():
	case <-time.After(60 * time.Second):
		t.Fatal("the restarted detector did not finish its catch-up within 60 s")
	}
	catchUp := time.Since(down)
	writes := stopChurn()
	got := map[string][]events.Op{}
	for _, c := range r.changes.since(before) {
		if !slices.Contains(churned, c.Path) {
			got[c.Path] = append(got[c.Path], c.Op)
		}
	}
	for p, op := range want {
		if ops := got[p]; len(ops) != 1 || ops[0] != op {
			t.Errorf("catch-up: %s got %v, want exactly [%s]", p, ops, op)
		}
		delete(got, p)
	}
	for p, ops := range got {
		t.Errorf("catch-up published %v for %s, which did not change", ops, p)
	}
	c := r.converge(60 * time.Second)
	r.report(t, "detector-restart", c, map[string]any{"missed": len(want), "catch_up": catchUp.Round(10 * time.Millisecond), "churn_writes": writes})
}

// gatedJS holds every outcome a replica publishes until the replica is
// killed: the replica has committed its work but not yet acknowledged the
// message when it dies.
type gatedJS struct {
	jetstream.JetStream
	held atomic.Int64
}

func (g *gatedJS) PublishMsg(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	if strings.HasPrefix(msg.Subject, events.OutcomePrefix+".") {
		g.held.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return g.JetStream.PublishMsg(ctx, msg, opts...)
}

// countingEmbedder counts the texts embedded, across replicas.
type countingEmbedder struct {
	embed.Embedder
	texts atomic.Int64
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.texts.Add(int64(len(texts)))
	return c.Embedder.Embed(ctx, texts)
}

// TestIntegrationKillConsumerMidBatch: a compiler and an indexer replica
// die abruptly (their NATS connection closed) while holding unacknowledged
// messages, some already committed. The surviving replicas get every one
// of them again after the ack wait; nothing is applied twice: one row and
// one set of artefacts per file, each chunk embedded once in all.
func TestIntegrationKillConsumerMidBatch(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.startDetector("detector")
	emb := &countingEmbedder{Embedder: embed.NewHashed(0)}
	var gc, gi *gatedJS
	victimC := r.startCompiler("compiler-victim", compilerOptions{js: func(js jetstream.JetStream) compiler.JetStream {
		gc = &gatedJS{JetStream: js}
		return gc
	}})
	victimI := r.startIndexer("indexer-victim", indexerOptions{embedder: emb, js: func(js jetstream.JetStream) indexer.JetStream {
		gi = &gatedJS{JetStream: js}
		return gi
	}})
	r.startThemer("themer", themer.Config{})
	const files = 24
	for i := range files {
		r.write(fmt.Sprintf("%s.gbdialog/tool%02d.bas", r.bot, i), dialog(fmt.Sprint(i), 1))
		r.write(fmt.Sprintf("%s.gbkb/faq/doc%02d.md", r.bot, i), document(fmt.Sprint(i), 1, 2+i%3))
	}
	waitFor(t, "the victims to hold committed, unacknowledged work", 60*time.Second, func() (bool, string) {
		return gc.held.Load() >= 4 && gi.held.Load() >= 2, fmt.Sprintf("compiler holds %d, indexer %d", gc.held.Load(), gi.held.Load())
	})
	ci, err := r.consumerInfo(events.StreamDrive, bus.ConsumerCompiler)
	if err != nil {
		t.Fatal(err)
	}
	ii, err := r.consumerInfo(events.StreamDrive, bus.ConsumerIndexer)
	if err != nil {
		t.Fatal(err)
	}
	heldC, heldI := ci.NumAckPending, ii.NumAckPending
	committedC, committedI := gc.held.Load(), gi.held.Load()
	killed := time.Now()
	victimC.kill(t)
	victimI.kill(t)
	r.startCompiler("compiler-survivor", compilerOptions{})
	r.startIndexer("indexer-survivor", indexerOptions{embedder: emb})
	c := r.converge(90 * time.Second)
	r.settled(30*time.Second, bus.ConsumerCompiler, bus.ConsumerIndexer)
	r.converge(10 * time.Second) // and still, once every message is acknowledged
	chunks := c.Chunks
	if n := emb.texts.Load(); n != int64(chunks) {
		t.Errorf("%d chunks embedded in all, for %d chunks: work was repeated", n, chunks)
	}
	redelivered := 0
	for _, o := range r.outcomes.all() {
		if o.Attempt > 1 {
			redelivered++
		}
	}
	if redelivered == 0 {
		t.Errorf("no outcome of a redelivered message: the kill freed nothing (held %d and %d)", heldC, heldI)
	}
	r.report(t, "kill-mid-batch", c, map[string]any{"unacked_at_kill_compiler": heldC, "unacked_at_kill_indexer": heldI,
		"committed_unacked_compiler": committedC, "committed_unacked_indexer": committedI,
		"kill_to_converged": time.Since(killed).Round(10 * time.Millisecond), "redelivered_outcomes": redelivered, "embedded": emb.texts.Load()})
}

// TestIntegrationReplicasRapidRewrites: two and then three replicas of the
// compiler and the indexer (and two detectors and two themers) while the
// same files are rewritten as fast as MinIO takes them, from several
// writers at once. Every replica converges on the last version; nothing is
// parked; deliveries stay bounded.
func TestIntegrationReplicasRapidRewrites(t *testing.T) {
	for _, replicas := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d replicas", replicas), func(t *testing.T) {
			r := newRig(t, rigOptions{})
			r.startDetector("detector-1")
			r.startDetector("detector-2")
			for i := range replicas {
				r.startCompiler(fmt.Sprintf("compiler-%d", i+1), compilerOptions{})
				r.startIndexer(fmt.Sprintf("indexer-%d", i+1), indexerOptions{})
			}
			r.startThemer("themer-1", themer.Config{})
			r.startThemer("themer-2", themer.Config{})
			bot := r.bot
			paths := []string{bot + ".gbdialog/a.bas", bot + ".gbdialog/b.bas", bot + ".gbkb/faq/a.md", bot + ".gbkb/faq/b.md",
				bot + ".gbkb/faq/c.md", bot + ".gbtheme/css/main.css", bot + ".gbot/config.csv"}
			const versions = 30
			start := time.Now()
			var wg sync.WaitGroup
			for _, p := range paths {
				wg.Go(func() {
					for v := range versions {
						switch events.Classify(p).Kind {
						case events.KindDialog:
							r.write(p, dialog(p, v))
						case events.KindKB:
							r.write(p, document(p, v, 1+v%5))
						case events.KindTheme:
							r.write(p, stylesheet(v))
						default:
							r.write(p, config(v))
						}
					}
				})
			}
			wg.Wait()
			wrote := time.Since(start)
			c := r.converge(2 * time.Minute)
			settle := r.settled(90*time.Second, bus.ConsumerCompiler, bus.ConsumerIndexer)
			r.converge(10 * time.Second) // and still, once every message is acknowledged
			if d := r.dead.all(); len(d) != 0 {
				t.Errorf("%d changes parked: %+v", len(d), d)
			}
			for _, svc := range []string{compiler.Name, indexer.ServiceName} {
				if s := r.outcomeStats(svc); s.MaxAttempt > 6 {
					t.Errorf("%s: a change needed %d deliveries", svc, s.MaxAttempt)
				}
			}
			r.report(t, fmt.Sprintf("rapid-rewrites-%d", replicas), c, map[string]any{"writes": len(paths) * versions,
				"write_s": wrote.Round(10 * time.Millisecond), "settle": settle.Round(10 * time.Millisecond),
				"retries": r.logs.count("processing failed; will retry")})
		})
	}
}
