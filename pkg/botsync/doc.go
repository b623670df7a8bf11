// Package botsync keeps an author's working copy of a bot package (LOCAL,
// a folder) in step with REMOTE (an S3 prefix or another folder): the
// engine behind `drivemon sync`.
//
// Every decision is a three-way comparison with the base, the last version
// of each path both sides agreed on, kept in LOCAL/.drivemon/sync-<id>.json
// (written atomically; names that are not UTF-8 kept as path_b64). A side
// is Absent, Unchanged (its content hash is the base's) or Changed (new or
// different); Decide maps the two sides to an Op, a pure function:
//
//	changed on one side                       copy it over
//	changed on both, same content             agree (no transfer)
//	changed on both, different content        conflict
//	deleted on one side, unchanged on other   delete
//	deleted on one side, changed on other     keep the changed one
//	no base (first run): union; identical files agree, different ones conflict, nothing deleted
//
// A conflict keeps REMOTE's version at the path and LOCAL's edit as
// <path>.conflict-<host>-<yyyymmdd-hhmmss> on both sides, written before
// the path is overwritten. Mode push only writes REMOTE and pull only
// LOCAL (both-changed paths are Held for a two-way pass); mirror makes
// REMOTE an exact copy of LOCAL, deletes included.
//
// Content hashes are MD5s (an S3 ETag for single-part uploads; uploads up
// to 64 MiB are single-part, and the base keeps REMOTE's ETag apart from
// the MD5, so a multipart ETag still tells a change). A folder file whose
// size and mtime are the base's, with the mtime older than the base entry
// by 2 s, is not hashed again. Downloads go to a temporary file renamed
// over the path; LOCAL is re-hashed before it is overwritten or deleted,
// and an action whose file changed meanwhile is left for the next pass.
// A pass copies 8 files at a time, then makes its moves and deletes one
// by one (a delete removes the folders it leaves empty, which a copy into
// them must not race). The base is saved every second during a pass and
// at its end: a pass
// killed in between (kill -9) leaves copies the next pass recognises as
// agreed (same content on both sides), not as conflicts, and transfers
// only what was not complete.
//
// Writes to S3 are guarded: an upload over a file REMOTE had is a PUT with
// If-Match on the ETag the pass saw, one over a file it did not have
// If-None-Match: *, so MinIO refuses it when someone else wrote the file
// meanwhile; the path is then decided again (a local edit against that
// remote edit is a conflict, nothing is overwritten). Deletes and
// multipart uploads check the ETag with a HEAD just before (the client
// has no conditional DELETE): a narrow window, not none.
//
// Moves: a delete and a new file with the deleted one's content on the
// same side, found in one pass, become a rename on the other side — a
// server-side copy and a delete on S3 (no upload), a rename in a folder.
//
// The base also keeps the last pass's summary, first errors and excludes;
// Status compares LOCAL with each base without contacting REMOTE
// (`drivemon sync status`).
//
// Folders are read and written through pkg/drive's Dir (os.Root, openat
// without following links): nothing outside the package, no link
// followed. S3 keys must be UTF-8, so a LOCAL name that is not stays local
// and is reported each pass. Exclusions (DefaultExcludes, --exclude globs,
// and the gitignore patterns of LOCAL's .drivemonignore, read at every
// pass with github.com/sabhiram/go-gitignore) hide a path from both sides.
//
// Watch (the default of `drivemon sync` without --once) keeps both sides in
// step: LOCAL through the detector's folder watching (pkg/fswatch: one
// inotify watch per folder, new folders scanned at once, a path looked at
// once quiet for 50 ms and at most 500 ms after its first event; an
// inotify overflow asks for a full pass), REMOTE through a Journal — the
// DRIVE stream, where the detector publishes every change of the bucket,
// its sequence the cursor, kept in the base — or, without one, a listing
// every Interval. What changed is looked at by PassOver: one Hash per side
// per path, no listing, so a quiet moment with a Journal costs REMOTE no
// request at all. A watch holds LOCAL's lock, so it reads the base once
// and keeps it in memory (saved after every pass). A restart with a cursor the stream still holds lists
// LOCAL only and resumes the journal; otherwise it starts with a full
// pass. The paths of a pass with failures are tried again after 1 s,
// doubling to 1 min.
//
// Not yet: streaming of files over 1 GiB (a file is held in memory while
// it is copied), progress bars.
package botsync
