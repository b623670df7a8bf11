package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// runVersion prints the module version and the commit it was built from.
func runVersion(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return usagef("unexpected arguments %q", args)
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Errorf("this binary carries no build information")
	}
	fmt.Fprintln(stdout, versionLine(bi))
	return nil
}

// versionLine is `drivemon <version> (commit <rev>[, modified], <go>)`.
func versionLine(bi *debug.BuildInfo) string {
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	rev, modified := "unknown", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified {
		rev += ", modified"
	}
	return fmt.Sprintf("drivemon %s (commit %s, %s)", version, rev, bi.GoVersion)
}
