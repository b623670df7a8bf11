package host_test

import (
	"strings"
	"testing"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/host"
)

// TestCommonSettingsCoverEveryVariable: every shared variable LoadCommon
// reads has a flag and help.
func TestCommonSettingsCoverEveryVariable(t *testing.T) {
	if err := host.CheckSettings(nil, testinfra.EnvConstants(t, ".")); err != nil {
		t.Fatal(err)
	}
}

func TestCheckSettings(t *testing.T) {
	vars := map[string]bool{"SVC_A": true, "SVC_B": true}
	for _, tt := range []struct {
		name     string
		settings []host.Setting
		want     []string // in the error; none: no error
	}{
		{"every variable covered", []host.Setting{{Env: "SVC_A", Flag: "a", Usage: "a"}, {Env: "SVC_B", Flag: "b-two", Usage: "b"}}, nil},
		{"a variable without a setting", []host.Setting{{Env: "SVC_A", Flag: "a", Usage: "a"}}, []string{"variable SVC_B has no setting"}},
		{"a setting without a variable", []host.Setting{{Env: "SVC_A", Flag: "a", Usage: "a"}, {Env: "SVC_B", Flag: "b", Usage: "b"}, {Env: "SVC_C", Flag: "c", Usage: "c"}}, []string{"setting SVC_C (--c) is not a variable"}},
		{"one flag for two variables", []host.Setting{{Env: "SVC_A", Flag: "x", Usage: "a"}, {Env: "SVC_B", Flag: "x", Usage: "b"}}, []string{"flag --x is given to both SVC_A and SVC_B"}},
		{"a flag taken from the shared ones", []host.Setting{{Env: "SVC_A", Flag: "nats-url", Usage: "a"}, {Env: "SVC_B", Flag: "b", Usage: "b"}}, []string{"flag --nats-url is given to both DRIVEMON_NATS_URL and SVC_A"}},
		{"bad flag names", []host.Setting{{Env: "SVC_A", Flag: "Big", Usage: "a"}, {Env: "SVC_B", Flag: "-b", Usage: "b"}}, []string{`SVC_A: flag "Big"`, `SVC_B: flag "-b"`}},
		{"no usage", []host.Setting{{Env: "SVC_A", Flag: "a", Usage: " "}, {Env: "SVC_B", Flag: "b", Usage: "b"}}, []string{"SVC_A: no usage text"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := host.CheckSettings(tt.settings, vars)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseArgs(t *testing.T) {
	settings := append(host.CommonSettings, host.Setting{Env: "SVC_COLOR", Flag: "color", Usage: "colour"})
	env := func(k string) (string, bool) {
		if k == "SVC_COLOR" || k == host.EnvLogLevel {
			return "from-env", true
		}
		return "", false
	}
	for _, tt := range []struct {
		name        string
		args        []string
		healthcheck bool
		help        bool
		want        map[string]string // variable → value seen through Lookup
		wantErr     string
	}{
		{"nothing", nil, false, false, map[string]string{"SVC_COLOR": "from-env", host.EnvNATSURL: ""}, ""},
		{"flags win", []string{"--color=blue", "-nats-url", "nats://x:1"}, false, false, map[string]string{"SVC_COLOR": "blue", host.EnvNATSURL: "nats://x:1", host.EnvLogLevel: "from-env"}, ""},
		{"empty flag value is a value", []string{"--color="}, false, false, map[string]string{"SVC_COLOR": ""}, ""},
		{"healthcheck with a flag", []string{"healthcheck", "--http-addr", ":9"}, true, false, map[string]string{host.EnvHTTPAddr: ":9"}, ""},
		{"help", []string{"-h"}, false, true, nil, ""},
		{"healthcheck after flags", []string{"--color=x", "healthcheck", "--http-addr=:8"}, true, false, map[string]string{"SVC_COLOR": "x", host.EnvHTTPAddr: ":8"}, ""},
		{"healthcheck twice", []string{"healthcheck", "healthcheck"}, false, false, nil, `unexpected arguments ["healthcheck"]`},
		{"a word after the flags", []string{"--color=x", "serve"}, false, false, nil, `unexpected arguments ["serve"]`},
		{"unknown flag", []string{"--shade=x"}, false, false, nil, "flag provided but not defined: -shade"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := host.ParseArgs("svc", settings, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Healthcheck != tt.healthcheck || a.Help != tt.help {
				t.Errorf("healthcheck %v help %v, want %v %v", a.Healthcheck, a.Help, tt.healthcheck, tt.help)
			}
			look := a.Lookup(env)
			for k, want := range tt.want {
				if got, _ := look(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestREADMECommonSettings: deploy/README.md's shared table is
// CommonSettings: every variable with its flag and default, nothing else.
func TestREADMECommonSettings(t *testing.T) {
	if err := host.CheckREADMEFile("../../deploy/README.md", "(package `pkg/host`)", host.CommonSettings); err != nil {
		t.Fatal(err)
	}
}
