package themer

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/drivemon/drivemon/pkg/host"
)

// Config is the themer's setup. The zero value of a field means its default
// (see Defaults); Validate names the first bad setting.
type Config struct {
	// Heartbeat is the interval of the comment lines that keep idle streams
	// open through proxies: at most 15 s.
	Heartbeat time.Duration
	// ClientBuffer is how many events may wait for one client; a client
	// that falls further behind is dropped.
	ClientBuffer int
	// MaxConns bounds the open streams of this replica (503 beyond);
	// MaxConnsPerIP those of one client address (429 beyond).
	MaxConns      int
	MaxConnsPerIP int
	// WriteTimeout bounds one write to a client; a client that does not
	// take its bytes in that time is disconnected.
	WriteTimeout time.Duration
	// Retry is the reconnection delay sent to clients (the SSE retry:
	// field), at connect and at shutdown.
	Retry time.Duration
	// ReadyWait is how long a new stream waits for the replica to finish
	// its start-up replay of DRIVE before it is refused with 503.
	ReadyWait time.Duration
	// ReadTimeout bounds one storage read of a theme file.
	ReadTimeout time.Duration
	// MaxFileBytes is the largest theme file served.
	MaxFileBytes int64
	// ReplayLimit is the most changes replayed for one resume; beyond it
	// the client gets a snapshot. ReplayTimeout bounds that replay.
	ReplayLimit   int
	ReplayTimeout time.Duration
}

// Defaults of Config.
const (
	DefaultHeartbeat     = 15 * time.Second
	MaxHeartbeat         = 15 * time.Second
	DefaultClientBuffer  = 32
	DefaultMaxConns      = 10000
	DefaultMaxConnsPerIP = 64
	DefaultWriteTimeout  = 10 * time.Second
	DefaultRetry         = 2 * time.Second
	DefaultReadyWait     = 10 * time.Second
	DefaultReadTimeout   = 10 * time.Second
	DefaultMaxFileBytes  = 8 << 20
	DefaultReplayLimit   = 1000
	DefaultReplayTimeout = 10 * time.Second
)

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	setDur(&c.Heartbeat, DefaultHeartbeat)
	setInt(&c.ClientBuffer, DefaultClientBuffer)
	setInt(&c.MaxConns, DefaultMaxConns)
	setInt(&c.MaxConnsPerIP, DefaultMaxConnsPerIP)
	setDur(&c.WriteTimeout, DefaultWriteTimeout)
	setDur(&c.Retry, DefaultRetry)
	setDur(&c.ReadyWait, DefaultReadyWait)
	setDur(&c.ReadTimeout, DefaultReadTimeout)
	if c.MaxFileBytes == 0 {
		c.MaxFileBytes = DefaultMaxFileBytes
	}
	setInt(&c.ReplayLimit, DefaultReplayLimit)
	setDur(&c.ReplayTimeout, DefaultReplayTimeout)
	return c
}

func setDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

func setInt(n *int, def int) {
	if *n == 0 {
		*n = def
	}
}

// Validate checks a Config after WithDefaults.
func (c Config) Validate() error {
	switch {
	case c.Heartbeat <= 0 || c.Heartbeat > MaxHeartbeat:
		return fmt.Errorf("themer: Heartbeat (%s) %s must be in (0, %s]", EnvHeartbeat, c.Heartbeat, MaxHeartbeat)
	case c.ClientBuffer < 1:
		return fmt.Errorf("themer: ClientBuffer (%s) %d must be at least 1", EnvClientBuffer, c.ClientBuffer)
	case c.MaxConns < 1:
		return fmt.Errorf("themer: MaxConns (%s) %d must be at least 1", EnvMaxConns, c.MaxConns)
	case c.MaxConnsPerIP < 1 || c.MaxConnsPerIP > c.MaxConns:
		return fmt.Errorf("themer: MaxConnsPerIP (%s) %d must be in [1, MaxConns=%d]", EnvMaxConnsPerIP, c.MaxConnsPerIP, c.MaxConns)
	case c.WriteTimeout <= 0:
		return fmt.Errorf("themer: WriteTimeout (%s) %s must be positive", EnvWriteTimeout, c.WriteTimeout)
	case c.Retry <= 0:
		return fmt.Errorf("themer: Retry (%s) %s must be positive", EnvRetry, c.Retry)
	case c.ReadyWait <= 0:
		return fmt.Errorf("themer: ReadyWait (%s) %s must be positive", EnvReadyWait, c.ReadyWait)
	case c.ReadTimeout <= 0:
		return fmt.Errorf("themer: ReadTimeout %s must be positive", c.ReadTimeout)
	case c.MaxFileBytes < 1:
		return fmt.Errorf("themer: MaxFileBytes (%s) %d must be at least 1", EnvMaxFileBytes, c.MaxFileBytes)
	case c.ReplayLimit < 1:
		return fmt.Errorf("themer: ReplayLimit (%s) %d must be at least 1", EnvReplayLimit, c.ReplayLimit)
	case c.ReplayTimeout <= 0:
		return fmt.Errorf("themer: ReplayTimeout %s must be positive", c.ReplayTimeout)
	}
	return nil
}

