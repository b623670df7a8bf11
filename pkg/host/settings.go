package host

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Setting is one setting of a service: the environment variable it is read
// from, the command-line flag (without dashes) that overrides it, its help,
// its default and where Load stores it. One table of them drives the
// flags, the variables, --help and deploy/README.md's tables (CheckREADME).
type Setting struct {
	Env   string
	Flag  string
	Usage string
	// Default is the value when neither the variable nor the flag is
	// given, as it would be typed; "" for none (or one computed in code).
	Default string
	// Dest receives the value (Load); nil for a setting the service's own
	// code reads.
	Dest Value
}

// CommonSettings are the settings every service shares (LoadCommon).
var CommonSettings = commonSettings(new(Common))

// commonSettings is the table of the shared settings, storing into c.
func commonSettings(c *Common) []Setting {
	return []Setting{
		{Env: EnvNATSURL, Flag: "nats-url", Usage: "NATS server URL", Default: DefaultNATSURL, Dest: String(&c.NATSURL)},
		{Env: EnvHTTPAddr, Flag: "http-addr", Usage: "listen address of the API, /healthz, /readyz and /metrics", Dest: String(&c.HTTPAddr)},
		{Env: EnvLogLevel, Flag: "log-level", Usage: "debug, info, warn or error", Default: "info", Dest: logLevel{&c.LogLevel}},
		{Env: EnvLogFormat, Flag: "log-format", Usage: "json or text", Default: "json", Dest: String(&c.LogFormat)},
		{Env: EnvDir, Flag: "dir", Usage: "storage: a folder of <bot>.gbai packages", Dest: String(&c.Dir)},
		{Env: EnvS3Endpoint, Flag: "s3-endpoint", Usage: "storage: an S3-compatible server as host:port", Dest: String(&c.S3.Endpoint)},
		{Env: EnvS3AccessKey, Flag: "s3-access-key", Usage: "S3 access key", Dest: String(&c.S3.AccessKey)},
		{Env: EnvS3SecretKey, Flag: "s3-secret-key", Usage: "S3 secret key (prefer the variable: flags show in ps)", Dest: String(&c.S3.SecretKey)},
		{Env: EnvS3Region, Flag: "s3-region", Usage: "S3 region, if the server wants one", Dest: String(&c.S3.Region)},
		{Env: EnvS3Secure, Flag: "s3-secure", Usage: "true for HTTPS to S3", Default: "false", Dest: Bool(&c.S3.Secure)},
		{Env: EnvS3Bucket, Flag: "s3-bucket", Usage: "one bucket holding every bot as a <bot>.gbai/ prefix", Dest: String(&c.S3.Bucket)},
		{Env: EnvStreamReplicas, Flag: "stream-replicas", Usage: "replicas of every stream and KV bucket (3 on a three-node NATS cluster)", Default: "1", Dest: Int(&c.StreamReplicas)},
	}
}

// Args is a service's command line, parsed: the flags given, by variable,
// and whether it asked for a healthcheck or for help.
type Args struct {
	Healthcheck bool
	Help        bool
	flags       map[string]string // variable → value
	byEnv       map[string]string // variable → flag, for errors
}

// ParseArgs reads a service's command line: a flag --<flag> value (or
// --<flag>=value) for any of settings (CommonSettings and the service's
// own), and anywhere among them an optional HealthcheckArg. -h or --help
// asks for Usage. Anything else is an error naming it.
func ParseArgs(name string, settings []Setting, args []string) (Args, error) {
	a := Args{flags: map[string]string{}, byEnv: map[string]string{}}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	values := map[string]*string{} // flag → its value
	envOf := map[string]string{}   // flag → variable
	for _, s := range settings {
		if _, dup := envOf[s.Flag]; !dup {
			values[s.Flag] = fs.String(s.Flag, "", s.Usage)
			envOf[s.Flag], a.byEnv[s.Env] = s.Env, s.Flag
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				a.Help = true
				return a, nil
			}
			return a, fmt.Errorf("%w (%s --help lists the settings)", err, name)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] != HealthcheckArg || a.Healthcheck {
			return a, fmt.Errorf("unexpected arguments %q: usage: %s [%s] [--flag value ...] (%s --help lists the settings)", args, name, HealthcheckArg, name)
		}
		a.Healthcheck, args = true, args[1:]
	}
	fs.Visit(func(f *flag.Flag) { a.flags[envOf[f.Name]] = *values[f.Name] })
	return a, nil
}

