package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/drivemon/drivemon/services/compiler/check"
)

// runCheck lints bot packages: `drivemon check [--json] PATH...`. It returns
// the exit code: 0 clean (warnings allowed), 1 errors found, 2 bad usage or
// a path that cannot be read.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("drivemon check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per file per line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: drivemon check [--json] PATH...")
		fmt.Fprintln(stderr, "Compiles every .bas and config.csv under the paths; prints file:line:col: severity: message; exits 1 on any error.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	found, err := check.Run(ctx, stdout, fs.Args(), *asJSON)
	if err != nil {
		fmt.Fprintf(stderr, "drivemon check: %v\n", err)
		return 2
	}
	if found {
		return 1
	}
	return 0
}
