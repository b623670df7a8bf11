package themer

import (
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/host"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		check   func(Config) bool
		wantErr string
	}{
		{name: "defaults", env: nil, check: func(c Config) bool {
			return c.Heartbeat == DefaultHeartbeat && c.ClientBuffer == DefaultClientBuffer && c.MaxConns == DefaultMaxConns
		}},
		{name: "set values", env: map[string]string{EnvHeartbeat: "2s", EnvMaxConns: "5", EnvMaxConnsPerIP: "3", EnvMaxFileBytes: "100"}, check: func(c Config) bool {
			return c.Heartbeat == 2*time.Second && c.MaxConns == 5 && c.MaxConnsPerIP == 3 && c.MaxFileBytes == 100
		}},
		{name: "heartbeat above 15s", env: map[string]string{EnvHeartbeat: "30s"}, wantErr: "Heartbeat"},
		{name: "bad duration", env: map[string]string{EnvRetry: "soon"}, wantErr: EnvRetry},
		{name: "bad number", env: map[string]string{EnvClientBuffer: "many"}, wantErr: EnvClientBuffer},
		{name: "per IP above total", env: map[string]string{EnvMaxConns: "2", EnvMaxConnsPerIP: "3"}, wantErr: "MaxConnsPerIP"},
		{name: "negative buffer", env: map[string]string{EnvClientBuffer: "-1"}, wantErr: "ClientBuffer"},
		{name: "heartbeat names its variable", env: map[string]string{EnvHeartbeat: "1m"}, wantErr: EnvHeartbeat},
		{name: "negative buffer names its variable", env: map[string]string{EnvClientBuffer: "-1"}, wantErr: EnvClientBuffer},
		{name: "negative total", env: map[string]string{EnvMaxConns: "-5"}, wantErr: EnvMaxConns},
		{name: "per IP above total names its variable", env: map[string]string{EnvMaxConns: "2", EnvMaxConnsPerIP: "3"}, wantErr: EnvMaxConnsPerIP},
		{name: "negative write timeout", env: map[string]string{EnvWriteTimeout: "-1s"}, wantErr: EnvWriteTimeout},
		{name: "negative retry", env: map[string]string{EnvRetry: "-1s"}, wantErr: EnvRetry},
		{name: "negative ready wait", env: map[string]string{EnvReadyWait: "-1s"}, wantErr: EnvReadyWait},
		{name: "bad ready wait", env: map[string]string{EnvReadyWait: "later"}, wantErr: EnvReadyWait},
		{name: "negative file limit", env: map[string]string{EnvMaxFileBytes: "-1"}, wantErr: EnvMaxFileBytes},
		{name: "bad file limit", env: map[string]string{EnvMaxFileBytes: "8MB"}, wantErr: EnvMaxFileBytes},
		{name: "negative replay limit", env: map[string]string{EnvReplayLimit: "-1"}, wantErr: EnvReplayLimit},
		{name: "bad replay limit", env: map[string]string{EnvReplayLimit: "all"}, wantErr: EnvReplayLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Fatalf("FromEnv = %+v, %v", c, err)
			}
		})
	}
}

func TestNewRejectsMissingDeps(t *testing.T) {
	if _, err := New(Config{}, Deps{Storage: newDirStorage(t)}); err == nil || !strings.Contains(err.Error(), "JS") {
		t.Fatalf("New without JetStream: %v", err)
	}
	if _, err := New(Config{}, Deps{JS: noJetStream{}}); err == nil || !strings.Contains(err.Error(), "Storage") {
		t.Fatalf("New without storage: %v", err)
	}
	if _, err := New(Config{Heartbeat: time.Minute}, Deps{JS: noJetStream{}, Storage: newDirStorage(t)}); err == nil {
		t.Fatal("New accepted a 1 minute heartbeat")
	}
}

// TestSettingsCoverEveryVariable: every variable the configuration reads
// has its flag and help (Settings), and every setting is a variable read.
func TestSettingsCoverEveryVariable(t *testing.T) {
	if err := host.CheckSettings(Settings, testinfra.EnvConstants(t, ".")); err != nil {
		t.Fatal(err)
	}
}

// TestREADMESettings: deploy/README.md's table of the themer is its
// settings table: every variable with its flag and default, nothing else.
func TestREADMESettings(t *testing.T) {
	if err := host.CheckREADMEFile("../../deploy/README.md", "(`services/themer`", Settings); err != nil {
		t.Fatal(err)
	}
}
