//go:build !unix

package drive

import (
	"context"
	"errors"
)

// errNoSafeWrite: without openat and O_NOFOLLOW a write cannot be kept from
// following a link swapped in during the write, so folders are read-only.
var errNoSafeWrite = errors.New("writing to a folder needs a unix system (openat with O_NOFOLLOW)")

// Write implements Writer: refused on this system.
func (d *Dir) Write(ctx context.Context, bot, p string, data []byte) (Object, error) {
	return Object{}, errNoSafeWrite
}

// Append implements Writer: refused on this system.
func (d *Dir) Append(ctx context.Context, bot, p string, data []byte, max int64) (Object, error) {
	return Object{}, errNoSafeWrite
}

// Delete implements Writer: refused on this system.
func (d *Dir) Delete(ctx context.Context, bot, p string) error { return errNoSafeWrite }
