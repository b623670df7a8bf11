package botsync

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Lock is the lock file that keeps two syncs off one LOCAL.
type Lock struct{ f *os.File }

// AcquireLock takes LOCAL/.drivemon/sync.lock or fails at once when another
// process holds it. The kernel releases it when the process dies.
func AcquireLock(local string) (*Lock, error) {
	file := filepath.Join(local, StateDir, "sync.lock")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return nil, fmt.Errorf("another drivemon sync is running on %s (it holds %s)", local, file)
		}
		return nil, fmt.Errorf("locking %s: %w", file, err)
	}
	_ = f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return &Lock{f: f}, nil
}

// Release lets the next sync in.
func (l *Lock) Release() error {
	defer l.f.Close()
	return syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
}
