package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/drivemon/drivemon/services/detector"
)

// lockName is the file under --data that a running `drivemon dev` holds
// locked; it contains the holder's pid.
const lockName = "drivemon.lock"

// noteDir says, in one line, when --dir is not (yet) a folder: dev waits
// for it, but a mistyped path should not go unnoticed. It reports whether
// dir is a folder.
func noteDir(stdout io.Writer, dir string) bool {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stdout, "drivemon dev: --dir %s does not exist; waiting for it to appear\n", dir)
	case err != nil:
		fmt.Fprintf(stdout, "drivemon dev: --dir %s cannot be read (%v); waiting for it\n", dir, err)
	case !fi.IsDir():
		fmt.Fprintf(stdout, "drivemon dev: --dir %s is a file, not a folder; waiting for a folder\n", dir)
	default:
		return true
	}
	return false
}

// notePackages says what packages dir holds (`45 bots in 12 folders`),
// or why none was found, and every bot with two packages.
func notePackages(stdout io.Writer, dir, data string) {
	dataAbs, _ := filepath.Abs(data)
	found, err := detector.FindPackages(dir, func(p string) bool {
		abs, _ := filepath.Abs(p)
		return abs == dataAbs
	})
	switch {
	case err != nil:
		fmt.Fprintf(stdout, "drivemon dev: %v\n", err)
	case len(found.Dirs) == 0:
		fmt.Fprintf(stdout, "drivemon dev: no <bot>.gbai folder under %s (searched %s, up to %d levels deep); a package is a folder named after its bot, like harbor.gbai\n",
			dir, plural(len(found.Searched), "folder"), detector.MaxPackageDepth)
	default:
		fmt.Fprintf(stdout, "drivemon dev: %s in %s under %s\n", plural(len(found.Dirs), "bot"), plural(found.Folders, "folder"), dir)
	}
	for _, bot := range found.Conflicts() {
		dirs := found.Dirs[bot]
		fmt.Fprintf(stdout, "drivemon dev: conflict: bot %s has %d packages (%s); not merged, watching %s only\n", bot, len(dirs), strings.Join(dirs, ", "), dirs[0])
	}
}

// dataLock is the lock on --data held while dev runs.
type dataLock struct{ f *os.File }

// lockData makes --data, checks that it can be written and locks it
// against a second instance.
func lockData(dir string) (*dataLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--data %s cannot be created: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return nil, fmt.Errorf("--data %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--data %s: opening its lock file: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("--data %s is in use by another drivemon dev (%s); stop it or choose another --data", dir, holder(f))
		}
		return nil, fmt.Errorf("--data %s: locking %s: %w", dir, path, err)
	}
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("--data %s: writing the lock file: %w", dir, err)
	}
	return &dataLock{f: f}, nil
}

// holder names the process in a lock file.
func holder(f *os.File) string {
	b, _ := io.ReadAll(io.LimitReader(f, 32))
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
		return "pid " + strconv.Itoa(pid)
	}
	return "pid unknown"
}

// release unlocks --data; the file stays (a stale one is harmless).
func (l *dataLock) release() {
	_ = l.f.Truncate(0)
	_ = l.f.Close()
}

// listen opens addr for the flag, naming a port in use as such.
func listen(flagName, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%s %s: the port is in use by another program; choose another with %s", flagName, addr, flagName)
	}
	return nil, fmt.Errorf("%s %s: %w", flagName, addr, err)
}

// portFree fails at once when addr cannot be listened on, before the
// embedded NATS server would wait for it.
func portFree(flagName, addr string) error {
	ln, err := listen(flagName, addr)
	if err != nil {
		return err
	}
	return ln.Close()
}
