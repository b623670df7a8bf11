// Package drive reads and writes bot packages where they are stored: a local folder of
// <bot>.gbai folders (Dir) or S3-compatible object storage (S3), either one
// bucket per bot (<bot>.gbai) or one bucket with <bot>.gbai/ prefixes.
//
// Consumers read a file's content through Reader when they process a change
// and record the ETag of the content they actually read (Object.ETag), never
// the ETag the change event announced: the file may have changed again in
// between, and the next change event will say so.
//
// Writer writes files (used by the sandboxed write API): a Dir replaces a
// file atomically (temporary file, fsync, rename) and appends with O_APPEND;
// S3 appends by read-modify-write guarded by If-Match, retried a bounded
// number of times (ErrConflict after that).
//
// Every path goes through events.CleanPath; a Dir reads through os.Root, so
// neither ".." nor a symbolic link can lead out of the package. A Dir
// writes, appends and deletes without following any symbolic link at all:
// it opens each folder of the path from the one before with openat and
// O_NOFOLLOW|O_DIRECTORY and works on the last one's descriptor, so a link
// anywhere in the path (ErrSymlink), even one swapped in during the write,
// cannot redirect it to another folder of the package — the path as
// written, which the caller's policy checked, is the file changed. Folders
// are read-only on systems without openat.
package drive
