package host_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/host"
)

// loadConf is a service's configuration with one field of every kind.
type loadConf struct {
	name  string
	n     int
	size  int64
	wait  time.Duration
	on    bool
	items []string
	none  string
	words []string
}

func (c *loadConf) settings() []host.Setting {
	return []host.Setting{
		{Env: "SVC_NAME", Flag: "name", Usage: "a name", Default: "bob", Dest: host.String(&c.name)},
		{Env: "SVC_N", Flag: "n", Usage: "a count", Default: "4", Dest: host.Int(&c.n)},
		{Env: "SVC_SIZE", Flag: "size", Usage: "a size", Default: "1048576", Dest: host.Int64(&c.size)},
		{Env: "SVC_WAIT", Flag: "wait", Usage: "a wait", Default: "2m", Dest: host.Duration(&c.wait)},
		{Env: "SVC_ON", Flag: "on", Usage: "a switch", Default: "true", Dest: host.Bool(&c.on)},
		{Env: "SVC_ITEMS", Flag: "items", Usage: "a list", Default: "a,b", Dest: host.List(&c.items)},
		{Env: "SVC_NONE", Flag: "none", Usage: "no default", Dest: host.String(&c.none)},
		{Env: "SVC_WORDS", Flag: "words", Usage: "words", Dest: host.Words(&c.words)},
	}
}

func envOf(m map[string]string) host.Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadDefaultsEnvFlags(t *testing.T) {
	var c loadConf
	if err := host.Load("svc", c.settings(), envOf(nil)); err != nil {
		t.Fatal(err)
	}
	if c.name != "bob" || c.n != 4 || c.size != 1<<20 || c.wait != 2*time.Minute || !c.on ||
		strings.Join(c.items, "|") != "a|b" || c.none != "" {
		t.Fatalf("defaults: %+v", c)
	}

	env := map[string]string{"SVC_NAME": " ann ", "SVC_N": "7", "SVC_SIZE": "10", "SVC_WAIT": "15s",
		"SVC_ON": "false", "SVC_ITEMS": "x, y ,,z", "SVC_NONE": "set", "SVC_WORDS": " a,, b ,", "SVC_OTHER": "ignored"}
	c = loadConf{}
	if err := host.Load("svc", c.settings(), envOf(env)); err != nil {
		t.Fatal(err)
	}
	if c.name != "ann" || c.n != 7 || c.size != 10 || c.wait != 15*time.Second || c.on ||
		strings.Join(c.items, "|") != "x|y||z" || c.none != "set" || strings.Join(c.words, "|") != "a|b" {
		t.Fatalf("from the environment: %+v", c)
	}

	// An empty variable means the default, as an unset one.
	c = loadConf{}
	if err := host.Load("svc", c.settings(), envOf(map[string]string{"SVC_N": " "})); err != nil || c.n != 4 {
		t.Fatalf("empty variable: n = %d, %v; want the default 4", c.n, err)
	}

	// A flag wins over its variable.
	c = loadConf{}
	args, err := host.ParseArgs("svc", c.settings(), []string{"--n=9", "--wait", "1s"})
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Load("svc", c.settings(), args.Lookup(envOf(env))); err != nil {
		t.Fatal(err)
	}
	if c.n != 9 || c.wait != time.Second || c.name != "ann" {
		t.Fatalf("flags over the environment: %+v", c)
	}
}

func TestLoadBadValues(t *testing.T) {
	for _, tt := range []struct {
		env, value, want string
	}{
		{"SVC_N", "4.5", `svc: SVC_N="4.5": want a whole number`},
		{"SVC_N", "99999999999999999999", `svc: SVC_N="99999999999999999999": want a whole number`},
		{"SVC_SIZE", "10MB", `svc: SVC_SIZE="10MB": want a whole number`},
		{"SVC_WAIT", "15", `svc: SVC_WAIT="15": want a duration such as 10s or 2m`},
		{"SVC_ON", "sometimes", `svc: SVC_ON="sometimes": want true or false`},
	} {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			var c loadConf
			err := host.Load("svc", c.settings(), envOf(map[string]string{tt.env: tt.value}))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	// Every bad value is reported, not only the first.
	var c loadConf
	err := host.Load("svc", c.settings(), envOf(map[string]string{"SVC_N": "x", "SVC_ON": "y"}))
	if err == nil || !strings.Contains(err.Error(), `SVC_N="x"`) || !strings.Contains(err.Error(), `SVC_ON="y"`) {
		t.Fatalf("error %v, want both SVC_N and SVC_ON", err)
	}
	// The flag a bad value came from is named (Args.Explain).
	args, _ := host.ParseArgs("svc", c.settings(), []string{"--wait=soon"})
	err = args.Explain(host.Load("svc", c.settings(), args.Lookup(envOf(nil))))
	if want := `svc: SVC_WAIT="soon": want a duration such as 10s or 2m (--wait sets SVC_WAIT)`; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

func TestUsageShowsDefaults(t *testing.T) {
	var c loadConf
	var b bytes.Buffer
	host.Usage(&b, "svc", c.settings())
	for _, want := range []string{
		"  --wait, SVC_WAIT (default 2m)\n      a wait\n",
		"  --none, SVC_NONE\n      no default\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, b.String())
		}
	}
}

func TestCheckREADME(t *testing.T) {
	var c loadConf
	settings := c.settings()[:3] // SVC_NAME, SVC_N, SVC_SIZE
	const good = "Svc (`services/svc`):\n\n| variable | flag | default | meaning |\n|---|---|---|---|\n" +
		"| `SVC_NAME` | `--name` | `bob` | a name |\n| `SVC_N` | `--n` | `4` | a count (1–64) |\n| `SVC_SIZE` | `--size` | `1048576` | a size |\n\nafter\n"
	if err := host.CheckREADME(good, "`services/svc`", settings); err != nil {
		t.Fatalf("matching table: %v", err)
	}
	for _, tt := range []struct{ name, readme, want string }{
		{"missing row", strings.Replace(good, "| `SVC_N` | `--n` | `4` | a count (1–64) |\n", "", 1), "SVC_N (--n) is not in the table"},
		{"extra row", strings.Replace(good, "\n\nafter", "\n| `SVC_OLD` | `--old` | — | gone |\n\nafter", 1), "SVC_OLD is in the table"},
		{"wrong flag", strings.Replace(good, "`--n`", "`--count`", 1), "SVC_N: the table gives flag `--count`, the service --n"},
		{"wrong default", strings.Replace(good, "`4`", "`5`", 1), "SVC_N: the table gives default `5`, the service `4`"},
		{"no heading", good, `no "services/other" in the README`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			heading := "`services/svc`"
			if tt.name == "no heading" {
				heading = "services/other"
			}
			err := host.CheckREADME(tt.readme, heading, settings)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Second: "15s", 2 * time.Minute: "2m", 90 * time.Second: "1m30s",
		time.Hour: "1h", 61 * time.Minute: "1h1m", 50 * time.Millisecond: "50ms", 0: "0s",
	} {
		if got := host.DurationText(d); got != want {
			t.Errorf("DurationText(%d) = %q, want %q", d, got, want)
		}
	}
}