// Environment variables read by FromEnv.
const (
	EnvHeartbeat     = "THEMER_HEARTBEAT"
	EnvClientBuffer  = "THEMER_CLIENT_BUFFER"
	EnvMaxConns      = "THEMER_MAX_CONNS"
	EnvMaxConnsPerIP = "THEMER_MAX_CONNS_PER_IP"
	EnvWriteTimeout  = "THEMER_WRITE_TIMEOUT"
	EnvRetry         = "THEMER_RETRY"
	EnvReadyWait     = "THEMER_READY_WAIT"
	EnvMaxFileBytes  = "THEMER_MAX_FILE_BYTES"
	EnvReplayLimit   = "THEMER_REPLAY_LIMIT"
)

// Settings are the themer's own settings, as flags and variables.
var Settings = settings(new(Config))

// settings is the table of the themer's settings, storing into c.
func settings(c *Config) []host.Setting {
	return []host.Setting{
		{Env: EnvHeartbeat, Flag: "heartbeat", Usage: "comment line keeping idle event streams open (at most 15s)", Default: host.DurationText(DefaultHeartbeat), Dest: host.Duration(&c.Heartbeat)},
		{Env: EnvClientBuffer, Flag: "client-buffer", Usage: "events that may wait for one browser; a slower one is dropped", Default: strconv.Itoa(DefaultClientBuffer), Dest: host.Int(&c.ClientBuffer)},
		{Env: EnvMaxConns, Flag: "max-conns", Usage: "open event streams per replica", Default: strconv.Itoa(DefaultMaxConns), Dest: host.Int(&c.MaxConns)},
		{Env: EnvMaxConnsPerIP, Flag: "max-conns-per-ip", Usage: "open event streams per client address", Default: strconv.Itoa(DefaultMaxConnsPerIP), Dest: host.Int(&c.MaxConnsPerIP)},
		{Env: EnvWriteTimeout, Flag: "write-timeout", Usage: "bound of one write to a browser", Default: host.DurationText(DefaultWriteTimeout), Dest: host.Duration(&c.WriteTimeout)},
		{Env: EnvRetry, Flag: "retry", Usage: "reconnection delay sent to browsers", Default: host.DurationText(DefaultRetry), Dest: host.Duration(&c.Retry)},
		{Env: EnvReadyWait, Flag: "ready-wait", Usage: "how long a new stream waits for the start-up replay", Default: host.DurationText(DefaultReadyWait), Dest: host.Duration(&c.ReadyWait)},
		{Env: EnvMaxFileBytes, Flag: "max-file-bytes", Usage: "largest theme file served", Default: strconv.Itoa(DefaultMaxFileBytes), Dest: host.Int64(&c.MaxFileBytes)},
		{Env: EnvReplayLimit, Flag: "replay-limit", Usage: "most changes replayed on a resume; beyond, a snapshot", Default: strconv.Itoa(DefaultReplayLimit), Dest: host.Int(&c.ReplayLimit)},
	}
}

// FromEnv reads a Config from the variables of Settings (lookup is the
// environment with the flags in front; nil is os.LookupEnv), fills
// defaults and validates it. Durations use Go syntax ("15s").
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var c Config
	if err := host.Load("themer", settings(&c), lookup); err != nil {
		return c, err
	}
	c = c.WithDefaults()
	return c, c.Validate()
}
