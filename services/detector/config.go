package detector

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/notification"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/host"
)

// Config is the detector's setup. The zero value plus Dir or S3.Endpoint is
// a working configuration; WithDefaults fills the rest.
type Config struct {
	// Dir is a local folder holding one <bot>.gbai folder per bot ("":
	// no folder source). It need not exist yet.
	Dir string
	// Settle is how long a path must stay quiet before it is looked at
	// (an editor's save storm becomes one event), and the window within
	// which a rename's two ends pair into a move. Default 50 ms.
	Settle time.Duration
	// MaxSettle bounds how long a path that never stays quiet (a log
	// appended continuously, a file rewritten every few milliseconds)
	// waits: it is looked at least this often while it changes. At least
	// Settle; default 10 × Settle.
	MaxSettle time.Duration
	// Rescan is the period of the folder's full reconciliation against the
	// state. Default 5 minutes.
	Rescan time.Duration
	// RootPoll is how often a missing folder root is looked for. Default
	// 250 ms.
	RootPoll time.Duration
	// Ignore lists base-name patterns (path.Match syntax) never reported.
	// Default DefaultIgnore.
	Ignore []string
	// IgnorePaths lists folders never watched nor reported (drivemon's own
	// data folder when it lies inside Dir).
	IgnorePaths []string

	// S3 reaches the object store ("" endpoint: no S3 source).
	S3 drive.S3Config
	// BotsInterval is how often the S3 source looks for new or removed
	// bots. Default 30 s.
	BotsInterval time.Duration
	// Reconcile is the listing period per kind of top-level folder
	// (<x>.gbkb → kb, <x>.gbdialog → dialog, ...); kinds not in the map
	// use ReconcileDefault (default 5 minutes).
	Reconcile        map[events.Kind]time.Duration
	ReconcileDefault time.Duration
	// RawSubject is where MinIO's NATS targets publish raw S3 events: on
	// it or below it (raw.s3.fast, raw.s3.durable) ("": no push path,
	// listing only). Default "raw.s3" when S3 is set.
	RawSubject string
	// RawStream and RawConsumer name the stream holding raw events and the
	// durable consumer the detectors share. Defaults RAW and detector-raw.
	RawStream, RawConsumer string
	// NotifyARNs, when set, makes the detector configure every bot bucket
	// it discovers to notify these targets (arn:minio:sqs::<id>:nats),
	// once the RAW stream exists. It replaces the bucket's notification
	// configuration. The intended pair is a fast target (no queue
	// directory: milliseconds, lossy while NATS is away) and a durable
	// one (queue directory: lossless, ~3 s late); the second copy of each
	// event is recognised and skipped (see notify_jetstream.go).
	NotifyARNs []string
	// Bots, when set, restricts the S3 source to these bots.
	Bots []string

	// StateBucket is the JetStream KV bucket of per-file state. Default
	// DefaultStateBucket.
	StateBucket string
	// InFlight bounds the changes being published at once (one per
	// shard). Default 32.
	InFlight int
	// RetryMin and RetryMax bound the backoff while NATS is unreachable;
	// AckTimeout bounds the wait for one publish acknowledgement.
	// Defaults 50 ms, 2 s, 5 s.
	RetryMin, RetryMax, AckTimeout time.Duration
}

// DefaultIgnore are editor and system temporary files.
var DefaultIgnore = []string{"*.swp", "*.swx", "*.swpx", "*~", ".#*", "#*#", "4913", ".DS_Store", "*.tmp", ".goutputstream-*"}

// Defaults of the settings with a variable.
const (
	DefaultSettle       = 50 * time.Millisecond
	DefaultRescan       = 5 * time.Minute
	DefaultBotsInterval = 30 * time.Second
	DefaultReconcile    = 5 * time.Minute
)

// WithDefaults returns c with every unset setting at its default.
func (c Config) WithDefaults() Config {
	set := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	set(&c.Settle, DefaultSettle)
	set(&c.MaxSettle, 10*c.Settle)
	set(&c.Rescan, DefaultRescan)
	set(&c.RootPoll, 250*time.Millisecond)
	set(&c.BotsInterval, DefaultBotsInterval)
	set(&c.ReconcileDefault, DefaultReconcile)
	set(&c.RetryMin, 50*time.Millisecond)
	set(&c.RetryMax, 2*time.Second)
	set(&c.AckTimeout, 5*time.Second)
	if c.Ignore == nil {
		c.Ignore = DefaultIgnore
	}
	if c.S3.Endpoint != "" && c.RawSubject == "" {
		c.RawSubject = "raw.s3"
	}
	if c.RawStream == "" {
		c.RawStream = "RAW"
	}
	if c.RawConsumer == "" {
		c.RawConsumer = "detector-raw"
	}
	if c.StateBucket == "" {
		c.StateBucket = DefaultStateBucket
	}
	if c.InFlight == 0 {
		c.InFlight = 32
	}
	return c
}

