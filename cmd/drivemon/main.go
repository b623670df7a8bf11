// Command drivemon is the all-in-one CLI: `drivemon dev` runs every service
// in one process on a local folder; `drivemon check` lints bot packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: drivemon <command> [flags]

commands:
  dev     run detector, compiler, indexer and themer in one process on a folder
  check   lint bot packages (.bas and config.csv)
  dead    list and re-run messages consumers gave up on

Run 'drivemon <command> -h' for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches a command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "dev":
		err = runDev(ctx, args[1:], stdout, stderr)
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr)
	case "dead":
		return runDead(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "drivemon: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		slog.New(slog.NewTextHandler(stderr, nil)).Error("drivemon "+args[0]+" failed", "err", err)
		return 1
	}
	return 0
}
