package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/botsync"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/host"
)

const syncUsage = `usage: drivemon sync [flags] LOCAL REMOTE
       drivemon sync status [--json] LOCAL

Keeps a bot package folder LOCAL (…/harbor.gbai) in step with REMOTE:
s3://<bucket>[/<prefix>] (the server from DRIVEMON_S3_ENDPOINT,
DRIVEMON_S3_ACCESS_KEY, DRIVEMON_S3_SECRET_KEY, DRIVEMON_S3_REGION,
DRIVEMON_S3_SECURE) or another folder. The last version both sides agreed
on is kept in LOCAL/.drivemon/; a file changed on both sides keeps the
remote version at its path and the local edit as
<path>.conflict-<host>-<yyyymmdd-hhmmss> on both sides. status says, without
contacting REMOTE, what LOCAL changed since the last pass and that pass's
summary and errors.

Without --once it keeps watching: LOCAL with inotify (a path is looked at
once quiet for 50 ms), REMOTE through the DRIVE stream with --nats (the
detector publishes every change of the bucket; a quiet moment costs no S3
request, and a restart resumes from the stream cursor kept in the state),
otherwise by listing it every --interval.

flags:
`

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type syncFlags struct {
	mode     string
	once     bool
	dryRun   bool
	asJSON   bool
	excludes stringList
	natsURL  string
	interval time.Duration
}

// runSync is `drivemon sync`.
func runSync(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "status" {
		return runSyncStatus(ctx, args[1:], stdout, stderr)
	}
	fs := flagSet("drivemon sync", stderr)
	var f syncFlags
	fs.StringVar(&f.mode, "mode", "two-way", "two-way, push (LOCAL → REMOTE), pull (REMOTE → LOCAL) or mirror (REMOTE := LOCAL, deletes included)")
	fs.BoolVar(&f.once, "once", false, "run one pass and exit (default: keep watching)")
	fs.StringVar(&f.natsURL, "nats", "", "NATS URL: follow REMOTE's changes on the DRIVE stream instead of listing it")
	fs.DurationVar(&f.interval, "interval", botsync.DefaultInterval, "without --nats, how often a watch lists REMOTE")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the plan (upload, download, delete, conflict, move per path) and change nothing")
	fs.BoolVar(&f.asJSON, "json", false, "one JSON object per action and per pass summary")
	fs.Var(&f.excludes, "exclude", "leave paths matching GLOB alone (repeatable); always excluded: "+strings.Join(botsync.DefaultExcludes, " "))
	fs.Usage = func() {
		fmt.Fprint(stderr, syncUsage)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("want LOCAL and REMOTE, got %d arguments (see drivemon sync -h)", len(pos))
	}
	mode, err := botsync.ParseMode(f.mode)
	if err != nil {
		return usagef("--mode: %v", err)
	}
	if !f.once && f.dryRun {
		return usagef("--dry-run plans one pass: add --once")
	}
	if f.interval <= 0 {
		return usagef("--interval %s: want a positive duration", f.interval)
	}
	filter, err := botsync.NewFilter(append(append([]string{}, botsync.DefaultExcludes...), f.excludes...))
	if err != nil {
		return usagef("--%v", err)
	}
	local, err := botsync.NewDirTree(pos[0])
	if err != nil {
		return usagef("LOCAL: %v", err)
	}
	remote, err := openRemote(pos[1], local.Root())
	if err != nil {
		return err
	}
	lock, err := botsync.AcquireLock(local.Root())
	if err != nil {
		return err
	}
	defer lock.Release()
	hostname, _ := os.Hostname()
	s := &botsync.Syncer{Local: local, Remote: remote, Opt: botsync.Options{
		Mode: mode, Filter: filter, DryRun: f.dryRun, Host: conflictHost(hostname),
		StateFile: botsync.BasePath(local.Root(), remote.String()),
	}}
	bar := &syncBar{out: stderr, tty: !f.asJSON && isTerminal(stderr)}
	s.Opt.OnPlan = bar.plan
	report := bar.wrap(func(a botsync.Action) { printAction(stdout, stderr, f.asJSON, a) })
	if !f.once {
		return watchSync(ctx, s, f, report, bar, stdout)
	}
	sum, err := s.Pass(ctx, report)
	bar.end()
	printSummary(stdout, f.asJSON, f.dryRun, sum)
	if err != nil {
		return err
	}
	if sum.Errors > 0 {
		return fmt.Errorf("%d actions failed (see above); the next pass retries them", sum.Errors)
	}
	return nil
}

