package detector

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/notification"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
)

// s3Source watches an S3-compatible store: bots are buckets <bot>.gbai (or
// <bot>.gbai/ prefixes of one bucket), found at start and every
// BotsInterval; MinIO's raw notifications (notify_jetstream.go) are the
// fast path; a prefix-scoped, paginated listing per bot and kind of
// top-level folder, every Reconcile[kind], is the truth that heals what
// notifications miss.
type s3Source struct {
	cfg   Config
	s3    *drive.S3
	js    jetstream.JetStream
	log   *slog.Logger
	allow map[string]bool

	mu      sync.Mutex
	known   map[string]bool
	lastRec map[string]map[events.Kind]time.Time
	notify  map[string]bool // buckets whose notification is configured
	copies  *copies         // notifications handled lately (notify_jetstream.go)
}

func newS3Source(cfg Config, s *drive.S3, js jetstream.JetStream, log *slog.Logger) *s3Source {
	src := &s3Source{cfg: cfg, s3: s, js: js, log: log, known: map[string]bool{},
		lastRec: map[string]map[events.Kind]time.Time{}, notify: map[string]bool{}, copies: newCopies()}
	if len(cfg.Bots) > 0 {
		src.allow = map[string]bool{}
		for _, b := range cfg.Bots {
			src.allow[b] = true
		}
	}
	return src
}

func (s *s3Source) Kind() events.Source { return events.SourceS3 }

func (s *s3Source) Stat(ctx context.Context, bot, path string) (drive.Object, error) {
	return s.s3.Stat(ctx, bot, path)
}

func (s *s3Source) allowed(bot string) bool { return s.allow == nil || s.allow[bot] }

// interval is the reconciliation period of a kind.
func (s *s3Source) interval(k events.Kind) time.Duration {
	if d, ok := s.cfg.Reconcile[k]; ok {
		return d
	}
	return s.cfg.ReconcileDefault
}

