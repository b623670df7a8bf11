package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/drivemon/drivemon/services/compiler/check"
)

// runCheck lints bot packages: `drivemon check [--json] PATH...`. It returns
// the exit code: 0 clean (warnings allowed), 1 errors found or a file that
// cannot be read, 2 bad usage (a path that does not exist included). The findings end with a summary line
// (`177 files: 28 errors in 13 files, 234 warnings`), on stdout, or on
// stderr with --json so stdout stays one object per line.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flagSet("drivemon check", stderr)
	asJSON := flags.Bool("json", false, "print one JSON object per file per line")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: drivemon check [--json] PATH...")
		fmt.Fprintln(stderr, "Compiles every .bas and config.csv under the paths; prints file:line:col: severity: message and a summary; exits 1 on any error.")
		flags.PrintDefaults()
	}
	if err := parseFlags(flags, args); err != nil {
		return exitCode(stderr, "drivemon check", err)
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return exitUsage
	}
	sum, err := checkPaths(ctx, flags.Args(), *asJSON, stdout)
	if err != nil {
		return exitCode(stderr, "drivemon check", err)
	}
	summaryOut := stdout
	if *asJSON {
		summaryOut = stderr
	}
	fmt.Fprintln(summaryOut, sum)
	if sum.errors > 0 {
		return exitFailure
	}
	return exitOK
}

// checkSummary counts what a check found.
type checkSummary struct {
	files, errors, errorFiles, warnings int
}

func (s checkSummary) String() string {
	errs := "no errors"
	if s.errors > 0 {
		errs = plural(s.errors, "error") + " in " + plural(s.errorFiles, "file")
	}
	return fmt.Sprintf("%s: %s, %s", plural(s.files, "file"), errs, plural(s.warnings, "warning"))
}

// checkPaths runs the checker (its JSON reports, one a line) and writes
// them as they come, as JSON or as `file:line:col: severity: message`.
func checkPaths(ctx context.Context, paths []string, asJSON bool, w io.Writer) (checkSummary, error) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := check.Run(ctx, pw, paths, true)
		pw.CloseWithError(err)
		done <- err
	}()
	var sum checkSummary
	sc := bufio.NewScanner(pr)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var rep checkReport
		if err := json.Unmarshal(sc.Bytes(), &rep); err != nil {
			pr.CloseWithError(err)
			<-done
			return sum, fmt.Errorf("reading the checker's report: %w", err)
		}
		sum.add(rep)
		if asJSON {
			fmt.Fprintf(w, "%s\n", sc.Bytes())
			continue
		}
		for _, d := range rep.Diagnostics {
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", rep.Path, d.Line, d.Col, d.Severity, d.Message)
		}
	}
	pr.CloseWithError(sc.Err()) // unblocks the checker if reading stopped early
	if err := <-done; err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, check.ErrNotCheckable) {
			return sum, usageError{err.Error()} // a path argument that is wrong
		}
		return sum, err
	}
	return sum, sc.Err()
}

// checkReport is the part of a check.FileReport the summary counts.
type checkReport struct {
	Path        string `json:"path"`
	Diagnostics []struct {
		Severity string `json:"severity"`
		Line     int    `json:"line"`
		Col      int    `json:"col"`
		Message  string `json:"message"`
	} `json:"diagnostics"`
}

func (s *checkSummary) add(rep checkReport) {
	s.files++
	errs := 0
	for _, d := range rep.Diagnostics {
		if d.Severity == "error" {
			errs++
		} else {
			s.warnings++
		}
	}
	s.errors += errs
	if errs > 0 {
		s.errorFiles++
	}
}
