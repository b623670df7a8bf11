package main

import (
	"context"
	"fmt"
	"io"
)

// runCheck lints bot packages. It returns the exit code: 0 clean, 1 errors
// found, 2 bad usage.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "drivemon check: not built yet (issue 4)")
	return 2
}