// watchSync runs the watch until ctx ends (Ctrl-C), a summary line after
// each pass.
func watchSync(ctx context.Context, s *botsync.Syncer, f syncFlags, report func(botsync.Action), bar *syncBar, stdout io.Writer) error {
	o := botsync.WatchOptions{Interval: f.interval, OnPass: func(sum botsync.Summary, err error) {
		bar.end()
		printSummary(stdout, f.asJSON, false, sum)
		if err != nil {
			report(botsync.Action{Err: fmt.Errorf("pass: %w; retrying", err)})
		}
	}}
	if f.natsURL != "" {
		remote, ok := s.Remote.(*botsync.S3Tree)
		if !ok {
			return usagef("--nats follows an S3 REMOTE's changes; %s is a folder", s.Remote)
		}
		nc, err := nats.Connect(f.natsURL, nats.Name("drivemon sync"), nats.Timeout(5*time.Second), nats.MaxReconnects(-1))
		if err != nil {
			return fmt.Errorf("connecting to %s: %w", f.natsURL, err)
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return fmt.Errorf("connecting to %s: %w", f.natsURL, err)
		}
		if o.Journal, err = botsync.NewDriveJournal(js, remote, slog.Default()); err != nil {
			return usagef("--nats: %v", err)
		}
	}
	return s.Watch(ctx, o, report)
}

// parseInterleaved parses flags given before, between or after the
// positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// openRemote opens s3://bucket[/prefix] or a folder.
func openRemote(arg, local string) (botsync.Tree, error) {
	rest, isS3 := strings.CutPrefix(arg, "s3://")
	if !isS3 {
		t, err := botsync.NewDirTree(arg)
		if err != nil {
			return nil, usagef("REMOTE: %v", err)
		}
		if within(t.Root(), local) || within(local, t.Root()) {
			return nil, usagef("REMOTE %s and LOCAL %s overlap", t.Root(), local)
		}
		return t, nil
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return nil, usagef("REMOTE %q: no bucket (want s3://<bucket>[/<prefix>])", arg)
	}
	cfg := drive.S3Config{
		Endpoint: os.Getenv(host.EnvS3Endpoint), AccessKey: os.Getenv(host.EnvS3AccessKey),
		SecretKey: os.Getenv(host.EnvS3SecretKey), Region: os.Getenv(host.EnvS3Region),
	}
	if cfg.Endpoint == "" {
		return nil, usagef("REMOTE %s: set %s (host:port) and the keys %s, %s", arg, host.EnvS3Endpoint, host.EnvS3AccessKey, host.EnvS3SecretKey)
	}
	if v := os.Getenv(host.EnvS3Secure); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, usagef("%s=%q: want true or false", host.EnvS3Secure, v)
		}
		cfg.Secure = b
	}
	t, err := botsync.NewS3Tree(cfg, bucket, prefix)
	if err != nil {
		return nil, usagef("REMOTE %s: %v", arg, err)
	}
	return t, nil
}

func within(dir, parent string) bool {
	rel, err := filepath.Rel(parent, dir)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// conflictHost makes the host name safe inside a file name.
func conflictHost(h string) string {
	h, _, _ = strings.Cut(h, ".")
	out := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, h)
	if out == "" {
		return "host"
	}
	return out
}

// word is what --dry-run and the log print for an operation.
func word(op botsync.Op) string {
	switch op {
	case botsync.DeleteLocal, botsync.DeleteRemote:
		return "delete"
	case botsync.MoveLocal:
		return "move"
	}
	return string(op)
}

func where(op botsync.Op) string {
	switch op {
	case botsync.Upload, botsync.DeleteRemote, botsync.Move:
		return "remote"
	case botsync.Download, botsync.DeleteLocal, botsync.MoveLocal:
		return "local"
	case botsync.Conflict:
		return "both"
	}
	return ""
}

type actionJSON struct {
	Op      string `json:"op,omitempty"`
	Side    string `json:"side,omitempty"`
	Path    string `json:"path"`
	PathB64 string `json:"path_b64,omitempty"`
	From    string `json:"from,omitempty"`
	FromB64 string `json:"from_b64,omitempty"`
	To      string `json:"to,omitempty"`
	ToB64   string `json:"to_b64,omitempty"`
	Bytes   int64  `json:"bytes,omitempty"`
	Error   string `json:"error,omitempty"`
}

func printAction(stdout, stderr io.Writer, asJSON bool, a botsync.Action) {
	if a.Op == botsync.Agree || a.Op == botsync.Forget {
		return // bookkeeping, no change to either side
	}
	if asJSON {
		j := actionJSON{Op: word(a.Op), Side: where(a.Op), Bytes: a.Bytes}
		j.Path, j.PathB64 = events.PathToJSON(a.Path)
		if a.To != "" {
			j.To, j.ToB64 = events.PathToJSON(a.To)
		}
		if a.From != "" {
			j.From, j.FromB64 = events.PathToJSON(a.From)
		}
		if a.Err != nil {
			j.Error = a.Err.Error()
		}
		line, _ := json.Marshal(j)
		fmt.Fprintf(stdout, "%s\n", line)
		return
	}
	if a.Err != nil {
		fmt.Fprintf(stderr, "error: %v\n", a.Err)
		return
	}
	line := word(a.Op) + " " + events.DisplayPath(a.Path)
	if a.To != "" {
		line += " (local edit kept as " + events.DisplayPath(a.To) + ")"
	}
	if a.From != "" {
		line += " (from " + events.DisplayPath(a.From) + ")"
	}
	fmt.Fprintln(stdout, line)
}

