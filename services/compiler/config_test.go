package compiler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/host"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" for valid
	}{
		{"defaults", Config{}, ""},
		{"postgres", Config{PostgresDSN: "postgres://x/y"}, ""},
		{"both stores", Config{PostgresDSN: "postgres://x/y", DataDir: "/tmp/x"}, "choose one store"},
		{"too many workers", Config{Concurrency: MaxConcurrency + 1}, "Concurrency"},
		{"negative workers", Config{Concurrency: -1}, "Concurrency"},
		{"file limit over the parser's", Config{MaxFileBytes: DefaultMaxFileBytes + 1}, "MaxFileBytes"},
		{"handler shorter than a read", Config{ReadTimeout: time.Minute, HandlerTimeout: time.Second}, "HandlerTimeout"},
		{"retry bounds reversed", Config{RetryMin: time.Minute, RetryMax: time.Second}, "RetryMin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.WithDefaults().Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.wantErr)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{"empty", nil, func(t *testing.T, c Config) {
			if c.Concurrency != DefaultConcurrency || c.MaxFileBytes != DefaultMaxFileBytes || c.RetryMax != DefaultRetryMax {
				t.Fatalf("defaults not applied: %+v", c)
			}
		}, ""},
		{"all set", map[string]string{
			EnvDataDir: "/var/lib/c", EnvConcurrency: "8", EnvMaxFileBytes: "1000", EnvReadTimeout: "3s",
			EnvHandlerTimeout: "1m", EnvRetryMin: "10ms", EnvRetryMax: "2s",
		}, func(t *testing.T, c Config) {
			if c.DataDir != "/var/lib/c" || c.Concurrency != 8 || c.MaxFileBytes != 1000 || c.ReadTimeout != 3*time.Second ||
				c.HandlerTimeout != time.Minute || c.RetryMin != 10*time.Millisecond || c.RetryMax != 2*time.Second {
				t.Fatalf("config = %+v", c)
			}
		}, ""},
		{"bad duration", map[string]string{EnvReadTimeout: "soon"}, nil, EnvReadTimeout},
		{"bad number", map[string]string{EnvConcurrency: "many"}, nil, EnvConcurrency},
		{"bad size", map[string]string{EnvMaxFileBytes: "1MB"}, nil, EnvMaxFileBytes},
		{"invalid value", map[string]string{EnvConcurrency: "0", EnvRetryMin: "-1s"}, nil, "RetryMin"},
		{"too many workers", map[string]string{EnvConcurrency: "1000"}, nil, EnvConcurrency},
		{"file limit over the parser's", map[string]string{EnvMaxFileBytes: "999999999999"}, nil, EnvMaxFileBytes},
		{"negative read timeout", map[string]string{EnvReadTimeout: "-1s"}, nil, EnvReadTimeout},
		{"handler shorter than a read", map[string]string{EnvReadTimeout: "1m", EnvHandlerTimeout: "30s"}, nil, EnvHandlerTimeout},
		{"retry bounds reversed", map[string]string{EnvRetryMin: "1m", EnvRetryMax: "1s"}, nil, EnvRetryMax},
		{"both stores", map[string]string{EnvPostgresDSN: "postgres://x/y", EnvDataDir: "/d"}, nil, EnvPostgresDSN},
		{"bad consumer name", map[string]string{EnvConsumer: "a.b"}, nil, EnvConsumer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("FromEnv = %v, want an error naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestOpenStore(t *testing.T) {
	if _, err := OpenStore(context.Background(), Config{}); !errors.Is(err, ErrNoStore) {
		t.Fatalf("OpenStore with no store = %v, want ErrNoStore", err)
	}
	s, err := OpenStore(context.Background(), Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if bots, err := s.Bots(context.Background()); err != nil || len(bots) != 0 {
		t.Fatalf("new store: %v, %v", bots, err)
	}
}

func TestNewRefusesMissingDeps(t *testing.T) {
	st := openSQLite(t)
	f := newFiles(t)
	tests := []struct {
		name string
		deps Deps
		want string
	}{
		{"no JetStream", Deps{Storage: f, Store: st}, "Deps.JS"},
		{"no storage", Deps{JS: settingsOnly{}, Store: st}, "Deps.Storage"},
		{"no store", Deps{JS: settingsOnly{}, Storage: f}, "Deps.Store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(Config{}, tc.deps); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error naming %s", err, tc.want)
			}
		})
	}
	if _, err := New(Config{Concurrency: -3}, Deps{JS: settingsOnly{}, Storage: f, Store: st}); err == nil {
		t.Fatal("New accepted an invalid config")
	}
}

// TestSettingsCoverEveryVariable: every variable the configuration reads
// has its flag and help (Settings), and every setting is a variable read.
func TestSettingsCoverEveryVariable(t *testing.T) {
	if err := host.CheckSettings(Settings, testinfra.EnvConstants(t, ".")); err != nil {
		t.Fatal(err)
	}
}

// TestREADMESettings: deploy/README.md's table of the compiler is its
// settings table: every variable with its flag and default, nothing else.
func TestREADMESettings(t *testing.T) {
	if err := host.CheckREADMEFile("../../deploy/README.md", "(`services/compiler`", Settings); err != nil {
		t.Fatal(err)
	}
}
