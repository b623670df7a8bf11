package botsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/minio/minio-go/v7"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
)

// Entry is one file of a side.
type Entry struct {
	Path  string
	Size  int64
	MTime int64 // unix ms
	// Hash is the hex MD5 of the content for a folder (empty in a listing
	// until computed) and the ETag for S3 (the MD5 for a single-part
	// upload).
	Hash string
}

// Tree is one side of a sync: a package folder or an S3 prefix.
type Tree interface {
	// List returns every file; problems is what was skipped (a name that
	// is not a valid path), err a failure of the listing itself.
	List(ctx context.Context) (files []Entry, problems []error, err error)
	// Hash describes one file with its Hash filled in.
	Hash(ctx context.Context, path string) (Entry, error)
	Read(ctx context.Context, path string) ([]byte, Entry, error)
	// Write replaces a file atomically.
	Write(ctx context.Context, path string, data []byte) (Entry, error)
	Delete(ctx context.Context, path string) error
	// Move renames a file within the side without transferring it (a
	// server-side copy and a delete on S3).
	Move(ctx context.Context, from, to string) (Entry, error)
	// Accepts says why path cannot be stored on this side (nil: it can).
	Accepts(path string) error
	String() string
}

// maxFile bounds the size of one file a pass reads into memory.
const maxFile = 1 << 30

// DirTree is a package folder, read and written through drive.Dir: nothing
// outside the folder, no symbolic link followed, writes by temporary file
// and rename.
type DirTree struct {
	dir *drive.Dir
	bot string
	at  string
}

// NewDirTree returns the folder at dir, which must exist.
func NewDirTree(dir string) (*DirTree, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	// drive.Dir addresses packages by bot; the name only shows in errors.
	bot, ok := events.BotFromPackage(filepath.Base(abs))
	if !ok {
		bot = "folder"
	}
	d := drive.NewDir(filepath.Dir(abs))
	d.SetPackage(bot, abs)
	return &DirTree{dir: d, bot: bot, at: abs}, nil
}

func (t *DirTree) String() string { return t.at }

// Root is the folder's absolute path.
func (t *DirTree) Root() string { return t.at }

// List implements Tree. Hash is left empty; links are not followed.
func (t *DirTree) List(ctx context.Context) ([]Entry, []error, error) {
	var files []Entry
	var problems []error
	err := filepath.WalkDir(t.at, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == t.at {
				return err
			}
			problems = append(problems, fmt.Errorf("listing %s: %w", p, err))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !e.Type().IsRegular() {
			return nil
		}
		rel := filepath.ToSlash(p[len(t.at)+1:])
		if _, err := events.CleanPath(rel); err != nil {
			problems = append(problems, fmt.Errorf("%s: skipping %q: %w", t, events.DisplayPath(rel), err))
			return nil
		}
		fi, err := e.Info()
		if err != nil { // removed since the folder was read
			return nil
		}
		files = append(files, Entry{Path: rel, Size: fi.Size(), MTime: fi.ModTime().UnixMilli()})
		return nil
	})
	if err != nil {
		return nil, problems, fmt.Errorf("listing %s: %w", t, err)
	}
	return files, problems, nil
}

func entryOf(o drive.Object) Entry {
	return Entry{Path: o.Path, Size: o.Size, MTime: o.MTime, Hash: o.ETag}
}

// Accepts implements Tree: a folder stores any name a listing yields.
func (t *DirTree) Accepts(string) error { return nil }

// Hash implements Tree.
func (t *DirTree) Hash(ctx context.Context, path string) (Entry, error) {
	o, err := t.dir.Stat(ctx, t.bot, path)
	return entryOf(o), err
}

// Read implements Tree.
func (t *DirTree) Read(ctx context.Context, path string) ([]byte, Entry, error) {
	data, o, err := t.dir.Read(ctx, t.bot, path, maxFile)
	return data, entryOf(o), err
}

// Write implements Tree.
func (t *DirTree) Write(ctx context.Context, path string, data []byte) (Entry, error) {
	o, err := t.dir.Write(ctx, t.bot, path, data)
	return entryOf(o), err
}

// Delete implements Tree; folders left empty are removed.
func (t *DirTree) Delete(ctx context.Context, path string) error {
	if err := t.dir.Delete(ctx, t.bot, path); err != nil {
		return err
	}
	t.removeEmptyParents(path)
	return nil
}

func (t *DirTree) removeEmptyParents(path string) {
	for d := filepath.Dir(path); d != "." && d != "/"; d = filepath.Dir(d) {
		if os.Remove(filepath.Join(t.at, d)) != nil { // not empty, or a link: stop
			break
		}
	}
}

