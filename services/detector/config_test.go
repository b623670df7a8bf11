package detector

import (
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/host"
)

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "nothing to watch", env: map[string]string{}, wantErr: "nothing to watch"},
		{name: "folder with defaults", env: map[string]string{EnvDir: "/srv/bots"}, check: func(t *testing.T, c Config) {
			if c.Dir != "/srv/bots" || c.Settle != 50*time.Millisecond || c.InFlight != 32 || c.StateBucket != DefaultStateBucket || len(c.Ignore) == 0 || c.RawSubject != "" {
				t.Errorf("config %+v", c)
			}
		}},
		{name: "s3 with per-kind reconciliation", env: map[string]string{EnvS3Endpoint: "127.0.0.1:9000", EnvReconcile: "kb=10m, dialog=1m,default=2m", EnvBots: "a,b", EnvIgnore: "*.bak"},
			check: func(t *testing.T, c Config) {
				if c.Reconcile[events.KindKB] != 10*time.Minute || c.Reconcile[events.KindDialog] != time.Minute || c.ReconcileDefault != 2*time.Minute {
					t.Errorf("reconcile %v default %s", c.Reconcile, c.ReconcileDefault)
				}
				if c.RawSubject != "raw.s3" || len(c.Bots) != 2 || len(c.Ignore) != 1 || c.Ignore[0] != "*.bak" {
					t.Errorf("config %+v", c)
				}
			}},
		{name: "bad duration", env: map[string]string{EnvDir: "/x", EnvSettle: "soon"}, wantErr: EnvSettle},
		{name: "bad reconcile entry", env: map[string]string{EnvDir: "/x", EnvReconcile: "kb"}, wantErr: EnvReconcile},
		{name: "unknown kind", env: map[string]string{EnvS3Endpoint: "h:1", EnvReconcile: "pdf=1m"}, wantErr: "unknown kind"},
		{name: "endpoint with scheme", env: map[string]string{EnvS3Endpoint: "http://h:1"}, wantErr: "without a scheme"},
		{name: "bad bot", env: map[string]string{EnvS3Endpoint: "h:1", EnvBots: "a.b"}, wantErr: "Bots"},
		{name: "bad ignore pattern", env: map[string]string{EnvDir: "/x", EnvIgnore: "[a"}, wantErr: "Ignore pattern"},
		{name: "bad secure flag", env: map[string]string{EnvS3Endpoint: "h:1", EnvS3Secure: "maybe"}, wantErr: EnvS3Secure},
		{name: "negative settle", env: map[string]string{EnvDir: "/x", EnvSettle: "-1s"}, wantErr: EnvSettle},
		{name: "max settle defaults to ten settle windows", env: map[string]string{EnvDir: "/x", EnvSettle: "80ms"}, check: func(t *testing.T, c Config) {
			if c.MaxSettle != 800*time.Millisecond {
				t.Errorf("MaxSettle = %s, want 800ms", c.MaxSettle)
			}
		}},
		{name: "max settle equal to settle", env: map[string]string{EnvDir: "/x", EnvSettle: "80ms", EnvMaxSettle: "80ms"}, check: func(t *testing.T, c Config) {
			if c.MaxSettle != 80*time.Millisecond {
				t.Errorf("MaxSettle = %s, want 80ms", c.MaxSettle)
			}
		}},
		{name: "max settle shorter than settle", env: map[string]string{EnvDir: "/x", EnvSettle: "80ms", EnvMaxSettle: "79999999ns"}, wantErr: EnvMaxSettle},
		{name: "negative rescan", env: map[string]string{EnvDir: "/x", EnvRescan: "-5m"}, wantErr: EnvRescan},
		{name: "bad bots interval", env: map[string]string{EnvS3Endpoint: "h:1", EnvBotsInterval: "often"}, wantErr: EnvBotsInterval},
		{name: "zero reconcile period", env: map[string]string{EnvS3Endpoint: "h:1", EnvReconcile: "kb=0s"}, wantErr: EnvReconcile},
		{name: "bot named in the wrong variable", env: map[string]string{EnvS3Endpoint: "h:1", EnvBots: "a b"}, wantErr: EnvBots},
		{name: "ignore pattern names its variable", env: map[string]string{EnvDir: "/x", EnvIgnore: "[a"}, wantErr: EnvIgnore},
		{name: "endpoint names its variable", env: map[string]string{EnvS3Endpoint: "https://h:1"}, wantErr: EnvS3Endpoint},
		{name: "two notification targets", env: map[string]string{EnvS3Endpoint: "h:1", EnvNotifyARN: "arn:minio:sqs::FAST:nats, arn:minio:sqs::DURABLE:nats"},
			check: func(t *testing.T, c Config) {
				if len(c.NotifyARNs) != 2 || c.NotifyARNs[0] != "arn:minio:sqs::FAST:nats" || c.NotifyARNs[1] != "arn:minio:sqs::DURABLE:nats" {
					t.Errorf("NotifyARNs %q", c.NotifyARNs)
				}
			}},
		{name: "bad notification target", env: map[string]string{EnvS3Endpoint: "h:1", EnvNotifyARN: "arn:minio:sqs::FAST:nats,FAST"}, wantErr: EnvNotifyARN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tc.wantErr)
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

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		deps    Deps
		wantErr string
	}{
		{"no jetstream", Config{Dir: "/x"}, Deps{}, "no JetStream"},
		{"nothing to watch", Config{}, Deps{}, "nothing to watch"},
		{"negative settle", Config{Dir: "/x", Settle: -1}, Deps{}, "Settle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, tc.deps)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one naming %q", err, tc.wantErr)
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

// TestREADMESettings: deploy/README.md's table of the detector is its
// settings table: every variable with its flag and default, nothing else.
func TestREADMESettings(t *testing.T) {
	if err := host.CheckREADMEFile("../../deploy/README.md", "(`services/detector`", Settings); err != nil {
		t.Fatal(err)
	}
}
