// Command drivemon is the all-in-one CLI: `drivemon dev` runs every service
// in one process on a local folder; `drivemon check` lints bot packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: drivemon <command> [flags]

commands:
  dev       run detector, compiler, indexer and themer in one process on a folder
  check     lint bot packages (.bas and config.csv)
  dead      list and re-run messages consumers gave up on
  sync      keep a bot package folder in step with its bucket or another folder
  version   print the module version and commit

Run 'drivemon <command> -h' for a command's flags.
`

// Exit codes of every command.
const (
	exitOK      = 0
	exitFailure = 1 // a runtime error: the command could not do its work
	exitUsage   = 2 // bad flags or arguments
)

// usageError is an error in the command line (exit code 2). An empty
// message means the flag package has printed it already.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// flagSet is a command's flag set, printing to stderr.
func flagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses a command's flags; a bad flag is a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{} // the flag package printed the error and the usage
	}
	return nil
}

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
		return exitUsage
	}
	var err error
	switch args[0] {
	case "dev":
		err = runDev(ctx, args[1:], stdout, stderr)
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr)
	case "dead":
		return runDead(ctx, args[1:], stdout, stderr)
	case "sync":
		err = runSync(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		err = runVersion(args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "drivemon: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return exitCode(stderr, "drivemon "+args[0], err)
}

// exitCode prints err as one line and maps it to the exit code.
func exitCode(stderr io.Writer, cmd string, err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintf(stderr, "%s: %s\n", cmd, ue.msg)
		}
		return exitUsage
	default:
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitFailure
	}
}
