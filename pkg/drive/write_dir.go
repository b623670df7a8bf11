package drive

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/drivemon/drivemon/pkg/events"
)

// openPackage checks bot and p and opens the package folder as an os.Root,
// through which no ".." or symbolic link can lead out of the package.
func (d *Dir) openPackage(bot, p string) (*os.Root, error) {
	if _, err := events.CleanPath(p); err != nil {
		return nil, err
	}
	dir, err := d.PackageDir(bot)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening package %s: %w", bot, notFound(err))
	}
	return root, nil
}

func rootErr(bot, p string, err error) error {
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "escapes"):
		return fmt.Errorf("%s: %w: %w", events.Key(bot, p), ErrNotFile, err)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %w: %w", events.Key(bot, p), ErrNotFound, err)
	}
	return fmt.Errorf("%s: %w", events.Key(bot, p), err)
}

// Write implements Writer: the content goes to a temporary file in the same
// folder, is synced, and renamed over the target.
func (d *Dir) Write(ctx context.Context, bot, p string, data []byte) (Object, error) {
	root, err := d.openPackage(bot, p)
	if err != nil {
		return Object{}, err
	}
	defer root.Close()
	if err := refuseNonRegular(root, bot, p); err != nil {
		return Object{}, err
	}
	if dir := path.Dir(p); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return Object{}, rootErr(bot, p, err)
		}
	}
	tmp := path.Join(path.Dir(p), ".drivemon-"+randomSuffix()+".tmp")
	f, err := root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return Object{}, rootErr(bot, p, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = root.Rename(tmp, p)
	}
	if werr != nil {
		_ = root.Remove(tmp)
		return Object{}, rootErr(bot, p, werr)
	}
	return d.statRoot(root, bot, p, data)
}

// appendLocks serialises appends within this process so the size check and
// the append are one step; O_APPEND keeps appends from other processes whole.
var appendLocks sync.Map // events.Key → *sync.Mutex

// Append implements Writer.
func (d *Dir) Append(ctx context.Context, bot, p string, data []byte, max int64) (Object, error) {
	root, err := d.openPackage(bot, p)
	if err != nil {
		return Object{}, err
	}
	defer root.Close()
	if err := refuseNonRegular(root, bot, p); err != nil {
		return Object{}, err
	}
	mu, _ := appendLocks.LoadOrStore(events.Key(bot, p), &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if dir := path.Dir(p); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return Object{}, rootErr(bot, p, err)
		}
	}
	f, err := root.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return Object{}, rootErr(bot, p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Object{}, rootErr(bot, p, err)
	}
	if fi.Size()+int64(len(data)) > max {
		return Object{}, fmt.Errorf("%s: %d + %d bytes, limit %d: %w", events.Key(bot, p), fi.Size(), len(data), max, ErrTooLarge)
	}
	if _, err := f.Write(data); err != nil {
		return Object{}, rootErr(bot, p, err)
	}
	if err := f.Sync(); err != nil {
		return Object{}, rootErr(bot, p, err)
	}
	content, err := root.ReadFile(p)
	if err != nil {
		return Object{}, rootErr(bot, p, err)
	}
	return d.statRoot(root, bot, p, content)
}

// Delete implements Writer.
func (d *Dir) Delete(ctx context.Context, bot, p string) error {
	root, err := d.openPackage(bot, p)
	if err != nil {
		return err
	}
	defer root.Close()
	fi, err := root.Lstat(p)
	if err != nil {
		return rootErr(bot, p, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("%s: %w (a folder)", events.Key(bot, p), ErrNotFile)
	}
	return rootErr(bot, p, root.Remove(p))
}

// refuseNonRegular refuses to write through a symbolic link or over a
// folder or device.
func refuseNonRegular(root *os.Root, bot, p string) error {
	fi, err := root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return rootErr(bot, p, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w (%s)", events.Key(bot, p), ErrNotFile, fi.Mode().Type())
	}
	return nil
}

func (d *Dir) statRoot(root *os.Root, bot, p string, data []byte) (Object, error) {
	fi, err := root.Stat(p)
	if err != nil {
		return Object{}, rootErr(bot, p, err)
	}
	return Object{Bot: bot, Path: p, ETag: ContentETag(data), Size: int64(len(data)), MTime: fi.ModTime().UnixMilli()}, nil
}

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
