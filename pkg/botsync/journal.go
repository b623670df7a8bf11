package botsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// Journal is REMOTE's change feed: what changed, in order, each change
// with a sequence that only grows (the cursor).
type Journal interface {
	// Bounds are the oldest sequence kept and the latest.
	Bounds(ctx context.Context) (first, last uint64, err error)
	// Follow calls fn with each change after sequence after, in order,
	// until ctx ends (nil) or the feed fails.
	Follow(ctx context.Context, after uint64, fn func(RemoteChange)) error
}

// RemoteChange is one change of REMOTE: the paths it touched (a move's
// two) relative to REMOTE.
type RemoteChange struct {
	Seq   uint64
	Paths []string
}

// DriveJournal is the DRIVE stream, where the detector publishes every
// change of a bot's bucket: the changes of one bot seen in S3, narrowed
// to REMOTE's prefix inside the package.
type DriveJournal struct {
	js    jetstream.JetStream
	bot   string
	inner string // REMOTE's folder inside the package: "" or ending in "/"
	log   *slog.Logger
}

// NewDriveJournal is the journal of REMOTE, which must be a bot package
// or a folder of one: s3://<bot>.gbai[/<folder>] or
// s3://<bucket>/<bot>.gbai[/<folder>], as the detector finds bots.
func NewDriveJournal(js jetstream.JetStream, remote *S3Tree, log *slog.Logger) (*DriveJournal, error) {
	bot, inner, ok := remote.Package()
	if !ok {
		return nil, fmt.Errorf("%s is not in a bot package (want s3://<bot>.gbai[/<folder>] or s3://<bucket>/<bot>.gbai[/<folder>]), so the DRIVE stream cannot say what changed in it", remote)
	}
	return &DriveJournal{js: js, bot: bot, inner: inner, log: log}, nil
}

// Package is the bot REMOTE belongs to and REMOTE's folder inside its
// package ("" or ending in "/").
func (t *S3Tree) Package() (bot, inner string, ok bool) {
	if bot, ok := events.BotFromPackage(t.bucket); ok {
		return bot, t.prefix, true
	}
	first, rest, _ := strings.Cut(t.prefix, "/")
	if bot, ok := events.BotFromPackage(first); ok {
		return bot, rest, true
	}
	return "", "", false
}

// Bounds implements Journal.
func (j *DriveJournal) Bounds(ctx context.Context) (uint64, uint64, error) {
	s, err := j.js.Stream(ctx, events.StreamDrive)
	if err != nil {
		return 0, 0, fmt.Errorf("reading the %s stream: %w", events.StreamDrive, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("reading the %s stream: %w", events.StreamDrive, err)
	}
	return info.State.FirstSeq, info.State.LastSeq, nil
}

// Follow implements Journal. Changes seen in a folder (a detector may also
// watch one holding a bot of the same name) are not REMOTE's.
func (j *DriveJournal) Follow(ctx context.Context, after uint64, fn func(RemoteChange)) error {
	cons, err := j.js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.FilterBot(j.bot)},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    after + 1,
	})
	if err != nil {
		return fmt.Errorf("following %s of bot %s: %w", events.StreamDrive, j.bot, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("following %s of bot %s: %w", events.StreamDrive, j.bot, err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return fmt.Errorf("following %s of bot %s: %w", events.StreamDrive, j.bot, err)
		}
		c, err := bus.Decode(m)
		if err != nil {
			j.log.Warn("skipping an unreadable change", "err", err)
			continue
		}
		rc := RemoteChange{Seq: c.Seq}
		for _, p := range []string{c.Path, c.From} {
			if c.Source != events.SourceS3 {
				break
			}
			if rel, ok := strings.CutPrefix(p, j.inner); ok && p != "" && rel != "" {
				rc.Paths = append(rc.Paths, rel)
			}
		}
		fn(rc) // with no path: still moves the cursor
	}
}
