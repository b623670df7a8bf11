package host

import (
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/drivemon/drivemon/pkg/drive"
)

// Lookup reads one environment variable (os.LookupEnv in production).
type Lookup func(string) (string, bool)

// Environment variables shared by every service.
const (
	EnvNATSURL     = "DRIVEMON_NATS_URL"
	EnvHTTPAddr    = "DRIVEMON_HTTP_ADDR"
	EnvLogLevel    = "DRIVEMON_LOG_LEVEL"
	EnvLogFormat   = "DRIVEMON_LOG_FORMAT"
	EnvDir         = "DRIVEMON_DIR"
	EnvS3Endpoint  = "DRIVEMON_S3_ENDPOINT"
	EnvS3AccessKey = "DRIVEMON_S3_ACCESS_KEY"
	EnvS3SecretKey = "DRIVEMON_S3_SECRET_KEY"
	EnvS3Region    = "DRIVEMON_S3_REGION"
	EnvS3Secure    = "DRIVEMON_S3_SECURE"
	EnvS3Bucket    = "DRIVEMON_S3_BUCKET"
	// EnvStreamReplicas: replicas of every stream and KV bucket (3 on a
	// three-node JetStream cluster).
	EnvStreamReplicas = "DRIVEMON_STREAM_REPLICAS"
)

// MaxStreamReplicas is JetStream's limit of replicas per stream.
const MaxStreamReplicas = 5

// DefaultNATSURL is where services look for NATS by default.
const DefaultNATSURL = "nats://127.0.0.1:4222"

// Common holds the settings every service shares.
type Common struct {
	Name      string
	NATSURL   string
	HTTPAddr  string
	LogLevel  slog.Level
	LogFormat string
	// Dir or S3 names the storage (Dir wins when both are set).
	Dir string
	S3  drive.S3Config
	// StreamReplicas is the least replicas of every stream and KV bucket
	// drivemon creates (1–5; bus.WithReplicas).
	StreamReplicas int
}

// LoadCommon reads the shared settings (CommonSettings), with httpAddr
// as the service's default listen address.
func LoadCommon(name, httpAddr string, env Lookup) (Common, error) {
	c := Common{Name: name, HTTPAddr: httpAddr}
	if err := Load("", commonSettings(&c), env); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// logLevel is the Value of DRIVEMON_LOG_LEVEL.
type logLevel struct{ p *slog.Level }

func (l logLevel) Set(s string) error {
	if err := l.p.UnmarshalText([]byte(s)); err != nil {
		return errors.New("want debug, info, warn or error")
	}
	return nil
}

// Validate names the first bad setting.
func (c Common) Validate() error {
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return fmt.Errorf("%s=%q: want host:port", EnvHTTPAddr, c.HTTPAddr)
	}
	if c.StreamReplicas < 1 || c.StreamReplicas > MaxStreamReplicas {
		return fmt.Errorf("%s=%d: want 1 to %d (JetStream's limit)", EnvStreamReplicas, c.StreamReplicas, MaxStreamReplicas)
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		return fmt.Errorf("%s=%q: want json or text", EnvLogFormat, c.LogFormat)
	}
	if c.Dir == "" && c.S3.Endpoint == "" {
		return errors.New("no storage: set " + EnvDir + " (a folder of <bot>.gbai packages) or " + EnvS3Endpoint)
	}
	if c.Dir == "" {
		if err := c.S3.Validate(); err != nil {
			return fmt.Errorf("%s: %w", EnvS3Endpoint, err)
		}
	}
	return nil
}

// Storage is everything the services need of a storage.
type Storage interface {
	drive.Storage
	drive.Writer
}

// OpenStorage opens the configured storage.
func (c Common) OpenStorage() (Storage, error) {
	if c.Dir != "" {
		return drive.NewDir(c.Dir), nil
	}
	return drive.NewS3(c.S3)
}

// Logger returns the logger of the configured level and format. It carries
// no "service" attribute: each service adds its own.
func (c Common) Logger(w interface{ Write([]byte) (int, error) }) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if c.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h)
}