// Move implements Tree: a rename through os.Root, which neither ".." nor a
// link can lead out of the folder.
func (t *DirTree) Move(ctx context.Context, from, to string) (Entry, error) {
	for _, p := range []string{from, to} {
		if _, err := events.CleanPath(p); err != nil {
			return Entry{}, err
		}
	}
	root, err := os.OpenRoot(t.at)
	if err != nil {
		return Entry{}, fmt.Errorf("moving %s: %w", events.DisplayPath(from), err)
	}
	defer root.Close()
	if dir := filepath.Dir(to); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return Entry{}, fmt.Errorf("moving %s: %w", events.DisplayPath(from), err)
		}
	}
	if err := root.Rename(from, to); err != nil {
		return Entry{}, fmt.Errorf("moving %s to %s: %w", events.DisplayPath(from), events.DisplayPath(to), err)
	}
	t.removeEmptyParents(from)
	return t.Hash(ctx, to)
}

// S3Tree is the files under a prefix of a bucket.
type S3Tree struct {
	c      *minio.Client
	bucket string
	prefix string // "" or ending in "/"
}

// multipartAbove is the size above which uploads are multipart (and their
// ETag is no longer the content's MD5).
const multipartAbove = 64 << 20

// NewS3Tree returns the tree at s3://bucket/prefix on the server cfg names
// (cfg.Bucket is ignored).
func NewS3Tree(cfg drive.S3Config, bucket, prefix string) (*S3Tree, error) {
	s, err := drive.NewS3(cfg)
	if err != nil {
		return nil, err
	}
	return NewS3TreeClient(s.Client(), bucket, prefix)
}

// NewS3TreeClient returns the tree at s3://bucket/prefix through c.
func NewS3TreeClient(c *minio.Client, bucket, prefix string) (*S3Tree, error) {
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		if _, err := events.CleanPath(prefix); err != nil {
			return nil, fmt.Errorf("s3 prefix %q: %w", prefix, err)
		}
		prefix += "/"
	}
	return &S3Tree{c: c, bucket: bucket, prefix: prefix}, nil
}

func (t *S3Tree) String() string { return "s3://" + t.bucket + "/" + t.prefix }

func (t *S3Tree) key(path string) (string, error) {
	if _, err := events.CleanPath(path); err != nil {
		return "", err
	}
	return t.prefix + path, nil
}

func (t *S3Tree) wrap(what, path string, err error) error {
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("%s %s in %s: %w: %w", what, events.DisplayPath(path), t, drive.ErrNotFound, err)
	}
	return fmt.Errorf("%s %s in %s: %w", what, events.DisplayPath(path), t, err)
}

// List implements Tree.
func (t *S3Tree) List(ctx context.Context) ([]Entry, []error, error) {
	var files []Entry
	var problems []error
	for o := range t.c.ListObjects(ctx, t.bucket, minio.ListObjectsOptions{Prefix: t.prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, problems, fmt.Errorf("listing %s: %w", t, o.Err)
		}
		if strings.HasSuffix(o.Key, "/") {
			continue // folder marker
		}
		rel := strings.TrimPrefix(o.Key, t.prefix)
		if _, err := events.CleanPath(rel); err != nil {
			problems = append(problems, fmt.Errorf("%s: skipping key %q: %w", t, o.Key, err))
			continue
		}
		files = append(files, Entry{Path: rel, Size: o.Size, MTime: o.LastModified.UnixMilli(), Hash: strings.Trim(o.ETag, `"`)})
	}
	return files, problems, nil
}

// errNotUTF8: S3 object keys are UTF-8, so such a file stays on its side.
var errNotUTF8 = errors.New("its name is not UTF-8, which S3 keys must be; kept where it is")

// Accepts implements Tree.
func (t *S3Tree) Accepts(path string) error {
	if !utf8.ValidString(path) {
		return errNotUTF8
	}
	return nil
}

// Hash implements Tree.
func (t *S3Tree) Hash(ctx context.Context, path string) (Entry, error) {
	key, err := t.key(path)
	if err != nil {
		return Entry{}, err
	}
	info, err := t.c.StatObject(ctx, t.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Entry{}, t.wrap("stat", path, err)
	}
	return Entry{Path: path, Size: info.Size, MTime: info.LastModified.UnixMilli(), Hash: strings.Trim(info.ETag, `"`)}, nil
}

// Read implements Tree.
func (t *S3Tree) Read(ctx context.Context, path string) ([]byte, Entry, error) {
	key, err := t.key(path)
	if err != nil {
		return nil, Entry{}, err
	}
	obj, err := t.c.GetObject(ctx, t.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Entry{}, t.wrap("reading", path, err)
	}
	defer obj.Close()
	info, err := obj.Stat()
	if err != nil {
		return nil, Entry{}, t.wrap("reading", path, err)
	}
	if info.Size > maxFile {
		return nil, Entry{}, fmt.Errorf("reading %s in %s: %d bytes, limit %d: %w", events.DisplayPath(path), t, info.Size, maxFile, drive.ErrTooLarge)
	}
	buf := bytes.NewBuffer(make([]byte, 0, info.Size))
	if _, err := buf.ReadFrom(obj); err != nil {
		return nil, Entry{}, t.wrap("reading", path, err)
	}
	return buf.Bytes(), Entry{Path: path, Size: info.Size, MTime: info.LastModified.UnixMilli(), Hash: strings.Trim(info.ETag, `"`)}, nil
}

