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
var Settings = []host.Setting{
	{Env: EnvToken, Flag: "token", Usage: "bearer token required by writes; empty disables them (prefer the variable)"},
	{Env: EnvWritable, Flag: "writable-folders", Usage: "folder suffixes writes may touch (default .gbdrive,.gbdata)"},
	{Env: EnvMaxBytes, Flag: "max-bytes", Usage: "largest write (default 10485760)"},
	{Env: EnvServeNATS, Flag: "nats-writes", Usage: "serve write requests over NATS too (default true)"},
	{Env: EnvAuditDir, Flag: "audit-dir", Usage: "folder of the audit log (default: no audit log)"},
	{Env: EnvAuditFormat, Flag: "audit-format", Usage: "text or json (default text)"},
	{Env: EnvAuditMaxMB, Flag: "audit-max-mb", Usage: "size of an audit file before it rotates (default 64)"},
}

// FromEnv reads the configuration: FILES_TOKEN (bearer token for writes;
// empty disables them), FILES_WRITABLE_FOLDERS (comma-separated folder
// suffixes, default .gbdrive,.gbdata), FILES_MAX_BYTES (default 10 MiB),
// FILES_NATS_WRITES (default true), FILES_AUDIT_DIR (enables the audit log),
// FILES_AUDIT_FORMAT (text or json), FILES_AUDIT_MAX_MB.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	get := func(k string) string {
		v, _ := lookup(k)
		return strings.TrimSpace(v)
	}
	c := Config{Token: get(EnvToken), ServeNATS: true}
	if v := get(EnvWritable); v != "" {
		for _, f := range strings.Split(v, ",") {
			c.WritableFolders = append(c.WritableFolders, strings.TrimSpace(f))
		}
	}
	if v := get(EnvMaxBytes); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return c, fmt.Errorf("%s=%q: want a number of bytes", EnvMaxBytes, v)
		}
		c.MaxFileBytes = n
	}
	if v := get(EnvServeNATS); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("%s=%q: want true or false", EnvServeNATS, v)
		}
		c.ServeNATS = b
	}
	c.Audit = audit.Config{Dir: get(EnvAuditDir), Format: get(EnvAuditFormat)}
	if v := get(EnvAuditMaxMB); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return c, fmt.Errorf("%s=%q: want a whole number of MB", EnvAuditMaxMB, v)
		}
		c.Audit.MaxMB = n
	}
	c = c.WithDefaults()
	// Name the variable behind each setting Validate checks.
	if err := (Config{WritableFolders: c.WritableFolders, MaxFileBytes: 1}).Validate(); err != nil {
		return c, fmt.Errorf("%s: %w", EnvWritable, err)
	}
	if c.MaxFileBytes <= 0 {
		return c, fmt.Errorf("%s=%d: want more than 0 bytes", EnvMaxBytes, c.MaxFileBytes)
	}
	if c.Audit.Dir != "" {
		if err := c.Audit.Validate(); err != nil {
			return c, fmt.Errorf("%s: %w", EnvAuditFormat, err)
		}
	}
	return c, c.Validate()
}
