package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// runFor runs the CLI with args for at most 5 s (a startup error must end
// it long before: the embedded NATS server would wait 10 s for a taken port).
func runFor(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	if ctx.Err() != nil {
		t.Fatalf("drivemon %q ran until the test's 5 s limit (exit %d):\n%s", args, code, errOut.String())
	}
	return code, out.String(), errOut.String()
}

// holdPort listens on a free port for the test and returns its address.
func holdPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// TestDevStartupErrors: each cause is one line naming it, at once, exit 1.
func TestDevStartupErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	takenNATS, takenHTTP := holdPort(t), holdPort(t)
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		// /sys refuses new files even to root (tests run as root, where a
		// chmod 0555 folder would still be writable).
		{"data not writable", []string{"--data", "/sys"}, "drivemon dev: --data /sys is not writable: "},
		{"data under a file", []string{"--data", filepath.Join(file, "state")}, "drivemon dev: --data " + filepath.Join(file, "state") + " cannot be created: "},
		{"nats port taken", []string{"--nats", takenNATS}, "drivemon dev: --nats " + takenNATS + ": the port is in use by another program; choose another with --nats"},
		{"http port taken", []string{"--http", takenHTTP}, "drivemon dev: --http " + takenHTTP + ": the port is in use by another program; choose another with --http"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"dev", "--dir", dir, "--data", t.TempDir(), "--nats", freeAddr(t), "--http", freeAddr(t)}
			code, _, stderr := runFor(t, append(args, tt.args...)...)
			if code != exitFailure {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.HasPrefix(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line starting %q", stderr, tt.want)
			}
		})
	}
}

// TestIntegrationDevSecondInstance: a second dev on the same --data is
// refused, naming the holder's pid, and the first one keeps running.
func TestIntegrationDevSecondInstance(t *testing.T) {
	data := t.TempDir()
	_, httpAddr, _ := startDevData(t, t.TempDir(), data)
	code, _, stderr := runFor(t, "dev", "--dir", t.TempDir(), "--data", data, "--nats", freeAddr(t), "--http", freeAddr(t))
	want := fmt.Sprintf("drivemon dev: --data %s is in use by another drivemon dev (pid %d); stop it or choose another --data\n", data, os.Getpid())
	if code != exitFailure || stderr != want {
		t.Fatalf("second instance: exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
	if code := getJSON(t, "http://"+httpAddr+"/api/dev/files", nil); code != 200 {
		t.Fatalf("the first instance answers %d after the second was refused", code)
	}
}

// TestIntegrationDevMissingDir: a --dir that does not exist is allowed
// (dev waits for it) but said in one line.
func TestIntegrationDevMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bots-typo")
	_, _, stdout := startDevLog(t, dir)
	want := "drivemon dev: --dir " + dir + " does not exist; waiting for it to appear\n"
	if !strings.HasPrefix(stdout.String(), want) {
		t.Fatalf("stdout %q, want it to start with %q", stdout.String(), want)
	}
}

// TestUsageExitCodes: bad flags and arguments exit 2 in every command.
func TestUsageExitCodes(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nosuchcommand"},
		{"dev", "--bogus"},
		{"dev", "stray"},
		{"dev", "--settle", "11s"},
		{"check", "--bogus"},
		{"check"},
		{"dead", "list", "--bogus"},
		{"dead", "retry"},
		{"version", "extra"},
	} {
		code, _, stderr := runFor(t, args...)
		if code != exitUsage || stderr == "" {
			t.Errorf("drivemon %q: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
	for _, args := range [][]string{{"dev", "-h"}, {"check", "-h"}, {"help"}} {
		if code, _, _ := runFor(t, args...); code != exitOK {
			t.Errorf("drivemon %q: exit %d, want 0", args, code)
		}
	}
}

func TestVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/drivemon/drivemon/cmd/drivemon", Version: "v0.4.1"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "5e2519b0c0ffee"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionLine(bi), "drivemon v0.4.1 (commit 5e2519b0c0ffee, modified, go1.26.8)"; got != want {
		t.Errorf("versionLine = %q, want %q", got, want)
	}
	bi = &debug.BuildInfo{GoVersion: "go1.26.8"}
	if got, want := versionLine(bi), "drivemon (devel) (commit unknown, go1.26.8)"; got != want {
		t.Errorf("versionLine without VCS = %q, want %q", got, want)
	}
	code, stdout, _ := runFor(t, "version")
	if code != exitOK || !strings.HasPrefix(stdout, "drivemon ") || !strings.Contains(stdout, "(commit ") {
		t.Errorf("drivemon version: exit %d, %q", code, stdout)
	}
}
