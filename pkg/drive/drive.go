package drive

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// Object describes one stored file of a bot package.
type Object struct {
	Bot  string `json:"bot"`
	Path string `json:"path"`
	// ETag is the S3 ETag, or for a Dir the hex MD5 of the content (what S3
	// gives a single-part upload of the same bytes). Dir listings leave it
	// empty (hashing every file on every listing would be slow); Read and
	// Stat fill it.
	ETag  string `json:"etag"`
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime"` // unix ms
}

// Sentinel errors.
var (
	// ErrNotFound: the bot or file does not exist (any more).
	ErrNotFound = errors.New("not found")
	// ErrTooLarge: the file is larger than the limit the caller set.
	ErrTooLarge = errors.New("file too large")
	// ErrNotFile: the path names a folder, a device or a link leading out
	// of the package.
	ErrNotFile = errors.New("not a regular file inside the package")
	// ErrSymlink: a component of the path inside the package is a
	// symbolic link; writes never follow one. It is an ErrNotFile.
	ErrSymlink = fmt.Errorf("is a symbolic link, which writes never follow: %w", ErrNotFile)
)

// Reader reads files of bot packages. Implementations: *Dir, *S3.
type Reader interface {
	// Read returns the content of a file, at most max bytes, and the Object
	// describing exactly that content. Beyond max it returns ErrTooLarge
	// with the Object as far as known without reading (size, mtime, and the
	// ETag where the storage keeps one).
	Read(ctx context.Context, bot, path string, max int64) ([]byte, Object, error)
}

// Lister enumerates bot packages and their files.
type Lister interface {
	// Bots lists the bots the storage holds, sorted.
	Bots(ctx context.Context) ([]string, error)
	// List yields every file of bot whose path starts with prefix ("" for
	// all), paginated underneath, in no promised order. Folder markers are
	// skipped; a path that fails events.CleanPath is yielded as an error
	// (with the offending name in it) and listing goes on. A missing bot
	// yields ErrNotFound once.
	List(ctx context.Context, bot, prefix string) iter.Seq2[Object, error]
}

// Storage is a Reader and a Lister.
type Storage interface {
	Reader
	Lister
}

// ErrConflict: a conditional write lost a race too many times.
var ErrConflict = errors.New("concurrent write conflict")

// Writer changes files of bot packages. It enforces only what the storage
// must (paths inside the package, no symbolic link at any level of the
// path, atomic replace); which folders may be written is the caller's
// policy, and because no link is followed the path as written is the
// path written.
type Writer interface {
	// Write creates or replaces a file atomically: readers see the old or
	// the new content, never a mix.
	Write(ctx context.Context, bot, path string, data []byte) (Object, error)
	// Append adds data at the end of a file (creating it), refusing with
	// ErrTooLarge when the result would exceed max bytes.
	Append(ctx context.Context, bot, path string, data []byte, max int64) (Object, error)
	// Delete removes a file; ErrNotFound when there is none.
	Delete(ctx context.Context, bot, path string) error
}
