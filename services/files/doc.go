// Package files is drivemon's file service: the change journal ("what
// changed since cursor N"), sandboxed writes into bot packages over HTTP and
// NATS request/reply, and the audit log.
//
// # Writes
//
// PUT /api/bots/{bot}/files/{path...} creates or replaces a file,
// POST …?append=1 appends, DELETE removes; the same operations are served on
// the NATS subjects files.<bot>.put, files.<bot>.append and files.<bot>.delete
// (header Drivemon-Path, body the content; the reply is the same JSON as
// HTTP). A write must name a path inside the bot's package (events.CleanPath:
// no "..", encoded or not, no absolute path, NUL or backslash), under one of
// the writable folders (default: any <x>.gbdrive/ or <x>.gbdata/ folder of
// the package), within the size limit. The storage follows no symbolic
// link at any level of the path, checked at the moment of the write (a
// folder opens each component with O_NOFOLLOW from the one before), so the
// path the policy checked is the file written: a link such as
// harbor.gbdrive/d -> ../harbor.gbdialog, or a writable top folder that is
// a link, is refused (403 over HTTP, status 403 over NATS, naming the
// link), and so is one swapped in during the write. S3 has no links; the
// same policy applies. Local files are replaced atomically. Refusals are
// 4xx with a JSON reason.
//
// Before writing, the service records an origin mark (bus.MarkOrigin) for
// the content it writes; the detector copies it into the change event's
// origin, so the writer — a bot tool that writes on every change, say — can
// skip its own echo and never loop.
//
// Writes need "Authorization: Bearer <token>" (the scheme in any case, RFC
// 7235) when a token is configured (compared in constant time) and are
// disabled when none is, except that drivemon dev allows them without a
// token from loopback HTTP clients, and over NATS only while its NATS
// server listens on loopback (LoopbackNATS); dev reads FILES_TOKEN too.
//
// # Journal
//
// GET /api/bots/{bot}/changes?since=<cursor>&limit=N answers
// {"cursor", "changes": [{"path","op","etag","size","mtime","seq"}], "reset"}
// from the DRIVE stream (package journal).
//
// # Audit
//
// Package audit appends every change and outcome to a file per bot per day.
package files
