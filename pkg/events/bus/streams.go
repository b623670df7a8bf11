package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
)

// StreamOptions tunes the streams; the zero value gives the defaults.
type StreamOptions struct {
	// Replicas per stream (1 on a single server; 3 in a cluster).
	Replicas int
	// Memory keeps the streams in memory instead of files (tests only).
	Memory bool
	// Duplicates is the window within which a Nats-Msg-Id is stored once.
	Duplicates time.Duration
	// DriveHistory is how many changes per file DRIVE keeps. The latest
	// change of every file is always kept (no age limit), so a replay of
	// DRIVE rebuilds the full current state.
	DriveHistory int64
	// OutcomesMaxAge and DeadMaxAge bound how long outcomes and dead letters
	// are kept.
	OutcomesMaxAge time.Duration
	DeadMaxAge     time.Duration
}

// Defaults of StreamOptions.
const (
	DefaultDuplicates     = 2 * time.Minute
	DefaultDriveHistory   = 16
	DefaultOutcomesMaxAge = 7 * 24 * time.Hour
	DefaultDeadMaxAge     = 30 * 24 * time.Hour
)

func (o StreamOptions) withDefaults() StreamOptions {
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.Duplicates == 0 {
		o.Duplicates = DefaultDuplicates
	}
	if o.DriveHistory == 0 {
		o.DriveHistory = DefaultDriveHistory
	}
	if o.OutcomesMaxAge == 0 {
		o.OutcomesMaxAge = DefaultOutcomesMaxAge
	}
	if o.DeadMaxAge == 0 {
		o.DeadMaxAge = DefaultDeadMaxAge
	}
	return o
}

// Streams returns the definitions of DRIVE, OUTCOMES and DEAD.
func Streams(o StreamOptions) []jetstream.StreamConfig {
	o = o.withDefaults()
	storage := jetstream.FileStorage
	if o.Memory {
		storage = jetstream.MemoryStorage
	}
	return []jetstream.StreamConfig{
		{
			Name:              events.StreamDrive,
			Description:       "Changes to bot packages: drive.<bot>.<kind>.<path-token>",
			Subjects:          []string{events.DrivePrefix + ".>"},
			Retention:         jetstream.LimitsPolicy,
			Storage:           storage,
			Replicas:          o.Replicas,
			Duplicates:        o.Duplicates,
			MaxMsgsPerSubject: o.DriveHistory,
			Discard:           jetstream.DiscardOld,
		},
		{
			Name:        events.StreamOutcomes,
			Description: "What each service did with each change: outcome.<service>.<bot>",
			Subjects:    []string{events.OutcomePrefix + ".>"},
			Retention:   jetstream.LimitsPolicy,
			Storage:     storage,
			Replicas:    o.Replicas,
			Duplicates:  o.Duplicates,
			MaxAge:      o.OutcomesMaxAge,
			Discard:     jetstream.DiscardOld,
		},
		{
			Name:        events.StreamDead,
			Description: "Messages a consumer gave up on: dead.<consumer>.<original subject>",
			Subjects:    []string{events.DeadPrefix + ".>"},
			Retention:   jetstream.LimitsPolicy,
			Storage:     storage,
			Replicas:    o.Replicas,
			Duplicates:  o.Duplicates,
			MaxAge:      o.DeadMaxAge,
			Discard:     jetstream.DiscardOld,
		},
	}
}

// StreamCreator is the part of jetstream.JetStream EnsureStreams needs.
type StreamCreator interface {
	Stream(ctx context.Context, name string) (jetstream.Stream, error)
	CreateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error)
	CreateOrUpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error)
}

// EnsureStreams creates the streams, or updates one whose settings differ
// from Streams(o); safe to call from every process at every start. A stream
// already as defined is left alone: a needless update rewrites the store's
// configuration while other clients create consumers on it. Replicas are
// at least o.Replicas and what WithReplicas put in ctx, and never scaled
// down.
func EnsureStreams(ctx context.Context, js StreamCreator, o StreamOptions) error {
	for _, want := range Streams(o) {
		if _, err := EnsureStream(ctx, js, want); err != nil {
			return err
		}
	}
	return nil
}

// EnsureStream returns the stream want defines, creating it, or updating
// it only when its settings differ. Every drivemon stream (and KV bucket,
// see EnsureKeyValue) is opened this way: an update rewrites the stream's
// store configuration, and nats-server races that against consumers being
// created at the same moment by other clients. So a missing stream is
// created with a create-only request (CreateOrUpdateStream would send an
// update first, which lands as one when another process created the
// stream in between), and only a stream found with other settings is
// updated.
func EnsureStream(ctx context.Context, js StreamCreator, want jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		create := want
		create.Replicas = replicas(ctx, want.Replicas, 0)
		s, err = js.CreateStream(ctx, create)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return nil, fmt.Errorf("creating stream %s: %w", want.Name, err)
		}
		s, err = js.Stream(ctx, want.Name) // created meanwhile, otherwise
	}
	if err != nil {
		return nil, fmt.Errorf("looking up stream %s: %w", want.Name, err)
	}
	want.Replicas = replicas(ctx, want.Replicas, s.CachedInfo().Config.Replicas)
	if sameStream(s.CachedInfo().Config, want) {
		return s, nil
	}
	s, err = js.CreateOrUpdateStream(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("updating stream %s: %w", want.Name, err)
	}
	return s, nil
}