// Run discovers bots, reconciles them all once (the initial scan, which is
// also the catch-up after a restart), then consumes notifications and
// reconciles each kind on its own period.
func (s *s3Source) Run(ctx context.Context, sink Sink, scanned func()) error {
	var raw jetstream.Consumer
	if s.cfg.RawSubject != "" {
		// Before any bucket's notification is set: MinIO's publish to a
		// subject no stream holds waits for an ack that never comes,
		// holding one of its send workers for seconds.
		var err error
		if raw, err = s.rawConsumer(ctx); err != nil {
			return err
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	if raw != nil {
		g.Go(func() error { return s.consume(ctx, sink, raw) })
	}
	g.Go(func() error {
		if err := s.discover(ctx, sink); err != nil {
			return err
		}
		s.reconcileDue(ctx, sink, true)
		scanned()
		tick := s.cfg.BotsInterval
		for _, k := range events.Kinds {
			tick = min(tick, s.interval(k))
		}
		t := time.NewTicker(max(tick/2, 10*time.Millisecond))
		defer t.Stop()
		lastDiscover := time.Now()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			if time.Since(lastDiscover) >= s.cfg.BotsInterval {
				lastDiscover = time.Now()
				if err := s.discover(ctx, sink); err != nil {
					return err
				}
			}
			s.reconcileDue(ctx, sink, false)
		}
	})
	return g.Wait()
}

// discover finds new and removed bots. A failed listing changes nothing.
func (s *s3Source) discover(ctx context.Context, sink Sink) error {
	bots, err := s.s3.Bots(ctx)
	if err != nil {
		s.log.Warn("listing bots failed; keeping the known ones", "err", err)
		return nil
	}
	present := map[string]bool{}
	for _, bot := range bots {
		if !s.allowed(bot) {
			continue
		}
		present[bot] = true
		if err := s.found(ctx, sink, bot); err != nil {
			return err
		}
	}
	stored, err := sink.StoredBots(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	var gone []string
	for bot := range s.known {
		if !present[bot] {
			gone = append(gone, bot)
			delete(s.known, bot)
			delete(s.lastRec, bot)
		}
	}
	s.mu.Unlock()
	for _, bot := range stored {
		if !present[bot] && s.allowed(bot) {
			gone = append(gone, bot)
		}
	}
	for _, bot := range gone {
		if err := sink.SetPackage(ctx, bot, false, events.DetectedByReconcile); err != nil {
			return err
		}
		if err := sink.Reconcile(ctx, bot, empty, nil); err != nil {
			s.log.Warn("deleting the files of a lost bot", "bot", bot, "err", err)
		}
	}
	return nil
}

// found records a bot as present (target_found when new) and configures
// its bucket's notifications.
func (s *s3Source) found(ctx context.Context, sink Sink, bot string) error {
	s.mu.Lock()
	known := s.known[bot]
	s.known[bot] = true
	s.mu.Unlock()
	if known {
		return nil
	}
	if err := sink.SetPackage(ctx, bot, true, events.DetectedByReconcile); err != nil {
		return err
	}
	if len(s.cfg.NotifyARNs) > 0 {
		bucket, _ := s.s3.Locate(bot, "x")
		s.mu.Lock()
		done := s.notify[bucket]
		s.notify[bucket] = true
		s.mu.Unlock()
		if !done {
			if err := s.configureNotify(ctx, bucket); err != nil {
				s.log.Warn("configuring bucket notifications failed; listing still finds changes", "bucket", bucket, "err", err)
			}
		}
	}
	return nil
}

// configureNotify sets bucket to notify every target of NotifyARNs of
// object creations and removals.
func (s *s3Source) configureNotify(ctx context.Context, bucket string) error {
	var nc notification.Configuration
	for _, a := range s.cfg.NotifyARNs {
		arn, err := notification.NewArnFromString(a)
		if err != nil {
			return fmt.Errorf("notify ARN %q: %w", a, err)
		}
		qc := notification.NewConfig(arn)
		qc.AddEvents(notification.ObjectCreatedAll, notification.ObjectRemovedAll)
		nc.AddQueue(qc)
	}
	if err := s.s3.Client().SetBucketNotification(ctx, bucket, nc); err != nil {
		return fmt.Errorf("setting the notifications of bucket %s: %w", bucket, err)
	}
	return nil
}

// reconcileDue reconciles, bot by bot, the kinds whose period has passed.
func (s *s3Source) reconcileDue(ctx context.Context, sink Sink, force bool) {
	s.mu.Lock()
	var bots []string
	for bot := range s.known {
		bots = append(bots, bot)
	}
	s.mu.Unlock()
	for _, bot := range bots {
		now := time.Now()
		due := map[events.Kind]bool{}
		s.mu.Lock()
		last := s.lastRec[bot]
		for _, k := range events.Kinds {
			if force || now.Sub(last[k]) >= s.interval(k) {
				due[k] = true
			}
		}
		s.mu.Unlock()
		if len(due) == 0 {
			continue
		}
		if err := s.reconcileBot(ctx, sink, bot, due); err != nil {
			if ctx.Err() == nil {
				s.log.Warn("reconciliation incomplete; nothing deleted", "bot", bot, "err", err)
			}
			continue
		}
		s.mu.Lock()
		if s.lastRec[bot] == nil {
			s.lastRec[bot] = map[events.Kind]time.Time{}
		}
		for k := range due {
			s.lastRec[bot][k] = now
		}
		s.mu.Unlock()
	}
}

// unitKind is the kind that decides when a path is reconciled: the kind
// of its top-level folder (botpkg.FolderKind: <x>.gbkb → kb, ...), or for
// a file at the top of the package its own kind.
func unitKind(path string) events.Kind {
	top, _, nested := strings.Cut(path, "/")
	if !nested {
		return events.Classify(path).Kind
	}
	return botpkg.FolderKind(top)
}

// reconcileBot lists the due parts of a bot's package, each top-level
// folder with its own prefix-scoped, paginated listing, and diffs them
// against the state.
func (s *s3Source) reconcileBot(ctx context.Context, sink Sink, bot string, due map[events.Kind]bool) error {
	listing := s.listing(ctx, bot, due)
	return sink.Reconcile(ctx, bot, listing, func(p string) bool { return due[unitKind(p)] })
}

func (s *s3Source) listing(ctx context.Context, bot string, due map[events.Kind]bool) iter.Seq2[drive.Object, error] {
	return func(yield func(drive.Object, error) bool) {
		bucket, pkgPrefix := s.s3.Locate(bot, "")
		var folders []string
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for o := range s.s3.Client().ListObjects(lctx, bucket, minio.ListObjectsOptions{Prefix: pkgPrefix, Recursive: false}) {
			if o.Err != nil {
				yield(drive.Object{}, fmt.Errorf("listing bucket %s: %w", bucket, o.Err))
				return
			}
			rel := strings.TrimPrefix(o.Key, pkgPrefix)
			if strings.HasSuffix(rel, "/") {
				if top := strings.TrimSuffix(rel, "/"); due[botpkg.FolderKind(top)] {
					folders = append(folders, rel)
				}
				continue
			}
			if !due[unitKind(rel)] {
				continue
			}
			if _, err := events.CleanPath(rel); err != nil {
				if !yield(drive.Object{}, fmt.Errorf("bot %s: key %q: %w", bot, o.Key, err)) {
					return
				}
				continue
			}
			obj := drive.Object{Bot: bot, Path: rel, ETag: strings.Trim(o.ETag, `"`), Size: o.Size, MTime: o.LastModified.UnixMilli()}
			if !yield(obj, nil) {
				return
			}
		}
		for _, f := range folders {
			for obj, err := range s.s3.List(ctx, bot, f) {
				if !yield(obj, err) {
					return
				}
				if err != nil && !isBadPath(err) {
					return
				}
			}
		}
	}
}
