package drive

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/drivemon/drivemon/pkg/events"
)

// Dir is a local folder holding <bot>.gbai folders: directly under the
// root, or anywhere below it once a watcher has located them (SetPackage).
type Dir struct {
	root string

	mu       sync.RWMutex
	packages map[string]string // bot → package folder, from SetPackage
}

// SetPackage records where bot's package lives (dir == "" forgets it): the
// detector finds packages at any depth under the root, or behind a link.
func (d *Dir) SetPackage(bot, dir string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if dir == "" {
		delete(d.packages, bot)
		return
	}
	if d.packages == nil {
		d.packages = map[string]string{}
	}
	d.packages[bot] = dir
}

// NewDir returns the storage rooted at root. root need not exist yet.
func NewDir(root string) *Dir { return &Dir{root: root} }

// Root is the folder the storage reads.
func (d *Dir) Root() string { return d.root }

// PackageDir returns the folder of bot's package: the one SetPackage
// recorded, <root>/<bot>.gbai, or the folder whose name matches it
// case-insensitively (Harbor.GBAI).
func (d *Dir) PackageDir(bot string) (string, error) {
	if err := events.ValidBot(bot); err != nil {
		return "", err
	}
	d.mu.RLock()
	dir, ok := d.packages[bot]
	d.mu.RUnlock()
	if ok {
		return dir, nil
	}
	exact := filepath.Join(d.root, bot+events.PackageSuffix)
	if fi, err := os.Stat(exact); err == nil && fi.IsDir() {
		return exact, nil
	}
	entries, err := os.ReadDir(d.root)
	if err != nil {
		return "", fmt.Errorf("bot %s: %w", bot, notFound(err))
	}
	for _, e := range entries {
		if b, ok := events.BotFromPackage(e.Name()); ok && b == bot && e.IsDir() {
			return filepath.Join(d.root, e.Name()), nil
		}
	}
	return "", fmt.Errorf("bot %s: no %s%s folder in %s: %w", bot, bot, events.PackageSuffix, d.root, ErrNotFound)
}

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// open opens path inside bot's package through os.Root, so neither ".." nor
// a symbolic link can lead out of the package.
func (d *Dir) open(bot, path string) (*os.File, fs.FileInfo, error) {
	if _, err := events.CleanPath(path); err != nil {
		return nil, nil, err
	}
	dir, err := d.PackageDir(bot)
	if err != nil {
		return nil, nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("opening package %s: %w", bot, notFound(err))
	}
	defer root.Close()
	f, err := root.Open(path)
	if err != nil {
		if strings.Contains(err.Error(), "escapes") {
			return nil, nil, fmt.Errorf("%s: %w: %w", events.Key(bot, path), ErrNotFile, err)
		}
		return nil, nil, fmt.Errorf("%s: %w", events.Key(bot, path), notFound(err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", events.Key(bot, path), err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w (%s)", events.Key(bot, path), ErrNotFile, fi.Mode().Type())
	}
	return f, fi, nil
}

// Read implements Reader.
func (d *Dir) Read(ctx context.Context, bot, path string, max int64) ([]byte, Object, error) {
	f, fi, err := d.open(bot, path)
	if err != nil {
		return nil, Object{}, err
	}
	defer f.Close()
	if fi.Size() > max {
		// Described without its ETag (hashing what we refuse to read
		// would defeat the limit).
		return nil, Object{Bot: bot, Path: path, Size: fi.Size(), MTime: fi.ModTime().UnixMilli()},
			fmt.Errorf("%s: %d bytes, limit %d: %w", events.Key(bot, path), fi.Size(), max, ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, Object{}, fmt.Errorf("reading %s: %w", events.Key(bot, path), err)
	}
	if int64(len(data)) > max { // grew while we read
		return nil, Object{}, fmt.Errorf("%s: more than %d bytes: %w", events.Key(bot, path), max, ErrTooLarge)
	}
	return data, Object{Bot: bot, Path: path, ETag: ContentETag(data), Size: int64(len(data)), MTime: fi.ModTime().UnixMilli()}, nil
}

// Stat describes a file, hashing its content for the ETag.
func (d *Dir) Stat(ctx context.Context, bot, path string) (Object, error) {
	f, fi, err := d.open(bot, path)
	if err != nil {
		return Object{}, err
	}
	defer f.Close()
	h := md5.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Object{}, fmt.Errorf("hashing %s: %w", events.Key(bot, path), err)
	}
	return Object{Bot: bot, Path: path, ETag: hex.EncodeToString(h.Sum(nil)), Size: n, MTime: fi.ModTime().UnixMilli()}, nil
}

// ContentETag is the ETag a Dir gives content: hex MD5, as S3 does for a
// single-part upload.
func ContentETag(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// Bots implements Lister.
func (d *Dir) Bots(ctx context.Context) ([]string, error) {
	entries, err := os.ReadDir(d.root)
	if err != nil {
		return nil, fmt.Errorf("listing bots in %s: %w", d.root, notFound(err))
	}
	set := map[string]bool{}
	for _, e := range entries {
		if b, ok := events.BotFromPackage(e.Name()); ok && e.IsDir() {
			set[b] = true
		}
	}
	d.mu.RLock()
	for b := range d.packages {
		set[b] = true
	}
	d.mu.RUnlock()
	bots := make([]string, 0, len(set))
	for b := range set {
		bots = append(bots, b)
	}
	sort.Strings(bots)
	return bots, nil
}

// List implements Lister. Symbolic links are not followed.
func (d *Dir) List(ctx context.Context, bot, prefix string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		dir, err := d.PackageDir(bot)
		if err != nil {
			yield(Object{}, err)
			return
		}
		err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if p == dir {
					return err
				}
				if !yield(Object{}, fmt.Errorf("listing %s: %w", p, err)) {
					return fs.SkipAll
				}
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !e.Type().IsRegular() {
				return nil
			}
			rel := filepath.ToSlash(p[len(dir)+1:])
			if !strings.HasPrefix(rel, prefix) {
				return nil
			}
			if _, err := events.CleanPath(rel); err != nil {
				if !yield(Object{}, fmt.Errorf("bot %s: skipping %q: %w", bot, events.DisplayPath(rel), err)) {
					return fs.SkipAll
				}
				return nil
			}
			fi, err := e.Info()
			if err != nil { // removed since the directory was read
				return nil
			}
			if !yield(Object{Bot: bot, Path: rel, Size: fi.Size(), MTime: fi.ModTime().UnixMilli()}, nil) {
				return fs.SkipAll
			}
			return nil
		})
		if err != nil {
			yield(Object{}, fmt.Errorf("listing bot %s: %w", bot, notFound(err)))
		}
	}
}
