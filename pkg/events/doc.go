// Package events is drivemon's shared contract: the change event every
// detector publishes, the outcome event every service publishes, the subjects
// and streams they travel on, and the one set of functions that turns a path
// inside a bot package into a kind, a key and a subject. Every service uses
// these functions and no other form, so a delete always finds what a create
// wrote.
//
// # Paths and keys
//
// A bot package is a folder or bucket named <bot>.gbai. Paths are relative
// to its root, keep their full folder structure, and pass CleanPath: no
// "..", ".", empty segments, absolute paths, backslashes, NUL or control
// characters. Names that are not UTF-8 are kept byte for byte; their JSON
// form adds "path_b64" (and "from_b64", "kb_b64" for a move's origin and a
// KB folder's name) so they round-trip. Key(bot, path) = "<bot>/<path>"
// is the canonical identity of a file; PathToken(path) its fixed-length
// token in subjects and KV keys. Classify(path) gives its Kind (dialog, kb
// with its KB name, config, theme, drive, data, other); Kind, Class and
// Classify are pkg/botpkg's, which owns the layout of a bot package (the
// one folder → kind table), so the contract and every consumer agree.
//
// # Change events (stream DRIVE, version 1)
//
//	{"v":1, "id":"…", "bot":"harbor", "kind":"dialog", "op":"updated",
//	 "path":"harbor.gbdialog/start.bas", "etag":"…", "size":120,
//	 "mtime":1763700000000, "source":"dir", "detected_by":"watch", "base":41}
//
// op is created, updated, deleted, moved (with "from"), target_lost or
// target_found (kind "package"). A move is published on the new path's
// subject, so it is only a move within one kind; across kinds (a document
// moved out of a knowledge base) it is a deleted and a created. kb is set for kind kb. etag is the S3 ETag
// or, for folders, the MD5 of the content (the same value S3 gives a
// single-part upload). mtime is unix milliseconds. seq is the stream
// sequence, filled in by Decode. A change carries no content: a
// consumer reads the file from the storage.
//
// The id (ComputeID) is deterministic and sent as Nats-Msg-Id: the same
// transition seen twice (two detectors, or a notification and a
// reconciliation) is stored once within the duplicate window (2 minutes).
// It covers bot, path, from, etag, base, and the op with created and updated
// counted as one.
//
// # Subjects and streams
//
//	drive.<bot>.<kind>.<path-token>     DRIVE     changes; latest DriveHistory per file, no age limit
//	outcome.<service>.<bot>             OUTCOMES  results, 7 days
//	dead.<consumer>.<original subject>  DEAD      messages given up on, 30 days
//
// Consumers filter by wildcards: drive.*.kb.> (all KB documents),
// drive.harbor.> (one bot), drive.harbor.theme.> (one bot's theme).
//
// # Contract and transport
//
// This package is the contract only: it imports no NATS package (a test in
// test/deps holds it to that). The bus plumbing lives in package bus:
// publishing (Publish, PublishOutcome, Decode of a JetStream message), the
// stream, KV and consumer definitions (EnsureStreams, EnsureKeyValue,
// WorkQueueConsumer, WithReplicas), the published settings of every
// config.csv (KV bucket SETTINGS: PutSettings, WatchSettings) and origin
// marks (MarkOrigin,
// LookupOrigin in the KV bucket DRIVEMON_ORIGINS, copied by the detector
// into a change's "origin" so a writer can skip its own echo; the origin
// is not part of the id). Package worker is the ack/backoff/dead-letter
// loop every consumer uses, package deadletter lists and re-runs what was
// parked; internal/natsembed embeds a JetStream server.
//
// # Outcomes
//
// After processing a change a service publishes an Outcome on
// outcome.<service>.<bot>: path, etag, status (ok, failed, deleted,
// skipped), error, plus service fields (diagnostics; chunks_total,
// chunks_embedded, chunks_deleted; config diffs for the themer).
package events