// KVEnsurer is the part of jetstream.JetStream EnsureKeyValue needs.
type KVEnsurer interface {
	KeyValue(ctx context.Context, bucket string) (jetstream.KeyValue, error)
	CreateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error)
	CreateOrUpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error)
}

// EnsureKeyValue returns the KV bucket want defines, creating it (create
// only, as EnsureStream does), or updating it only when its history, TTL,
// storage, description or replicas differ (replicas as EnsureStream).
func EnsureKeyValue(ctx context.Context, js KVEnsurer, want jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, want.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		create := want
		create.Replicas = replicas(ctx, want.Replicas, 0)
		kv, err = js.CreateKeyValue(ctx, create)
		if err == nil {
			return kv, nil
		}
		if !errors.Is(err, jetstream.ErrBucketExists) {
			return nil, fmt.Errorf("creating KV bucket %s: %w", want.Bucket, err)
		}
		kv, err = js.KeyValue(ctx, want.Bucket) // created meanwhile, otherwise
	}
	if err != nil {
		return nil, fmt.Errorf("looking up KV bucket %s: %w", want.Bucket, err)
	}
	want.Replicas = replicas(ctx, want.Replicas, bucketReplicas(ctx, kv))
	if same, serr := sameBucket(ctx, kv, want); serr == nil && same {
		return kv, nil
	}
	kv, err = js.CreateOrUpdateKeyValue(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("updating KV bucket %s: %w", want.Bucket, err)
	}
	return kv, nil
}

// bucketReplicas is the replicas of an existing bucket, 0 when unknown.
func bucketReplicas(ctx context.Context, kv jetstream.KeyValue) int {
	st, err := kv.Status(ctx)
	if err != nil {
		return 0
	}
	if info, ok := st.(interface{ StreamInfo() *jetstream.StreamInfo }); ok {
		return info.StreamInfo().Config.Replicas
	}
	return 0
}

func sameBucket(ctx context.Context, kv jetstream.KeyValue, want jetstream.KeyValueConfig) (bool, error) {
	st, err := kv.Status(ctx)
	if err != nil {
		return false, err
	}
	info, ok := st.(interface{ StreamInfo() *jetstream.StreamInfo })
	if !ok {
		return false, nil
	}
	cfg := info.StreamInfo().Config
	return st.History() == int64(max(want.History, 1)) && st.TTL() == want.TTL &&
		cfg.Storage == want.Storage && cfg.Description == want.Description &&
		cfg.Replicas == max(want.Replicas, 1), nil
}

// sameStream compares the settings Streams defines (the server reports an
// unset limit as -1).
func sameStream(got, want jetstream.StreamConfig) bool {
	return got.Description == want.Description && slices.Equal(got.Subjects, want.Subjects) &&
		got.Retention == want.Retention && got.Storage == want.Storage && got.Replicas == want.Replicas &&
		got.Duplicates == want.Duplicates && max(got.MaxMsgsPerSubject, 0) == max(want.MaxMsgsPerSubject, 0) &&
		got.MaxAge == want.MaxAge && got.Discard == want.Discard
}

// Consumer delivery defaults: a message is tried MaxDeliver times, with
// backoff between tries (see worker), then parked on the DEAD stream.
const (
	DefaultAckWait       = 30 * time.Second
	DefaultMaxDeliver    = 10
	DefaultMaxAckPending = 256
)

// WorkQueueConsumer defines a durable pull consumer on DRIVE shared by every
// replica of a service: each change goes to one replica, is acknowledged
// only after it was processed, and is redelivered otherwise.
func WorkQueueConsumer(durable string, filters ...string) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        durable,
		Description:    "drivemon work queue " + durable,
		FilterSubjects: filters,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        DefaultAckWait,
		MaxDeliver:     DefaultMaxDeliver,
		MaxAckPending:  DefaultMaxAckPending,
	}
}

// The durable consumers of the services, by name.
const (
	ConsumerCompiler = "compiler"
	ConsumerIndexer  = "indexer"
)

// CompilerConsumer is the compiler's work queue: dialogs and configs, and
// KB documents, from which it learns which knowledge bases a bot has.
func CompilerConsumer() jetstream.ConsumerConfig {
	return WorkQueueConsumer(ConsumerCompiler, events.FilterKind(events.KindDialog), events.FilterKind(events.KindConfig),
		events.FilterKind(events.KindKB))
}

// IndexerConsumer is the indexer's work queue: knowledge-base documents.
func IndexerConsumer() jetstream.ConsumerConfig {
	return WorkQueueConsumer(ConsumerIndexer, events.FilterKind(events.KindKB))
}