// Validate names the first bad setting.
func (c Config) Validate() error {
	if c.Dir == "" && c.S3.Endpoint == "" {
		return errors.New("detector: nothing to watch: set Dir (DRIVEMON_DIR) and/or S3.Endpoint (DRIVEMON_S3_ENDPOINT)")
	}
	if c.S3.Endpoint != "" {
		if err := c.S3.Validate(); err != nil {
			return fmt.Errorf("detector: %s: %w", EnvS3Endpoint, err)
		}
	}
	for name, d := range map[string]time.Duration{"Settle (" + EnvSettle + ")": c.Settle, "Rescan (" + EnvRescan + ")": c.Rescan, "RootPoll": c.RootPoll,
		"BotsInterval (" + EnvBotsInterval + ")": c.BotsInterval, "ReconcileDefault (" + EnvReconcile + " default=)": c.ReconcileDefault,
		"RetryMin": c.RetryMin, "RetryMax": c.RetryMax, "AckTimeout": c.AckTimeout} {
		if d < 0 {
			return fmt.Errorf("detector: %s is negative (%s)", name, d)
		}
	}
	for k, d := range c.Reconcile {
		if d <= 0 {
			return fmt.Errorf("detector: Reconcile[%s] (%s) must be positive, is %s", k, EnvReconcile, d)
		}
		if !knownKind(k) {
			return fmt.Errorf("detector: Reconcile (%s) has unknown kind %q (kinds: %v)", EnvReconcile, k, events.Kinds)
		}
	}
	for _, p := range c.Ignore {
		if _, err := filepath.Match(p, ""); err != nil {
			return fmt.Errorf("detector: Ignore pattern (%s) %q: %w", EnvIgnore, p, err)
		}
	}
	for _, a := range c.NotifyARNs {
		if _, err := notification.NewArnFromString(a); err != nil {
			return fmt.Errorf("detector: NotifyARNs (%s) %q is not a MinIO target ARN (arn:minio:sqs::<id>:nats): %w", EnvNotifyARN, a, err)
		}
	}
	for _, b := range c.Bots {
		if err := events.ValidBot(b); err != nil {
			return fmt.Errorf("detector: Bots (%s): %w", EnvBots, err)
		}
	}
	if c.MaxSettle < c.Settle {
		return fmt.Errorf("detector: MaxSettle (%s) %s is shorter than Settle %s", EnvMaxSettle, c.MaxSettle, c.Settle)
	}
	if c.InFlight < 0 {
		return fmt.Errorf("detector: InFlight is negative (%d)", c.InFlight)
	}
	return nil
}

