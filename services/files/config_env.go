package files

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/files/audit"
)

// Environment variables of the file service.
const (
	EnvToken       = "FILES_TOKEN"
	EnvWritable    = "FILES_WRITABLE_FOLDERS"
	EnvMaxBytes    = "FILES_MAX_BYTES"
	EnvServeNATS   = "FILES_NATS_WRITES"
	EnvAuditDir    = "FILES_AUDIT_DIR"
	EnvAuditFormat = "FILES_AUDIT_FORMAT"
	EnvAuditMaxMB  = "FILES_AUDIT_MAX_MB"
)

// Settings are the file service's own settings, as flags and variables.
var Settings = settings(new(Config))

// settings is the table of the file service's settings, storing into c.
func settings(c *Config) []host.Setting {
	return []host.Setting{
		{Env: EnvToken, Flag: "token", Usage: "bearer token required by writes; empty disables them (prefer the variable)", Dest: host.String(&c.Token)},
		{Env: EnvWritable, Flag: "writable-folders", Usage: "folder suffixes writes may touch", Default: strings.Join(DefaultWritableFolders, ","), Dest: host.List(&c.WritableFolders)},
		{Env: EnvMaxBytes, Flag: "max-bytes", Usage: "largest write", Default: strconv.Itoa(DefaultMaxFileBytes), Dest: host.Int64(&c.MaxFileBytes)},
		{Env: EnvServeNATS, Flag: "nats-writes", Usage: "serve write requests over NATS too", Default: "true", Dest: host.Bool(&c.ServeNATS)},
		{Env: EnvAuditDir, Flag: "audit-dir", Usage: "folder of the audit log (default: no audit log)", Dest: host.String(&c.Audit.Dir)},
		{Env: EnvAuditFormat, Flag: "audit-format", Usage: "text or json", Default: audit.FormatText, Dest: host.String(&c.Audit.Format)},
		{Env: EnvAuditMaxMB, Flag: "audit-max-mb", Usage: "size of an audit file before it rotates", Default: strconv.Itoa(audit.DefaultMaxMB), Dest: host.Int(&c.Audit.MaxMB)},
	}
}

// FromEnv reads the configuration from the variables of Settings (lookup
// is the environment with the flags in front), defaults filled, and
// validates it.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	var c Config
	if err := host.Load("files", settings(&c), lookup); err != nil {
		return c, err
	}
	c = c.WithDefaults()
	// Name the variable behind each setting Validate checks.
	if err := (Config{WritableFolders: c.WritableFolders, MaxFileBytes: 1}).Validate(); err != nil {
		return c, fmt.Errorf("%s: %w", EnvWritable, err)
	}
	if c.MaxFileBytes <= 0 {
		return c, fmt.Errorf("%s=%d: want more than 0 bytes", EnvMaxBytes, c.MaxFileBytes)
	}
	if c.Audit.MaxMB < 0 {
		return c, fmt.Errorf("%s=%d: want a whole number of MB", EnvAuditMaxMB, c.Audit.MaxMB)
	}
	if c.Audit.Dir != "" {
		if err := c.Audit.Validate(); err != nil {
			return c, fmt.Errorf("%s: %w", EnvAuditFormat, err)
		}
	}
	return c, c.Validate()
}
