//go:build unix

package drive

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/drivemon/drivemon/pkg/events"
)

// openParent opens the folder holding p inside the package folder pkg one
// component at a time (openat with O_NOFOLLOW|O_DIRECTORY), creating the
// missing ones when create is set. No symbolic link is followed at any
// level, and since each step starts from the folder the previous one
// opened, a link swapped in after a check cannot redirect the write. It
// returns the folder's descriptor (the caller closes it) and p's last
// component.
func openParent(bot, pkg, p string, create bool) (int, string, error) {
	fd, err := unix.Open(pkg, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", fmt.Errorf("opening package %s: %w", bot, notFound(os.NewSyscallError("open", err)))
	}
	parts := strings.Split(p, "/")
	for i, name := range parts[:len(parts)-1] {
		next, err := openDirAt(fd, name, create)
		if err != nil {
			err = componentErr(bot, p, strings.Join(parts[:i+1], "/"), linkErr(fd, name, err))
			unix.Close(fd)
			return -1, "", err
		}
		unix.Close(fd)
		fd = next
	}
	return fd, parts[len(parts)-1], nil
}

// openDirAt opens the folder name in dir without following a link,
// creating it first when create is set and it is missing.
func openDirAt(dir int, name string, create bool) (int, error) {
	const flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	for {
		fd, err := unix.Openat(dir, name, flags, 0)
		if err == unix.EINTR {
			continue
		}
		if err != unix.ENOENT || !create {
			return fd, err
		}
		if err := unix.Mkdirat(dir, name, 0o755); err != nil && err != unix.EEXIST {
			return -1, err
		}
		create = false // made (by us or a racing writer): open it once more
	}
}

// linkErr turns the ENOTDIR that O_NOFOLLOW|O_DIRECTORY gives for a link
// into ELOOP, so a link is always reported as one.
func linkErr(dir int, name string, err error) error {
	if err != unix.ENOTDIR {
		return err
	}
	if st, ok, _ := lstatAt(dir, name); ok && st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return unix.ELOOP
	}
	return err
}

// componentErr explains why the component at sub of p could not be used.
func componentErr(bot, p, sub string, err error) error {
	key := events.Key(bot, p)
	switch err {
	case unix.ELOOP:
		return fmt.Errorf("%s: %q %w", key, events.DisplayPath(sub), ErrSymlink)
	case unix.ENOENT:
		return fmt.Errorf("%s: %q: %w", key, events.DisplayPath(sub), ErrNotFound)
	case unix.ENOTDIR:
		return fmt.Errorf("%s: %q is not a folder: %w", key, events.DisplayPath(sub), ErrNotFile)
	}
	return fmt.Errorf("%s: opening %q: %w", key, events.DisplayPath(sub), os.NewSyscallError("openat", err))
}

// lstatAt describes name in dir without following a link; ok is false
// when there is nothing by that name.
func lstatAt(dir int, name string) (st unix.Stat_t, ok bool, err error) {
	err = unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return st, false, nil
	}
	return st, err == nil, err
}

// refuseNonRegularAt refuses to write over a link, folder or device.
func refuseNonRegularAt(dir int, bot, p, name string) error {
	st, ok, err := lstatAt(dir, name)
	if err != nil {
		return fmt.Errorf("%s: %w", events.Key(bot, p), os.NewSyscallError("fstatat", err))
	}
	if !ok {
		return nil
	}
	return modeErr(bot, p, st.Mode)
}

// modeErr refuses anything but a regular file.
func modeErr(bot, p string, mode uint32) error {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFLNK:
		return fmt.Errorf("%s: %q %w", events.Key(bot, p), events.DisplayPath(p), ErrSymlink)
	case unix.S_IFDIR:
		return fmt.Errorf("%s: %w (a folder)", events.Key(bot, p), ErrNotFile)
	}
	return fmt.Errorf("%s: %w (mode %#o)", events.Key(bot, p), ErrNotFile, mode&unix.S_IFMT)
}