func knownKind(k events.Kind) bool {
	for _, x := range events.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Environment variables read by FromEnv.
const (
	EnvDir          = "DRIVEMON_DIR"
	EnvSettle       = "DRIVEMON_DETECTOR_SETTLE"
	EnvMaxSettle    = "DRIVEMON_DETECTOR_MAX_SETTLE"
	EnvRescan       = "DRIVEMON_DETECTOR_RESCAN"
	EnvIgnore       = "DRIVEMON_DETECTOR_IGNORE"       // comma-separated patterns, replacing the defaults
	EnvIgnorePaths  = "DRIVEMON_DETECTOR_IGNORE_PATHS" // comma-separated folders
	EnvS3Endpoint   = "DRIVEMON_S3_ENDPOINT"
	EnvS3AccessKey  = "DRIVEMON_S3_ACCESS_KEY"
	EnvS3SecretKey  = "DRIVEMON_S3_SECRET_KEY"
	EnvS3Region     = "DRIVEMON_S3_REGION"
	EnvS3Secure     = "DRIVEMON_S3_SECURE"
	EnvS3Bucket     = "DRIVEMON_S3_BUCKET" // one bucket with <bot>.gbai/ prefixes
	EnvBotsInterval = "DRIVEMON_S3_BOTS_INTERVAL"
	EnvReconcile    = "DRIVEMON_S3_RECONCILE" // "kb=10m,dialog=1m,default=5m"
	EnvRawSubject   = "DRIVEMON_S3_RAW_SUBJECT"
	EnvNotifyARN    = "DRIVEMON_S3_NOTIFY_ARN" // comma-separated
	EnvBots         = "DRIVEMON_S3_BOTS"       // comma-separated
	EnvStateBucket  = "DRIVEMON_DETECTOR_STATE_BUCKET"
)

// Settings are the detector's own settings, as flags and variables
// (host.CommonSettings hold the storage ones it watches).
var Settings = settings(new(Config))

// settings is the table of the detector's own settings, storing into c.
// Max settle (10 × settle), the ignore patterns and the raw subject
// (raw.s3 when S3 is set) have defaults computed by WithDefaults.
func settings(c *Config) []host.Setting {
	return []host.Setting{
		{Env: EnvSettle, Flag: "settle", Usage: "quiet time before a path is looked at", Default: host.DurationText(DefaultSettle), Dest: host.Duration(&c.Settle)},
		{Env: EnvMaxSettle, Flag: "max-settle", Usage: "longest wait of a path that keeps changing: it is looked at least this often (default 10 × settle)", Dest: host.Duration(&c.MaxSettle)},
		{Env: EnvRescan, Flag: "rescan", Usage: "period of the folder's full reconciliation", Default: host.DurationText(DefaultRescan), Dest: host.Duration(&c.Rescan)},
		{Env: EnvIgnore, Flag: "ignore", Usage: "comma-separated base-name patterns never reported (replaces the defaults: editor and system temporary files)", Dest: host.Words(&c.Ignore)},
		{Env: EnvIgnorePaths, Flag: "ignore-paths", Usage: "comma-separated folders never watched nor reported", Dest: host.Words(&c.IgnorePaths)},
		{Env: EnvStateBucket, Flag: "state-bucket", Usage: "JetStream KV bucket of the per-file state", Default: DefaultStateBucket, Dest: host.String(&c.StateBucket)},
		{Env: EnvBotsInterval, Flag: "s3-bots-interval", Usage: "how often S3 is listed for new or removed bots", Default: host.DurationText(DefaultBotsInterval), Dest: host.Duration(&c.BotsInterval)},
		{Env: EnvReconcile, Flag: "s3-reconcile", Usage: "S3 listing period per kind, e.g. kb=10m,dialog=1m,default=5m", Default: "default=" + host.DurationText(DefaultReconcile), Dest: reconcile{c}},
		{Env: EnvRawSubject, Flag: "s3-raw-subject", Usage: "subject MinIO's NATS targets publish on or below, e.g. raw.s3.fast (default raw.s3 when S3 is set)", Dest: host.String(&c.RawSubject)},
		{Env: EnvNotifyARN, Flag: "s3-notify-arn", Usage: "comma-separated MinIO targets every bot bucket found is set to notify, e.g. arn:minio:sqs::FAST:nats,arn:minio:sqs::DURABLE:nats", Dest: host.Words(&c.NotifyARNs)},
		{Env: EnvBots, Flag: "s3-bots", Usage: "comma-separated bots the S3 source is limited to (default all)", Dest: host.Words(&c.Bots)},
	}
}

// storage is the shared storage settings (host.CommonSettings) the
// detector watches, storing into c.
func storage(c *Config) []host.Setting {
	return []host.Setting{
		{Env: EnvDir, Dest: host.String(&c.Dir)},
		{Env: EnvS3Endpoint, Dest: host.String(&c.S3.Endpoint)},
		{Env: EnvS3AccessKey, Dest: host.String(&c.S3.AccessKey)},
		{Env: EnvS3SecretKey, Dest: host.String(&c.S3.SecretKey)},
		{Env: EnvS3Region, Dest: host.String(&c.S3.Region)},
		{Env: EnvS3Secure, Dest: host.Bool(&c.S3.Secure)},
		{Env: EnvS3Bucket, Dest: host.String(&c.S3.Bucket)},
	}
}

// reconcile is the Value of DRIVEMON_S3_RECONCILE: kind=duration pairs,
// "default" for the kinds not named.
type reconcile struct{ c *Config }

func (r reconcile) Set(s string) error {
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		d, err := time.ParseDuration(v)
		if !ok || err != nil {
			return fmt.Errorf("%q is not kind=duration", kv)
		}
		if k == "default" {
			r.c.ReconcileDefault = d
			continue
		}
		if r.c.Reconcile == nil {
			r.c.Reconcile = map[events.Kind]time.Duration{}
		}
		r.c.Reconcile[events.Kind(k)] = d
	}
	return nil
}

// FromEnv reads a Config from the variables of Settings and of the shared
// storage settings through getenv (the environment with the flags in
// front), with defaults for what is unset.
func FromEnv(getenv func(string) string) (Config, error) {
	var c Config
	lookup := func(k string) (string, bool) { v := getenv(k); return v, v != "" }
	if err := host.Load("detector config", append(settings(&c), storage(&c)...), lookup); err != nil {
		return c, err
	}
	c = c.WithDefaults()
	return c, c.Validate()
}
