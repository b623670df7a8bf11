//go:build unix

package drive

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/drivemon/drivemon/pkg/events"
)

// parent checks bot and p and opens the folder that holds p without
// following any link (openParent).
func (d *Dir) parent(bot, p string, create bool) (int, string, error) {
	if _, err := events.CleanPath(p); err != nil {
		return -1, "", err
	}
	pkg, err := d.PackageDir(bot)
	if err != nil {
		return -1, "", err
	}
	return openParent(bot, pkg, p, create)
}

// Write implements Writer: the content goes to a temporary file in the same
// folder, is synced, and renamed over the target.
func (d *Dir) Write(ctx context.Context, bot, p string, data []byte) (Object, error) {
	dir, name, err := d.parent(bot, p, true)
	if err != nil {
		return Object{}, err
	}
	defer unix.Close(dir)
	if err := refuseNonRegularAt(dir, bot, p, name); err != nil {
		return Object{}, err
	}
	tmp := ".drivemon-" + randomSuffix() + ".tmp"
	fd, err := unix.Openat(dir, tmp, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return Object{}, fmt.Errorf("%s: creating a temporary file: %w", events.Key(bot, p), os.NewSyscallError("openat", err))
	}
	f := os.NewFile(uintptr(fd), tmp)
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	fi, serr := f.Stat()
	if werr == nil {
		werr = serr
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		// A link put at name meanwhile is replaced, never followed.
		werr = os.NewSyscallError("renameat", unix.Renameat(dir, tmp, dir, name))
	}
	if werr != nil {
		_ = unix.Unlinkat(dir, tmp, 0)
		return Object{}, fmt.Errorf("writing %s: %w", events.Key(bot, p), werr)
	}
	return Object{Bot: bot, Path: p, ETag: ContentETag(data), Size: int64(len(data)), MTime: fi.ModTime().UnixMilli()}, nil
}

// appendLocks serialises appends within this process so the size check and
// the append are one step; O_APPEND keeps appends from other processes whole.
var appendLocks sync.Map // events.Key → *sync.Mutex

// Append implements Writer.
func (d *Dir) Append(ctx context.Context, bot, p string, data []byte, max int64) (Object, error) {
	dir, name, err := d.parent(bot, p, true)
	if err != nil {
		return Object{}, err
	}
	defer unix.Close(dir)
	mu, _ := appendLocks.LoadOrStore(events.Key(bot, p), &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	// O_NONBLOCK: a FIFO without a reader fails at once instead of
	// blocking; it is refused below like any other non-regular file.
	fd, err := unix.Openat(dir, name, unix.O_CREAT|unix.O_RDWR|unix.O_APPEND|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o644)
	if err != nil {
		if err == unix.ENXIO || err == unix.EISDIR {
			return Object{}, fmt.Errorf("%s: %w (%v)", events.Key(bot, p), ErrNotFile, err)
		}
		return Object{}, componentErr(bot, p, p, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return Object{}, fmt.Errorf("%s: %w", events.Key(bot, p), os.NewSyscallError("fstat", err))
	}
	if err := modeErr(bot, p, st.Mode); err != nil {
		unix.Close(fd)
		return Object{}, err
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return Object{}, fmt.Errorf("%s: %w", events.Key(bot, p), err)
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	if st.Size+int64(len(data)) > max {
		return Object{}, fmt.Errorf("%s: %d + %d bytes, limit %d: %w", events.Key(bot, p), st.Size, len(data), max, ErrTooLarge)
	}
	if _, err := f.Write(data); err != nil {
		return Object{}, fmt.Errorf("appending to %s: %w", events.Key(bot, p), err)
	}
	if err := f.Sync(); err != nil {
		return Object{}, fmt.Errorf("appending to %s: %w", events.Key(bot, p), err)
	}
	content, err := io.ReadAll(io.NewSectionReader(f, 0, max+1))
	if err != nil {
		return Object{}, fmt.Errorf("reading back %s: %w", events.Key(bot, p), err)
	}
	fi, err := f.Stat()
	if err != nil {
		return Object{}, fmt.Errorf("%s: %w", events.Key(bot, p), err)
	}
	return Object{Bot: bot, Path: p, ETag: ContentETag(content), Size: int64(len(content)), MTime: fi.ModTime().UnixMilli()}, nil
}

// Delete implements Writer. It removes only a regular file, never a link.
func (d *Dir) Delete(ctx context.Context, bot, p string) error {
	dir, name, err := d.parent(bot, p, false)
	if err != nil {
		return err
	}
	defer unix.Close(dir)
	st, ok, err := lstatAt(dir, name)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", events.Key(bot, p), os.NewSyscallError("fstatat", err))
	case !ok:
		return fmt.Errorf("%s: %w", events.Key(bot, p), ErrNotFound)
	}
	if err := modeErr(bot, p, st.Mode); err != nil {
		return err
	}
	if err := unix.Unlinkat(dir, name, 0); err != nil {
		if err == unix.ENOENT {
			return fmt.Errorf("%s: %w", events.Key(bot, p), ErrNotFound)
		}
		return fmt.Errorf("deleting %s: %w", events.Key(bot, p), os.NewSyscallError("unlinkat", err))
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