type summaryJSON struct {
	Summary       bool     `json:"summary"`
	DryRun        bool     `json:"dry_run,omitempty"`
	Uploaded      int      `json:"uploaded"`
	Downloaded    int      `json:"downloaded"`
	Moved         int      `json:"moved"`
	DeletedLocal  int      `json:"deleted_local"`
	DeletedRemote int      `json:"deleted_remote"`
	Conflicts     int      `json:"conflicts"`
	Held          int      `json:"held"`
	Unchanged     int      `json:"unchanged"`
	Errors        int      `json:"errors"`
	Skipped       int      `json:"skipped"`
	Bytes         int64    `json:"bytes"`
	ElapsedMS     int64    `json:"elapsed_ms"`
	Problems      []string `json:"problems,omitempty"`
}

func printSummary(w io.Writer, asJSON, dryRun bool, s botsync.Summary) {
	if asJSON {
		j := summaryJSON{Summary: true, DryRun: dryRun, Uploaded: s.Uploaded, Downloaded: s.Downloaded, Moved: s.Moved,
			DeletedLocal: s.DeletedLocal, DeletedRemote: s.DeletedRemote, Conflicts: s.Conflicts, Held: s.Held,
			Unchanged: s.Unchanged + s.Agreed, Errors: s.Errors, Skipped: len(s.Problems), Bytes: s.Bytes,
			ElapsedMS: s.Elapsed.Milliseconds()}
		for _, p := range s.Problems {
			j.Problems = append(j.Problems, p.Error())
		}
		line, _ := json.Marshal(j)
		fmt.Fprintf(w, "%s\n", line)
		return
	}
	for _, p := range s.Problems {
		fmt.Fprintf(w, "skipped: %v\n", p)
	}
	prefix := "sync: "
	if dryRun {
		prefix = "sync (dry run, nothing changed): would have "
	}
	fmt.Fprintln(w, prefix+s.String())
}

type statusJSON struct {
	Remote      string       `json:"remote"`
	LastPass    int64        `json:"last_pass,omitempty"` // unix ms
	LastSummary string       `json:"last_summary,omitempty"`
	LastErrors  []string     `json:"last_errors,omitempty"`
	Pending     []actionJSON `json:"pending"`
}

// runSyncStatus is `drivemon sync status LOCAL`.
func runSyncStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("drivemon sync status", stderr)
	asJSON := fs.Bool("json", false, "one JSON object per REMOTE")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("status wants LOCAL, got %d arguments", len(pos))
	}
	local, err := botsync.NewDirTree(pos[0])
	if err != nil {
		return usagef("LOCAL: %v", err)
	}
	pairs, err := botsync.Status(ctx, local)
	if err != nil {
		return err
	}
	if len(pairs) == 0 && !*asJSON {
		fmt.Fprintf(stdout, "%s has never been synced\n", local.Root())
	}
	for _, p := range pairs {
		if *asJSON {
			j := statusJSON{Remote: p.Remote, LastPass: p.Last.At, LastSummary: p.Last.Summary, LastErrors: p.Last.Errors, Pending: []actionJSON{}}
			for _, a := range p.Pending {
				aj := actionJSON{Op: word(a.Op), Side: where(a.Op)}
				aj.Path, aj.PathB64 = events.PathToJSON(a.Path)
				j.Pending = append(j.Pending, aj)
			}
			line, _ := json.Marshal(j)
			fmt.Fprintf(stdout, "%s\n", line)
			continue
		}
		printStatus(stdout, p)
	}
	return nil
}

func printStatus(w io.Writer, p botsync.PairStatus) {
	fmt.Fprintf(w, "%s\n", p.Remote)
	if p.Last.At != 0 {
		fmt.Fprintf(w, "  last pass %s: %s\n", time.UnixMilli(p.Last.At).UTC().Format("2006-01-02 15:04:05 UTC"), p.Last.Summary)
	}
	if len(p.Pending) == 0 {
		fmt.Fprintln(w, "  no local change pending (REMOTE's changes are seen by the next pass)")
	} else {
		fmt.Fprintf(w, "  %d local changes pending (REMOTE's are seen by the next pass):\n", len(p.Pending))
		for _, a := range p.Pending {
			fmt.Fprintf(w, "    %s %s\n", word(a.Op), events.DisplayPath(a.Path))
		}
	}
	if len(p.Last.Errors) > 0 {
		fmt.Fprintln(w, "  errors of the last pass:")
		for _, e := range p.Last.Errors {
			fmt.Fprintf(w, "    %s\n", e)
		}
	}
}
