package files

import (
	"strings"
	"testing"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/host"
)

func TestFromEnv(t *testing.T) {
	for _, tt := range []struct {
		name    string
		env     map[string]string
		check   func(Config) bool
		wantErr string // the variable the error names; "" for none
	}{
		{name: "defaults", env: nil, check: func(c Config) bool {
			return c.ServeNATS && c.Token == "" && c.MaxFileBytes == DefaultMaxFileBytes && len(c.WritableFolders) == len(DefaultWritableFolders) && c.Audit.Dir == ""
		}},
		{name: "all set", env: map[string]string{
			EnvToken: "s3cret", EnvWritable: ".gbdrive, .gbexports", EnvMaxBytes: "1024", EnvServeNATS: "false",
			EnvAuditDir: "/var/audit", EnvAuditFormat: "json", EnvAuditMaxMB: "5",
		}, check: func(c Config) bool {
			return c.Token == "s3cret" && len(c.WritableFolders) == 2 && c.WritableFolders[1] == ".gbexports" && c.MaxFileBytes == 1024 &&
				!c.ServeNATS && c.Audit.Dir == "/var/audit" && c.Audit.Format == "json" && c.Audit.MaxMB == 5
		}},
		{name: "bad size", env: map[string]string{EnvMaxBytes: "10MB"}, wantErr: EnvMaxBytes},
		{name: "negative size", env: map[string]string{EnvMaxBytes: "-1"}, wantErr: EnvMaxBytes},
		{name: "bad flag", env: map[string]string{EnvServeNATS: "sometimes"}, wantErr: EnvServeNATS},
		{name: "writable code folder", env: map[string]string{EnvWritable: ".gbdialog"}, wantErr: EnvWritable},
		{name: "writable path, not suffix", env: map[string]string{EnvWritable: "data/x"}, wantErr: EnvWritable},
		{name: "bad audit format", env: map[string]string{EnvAuditDir: "/a", EnvAuditFormat: "xml"}, wantErr: EnvAuditFormat},
		{name: "bad audit size", env: map[string]string{EnvAuditDir: "/a", EnvAuditMaxMB: "big"}, wantErr: EnvAuditMaxMB},
		{name: "negative audit size", env: map[string]string{EnvAuditDir: "/a", EnvAuditMaxMB: "-2"}, wantErr: EnvAuditMaxMB},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("FromEnv = %v, want an error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Fatalf("FromEnv = %+v, %v", c, err)
			}
		})
	}
}

// TestSettingsCoverEveryVariable: every variable the configuration reads
// has its flag and help (Settings), and every setting is a variable read.
func TestSettingsCoverEveryVariable(t *testing.T) {
	if err := host.CheckSettings(Settings, testinfra.EnvConstants(t, ".")); err != nil {
		t.Fatal(err)
	}
}

// TestREADMESettings: deploy/README.md's table of the file service is its
// settings table: every variable with its flag and default, nothing else.
func TestREADMESettings(t *testing.T) {
	if err := host.CheckREADMEFile("../../deploy/README.md", "(`services/files`", Settings); err != nil {
		t.Fatal(err)
	}
}
