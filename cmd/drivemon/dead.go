package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/deadletter"
)

const deadUsage = `usage: drivemon dead list [--nats URL] [--consumer C] [--subject S] [--limit N]
       drivemon dead retry [--nats URL] SEQ...

list shows the messages consumers gave up on (stream DEAD) with the reason;
retry republishes each to its original subject (every consumer of that
subject processes it again) and removes it from DEAD once that is stored.
`

// runDead lists and re-runs dead letters. It returns the exit code.
func runDead(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		fmt.Fprint(stderr, deadUsage)
		return 2
	}
	fs := flagSet("drivemon dead "+args[0], stderr)
	url := fs.String("nats", "nats://127.0.0.1:4222", "NATS server URL")
	var f deadletter.Filter
	if args[0] == "list" {
		fs.StringVar(&f.Consumer, "consumer", "", "only letters of this consumer")
		fs.StringVar(&f.Subject, "subject", "", "only letters from this original subject (wildcards allowed, e.g. 'drive.harbor.>')")
		fs.IntVar(&f.Limit, "limit", 0, "at most this many letters (default 1000)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var seqs []uint64
	for _, a := range fs.Args() {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 || args[0] == "list" {
			fmt.Fprintf(stderr, "drivemon dead %s: unexpected argument %q\n%s", args[0], a, deadUsage)
			return 2
		}
		seqs = append(seqs, n)
	}
	if args[0] == "retry" && len(seqs) == 0 {
		fmt.Fprintf(stderr, "drivemon dead retry: which letters? give their DEAD sequences\n%s", deadUsage)
		return 2
	}
	nc, err := nats.Connect(*url, nats.Name("drivemon dead"), nats.Timeout(5*time.Second))
	if err != nil {
		fmt.Fprintf(stderr, "drivemon dead: connecting to %s: %v\n", *url, err)
		return 1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(stderr, "drivemon dead: %v\n", err)
		return 1
	}
	if args[0] == "list" {
		letters, err := deadletter.List(ctx, js, f)
		if err != nil {
			fmt.Fprintf(stderr, "drivemon dead list: %v\n", err)
			return 1
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tTIME\tCONSUMER\tBOT\tOP\tPATH\tTRIES\tERROR")
		for _, l := range letters {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", l.Seq, l.Time.Format(time.RFC3339), l.Consumer, l.Bot, l.Op, events.DisplayPath(l.Path), l.Deliveries, l.Error)
		}
		tw.Flush()
		return 0
	}
	code := 0
	for _, seq := range seqs {
		if err := deadletter.Retry(ctx, js, seq); err != nil {
			fmt.Fprintf(stderr, "drivemon dead retry %d: %v\n", seq, err)
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "re-run %d\n", seq)
	}
	return code
}