// Write implements Tree: one PUT up to 64 MiB, multipart above.
func (t *S3Tree) Write(ctx context.Context, path string, data []byte) (Entry, error) {
	key, err := t.key(path)
	if err != nil {
		return Entry{}, err
	}
	info, err := t.c.PutObject(ctx, t.bucket, key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: multipartAbove})
	if err != nil {
		return Entry{}, t.wrap("writing", path, err)
	}
	return Entry{Path: path, Size: info.Size, MTime: info.LastModified.UnixMilli(), Hash: strings.Trim(info.ETag, `"`)}, nil
}

// errRemoteChanged: REMOTE's file is no longer what the pass saw.
var errRemoteChanged = errors.New("changed on REMOTE during the pass")

// guarded is a Tree whose writes and deletes happen only while a file is
// what a pass saw of it (was; nil: absent), errRemoteChanged otherwise, so
// a concurrent edit on that side is never overwritten.
type guarded interface {
	WriteIf(ctx context.Context, path string, data []byte, was *Entry) (Entry, error)
	DeleteIf(ctx context.Context, path string, was *Entry) error
}

// WriteIf implements guarded with S3's conditional PUT, checked by the
// server in the request itself: If-Match on the ETag the pass saw, or
// If-None-Match: * for a file the pass saw absent. A multipart upload
// (over 64 MiB) is checked with a HEAD just before it instead.
func (t *S3Tree) WriteIf(ctx context.Context, path string, data []byte, was *Entry) (Entry, error) {
	key, err := t.key(path)
	if err != nil {
		return Entry{}, err
	}
	opt := minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: multipartAbove}
	switch {
	case len(data) > multipartAbove:
		if err := t.still(ctx, path, was); err != nil {
			return Entry{}, err
		}
	case was == nil:
		opt.SetMatchETagExcept("*")
	default:
		opt.SetMatchETag(was.Hash)
	}
	info, err := t.c.PutObject(ctx, t.bucket, key, bytes.NewReader(data), int64(len(data)), opt)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "PreconditionFailed" {
			return Entry{}, fmt.Errorf("writing %s in %s: %w", events.DisplayPath(path), t, errRemoteChanged)
		}
		return Entry{}, t.wrap("writing", path, err)
	}
	return Entry{Path: path, Size: info.Size, MTime: info.LastModified.UnixMilli(), Hash: strings.Trim(info.ETag, `"`)}, nil
}

// DeleteIf implements guarded with a HEAD just before the delete (the
// client has no conditional DELETE): a narrow window, not none.
func (t *S3Tree) DeleteIf(ctx context.Context, path string, was *Entry) error {
	if err := t.still(ctx, path, was); err != nil {
		return err
	}
	return t.Delete(ctx, path)
}

// still checks that path is what was says.
func (t *S3Tree) still(ctx context.Context, path string, was *Entry) error {
	now, err := t.Hash(ctx, path)
	switch {
	case isNotFound(err) && was == nil:
		return nil
	case isNotFound(err):
		return fmt.Errorf("%s in %s: gone: %w", events.DisplayPath(path), t, errRemoteChanged)
	case err != nil:
		return err
	case was == nil || now.Hash != was.Hash:
		return fmt.Errorf("%s in %s: %w", events.DisplayPath(path), t, errRemoteChanged)
	}
	return nil
}

// Delete implements Tree.
func (t *S3Tree) Delete(ctx context.Context, path string) error {
	key, err := t.key(path)
	if err != nil {
		return err
	}
	if err := t.c.RemoveObject(ctx, t.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return t.wrap("deleting", path, err)
	}
	return nil
}

// Move implements Tree: CopyObject on the server, then a delete.
func (t *S3Tree) Move(ctx context.Context, from, to string) (Entry, error) {
	src, err := t.key(from)
	if err != nil {
		return Entry{}, err
	}
	dst, err := t.key(to)
	if err != nil {
		return Entry{}, err
	}
	info, err := t.c.CopyObject(ctx, minio.CopyDestOptions{Bucket: t.bucket, Object: dst}, minio.CopySrcOptions{Bucket: t.bucket, Object: src})
	if err != nil {
		return Entry{}, t.wrap("copying", from, err)
	}
	if err := t.Delete(ctx, from); err != nil {
		return Entry{}, err
	}
	return Entry{Path: to, Size: info.Size, MTime: info.LastModified.UnixMilli(), Hash: strings.Trim(info.ETag, `"`)}, nil
}

// isNotFound says whether err means the file is gone.
func isNotFound(err error) bool { return errors.Is(err, drive.ErrNotFound) }