// Lookup is env with the flags given in front: a flag wins over its
// variable.
func (a Args) Lookup(env Lookup) Lookup {
	return func(k string) (string, bool) {
		if v, ok := a.flags[k]; ok {
			return v, true
		}
		return env(k)
	}
}

// Explain adds to err the flag a bad value came from: configuration errors
// name the variable, and the user may have typed the flag.
func (a Args) Explain(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var from []string
	for env := range a.flags {
		if strings.Contains(msg, env) {
			from = append(from, "--"+a.byEnv[env]+" sets "+env)
		}
	}
	if len(from) == 0 {
		return err
	}
	slices.Sort(from)
	return fmt.Errorf("%w (%s)", err, strings.Join(from, ", "))
}

// Usage writes the help of a service: its command line and every setting
// as flag and variable.
func Usage(w io.Writer, name string, settings []Setting) {
	fmt.Fprintf(w, "usage: %s [%s] [--flag value ...]\n\n", name, HealthcheckArg)
	fmt.Fprintf(w, "Runs the %s service; with %q, checks the instance at --http-addr instead\n", name, HealthcheckArg)
	fmt.Fprintf(w, "(exit 0 when healthy). Every setting is a flag or an environment\n")
	fmt.Fprintf(w, "variable; a flag wins over its variable.\n\n")
	seen := map[string]bool{}
	for _, s := range settings {
		if seen[s.Env] {
			continue
		}
		seen[s.Env] = true
		def := ""
		if s.Default != "" {
			def = " (default " + s.Default + ")"
		}
		fmt.Fprintf(w, "  --%s, %s%s\n      %s\n", s.Flag, s.Env, def, s.Usage)
	}
}

// CheckSettings reports what is wrong with a service's settings list given
// the variables its configuration loader reads (vars): a variable without
// a setting has no flag and no help, a setting without a variable does
// nothing, and flags must be distinct lowercase words joined by dashes.
func CheckSettings(settings []Setting, vars map[string]bool) error {
	var errs []error
	covered := map[string]bool{}
	flags := map[string]string{}
	for _, s := range append(slices.Clone(CommonSettings), settings...) {
		if prev, ok := flags[s.Flag]; ok && prev != s.Env {
			errs = append(errs, fmt.Errorf("flag --%s is given to both %s and %s", s.Flag, prev, s.Env))
		}
		flags[s.Flag] = s.Env
		if !validFlag(s.Flag) {
			errs = append(errs, fmt.Errorf("%s: flag %q: want lowercase words joined by dashes", s.Env, s.Flag))
		}
		if strings.TrimSpace(s.Usage) == "" {
			errs = append(errs, fmt.Errorf("%s: no usage text", s.Env))
		}
		covered[s.Env] = true
	}
	for _, s := range settings {
		if !vars[s.Env] {
			errs = append(errs, fmt.Errorf("setting %s (--%s) is not a variable the service reads", s.Env, s.Flag))
		}
	}
	for _, v := range slices.Sorted(maps.Keys(vars)) {
		if !covered[v] {
			errs = append(errs, fmt.Errorf("variable %s has no setting (no flag, no help)", v))
		}
	}
	return errors.Join(errs...)
}

func validFlag(f string) bool {
	if f == "" || f[0] == '-' || f[len(f)-1] == '-' || strings.Contains(f, "--") {
		return false
	}
	return strings.Trim(f, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}
