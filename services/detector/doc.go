// Package detector watches bot packages — a local folder of <bot>.gbai
// folders and/or an S3-compatible store — and publishes every change to a
// file on the DRIVE stream (drive.<bot>.<kind>.<path-token>, see package
// events) within milliseconds, never missing one, never publishing one
// twice, and never waiting on the services that consume them.
//
// # Sources
//
// A Source turns what a storage says into observations ("this path now
// holds this", "this path is gone") and hands them to a Sink, the narrow
// port the engine implements: observe a path, reject a path that cannot
// enter the system, set a package present or gone, reconcile a listing,
// list the packages the state holds, count a duplicate notification. The
// engine decides what is a change; a source never reaches into it, so a
// source's tests can record exactly what it hands over.
// The folder source (source_dir.go, with pkg/fswatch, which `drivemon
// sync` shares) keeps one inotify watch per folder
// (fsnotify has no recursive watch on Linux): a new folder is watched and
// scanned at once, so files made by `mkdir -p a/b/c && touch a/b/c/f`
// before its watch existed are found. Every path waits Config.Settle (50 ms)
// of quiet before it is looked at, so an editor's save storm is one event,
// but never more than Config.MaxSettle (10 × Settle) after its first event,
// so a file that never stays quiet (a growing log) is still reported;
// a rename whose new end appears within that window becomes "moved",
// otherwise "deleted" + "created". An inotify overflow and every
// Config.Rescan start a full reconciliation. The root may be missing (it is
// polled for every Config.RootPoll), deleted (target_lost and deleted for
// every file of every package), re-created or replaced by a file.
// Packages are found at any depth under the root, up to MaxPackageDepth
// (upstream's bots/<category>/<bot>.gbai), never inside another package;
// the folders searched are watched, so a package made anywhere is found
// (FindPackages). Two packages for one bot are a conflict: one is watched,
// the other reported, never merged. A link named <bot>.gbai to a folder
// is a package (its target is watched); any other symbolic link is never
// followed; names that are not UTF-8 are kept byte
// for byte; editor temporary files (Config.Ignore) and Config.IgnorePaths
// are never reported. A move across kinds (out of a knowledge base, say) is
// published as deleted + created so each kind's consumers see their side.
// A change whose content drivemon itself wrote carries the writer's origin
// (bus.LookupOrigin) so writers never react to their own echo.
//
// The S3 source (source_s3.go) finds bots as buckets <bot>.gbai, or as
// <bot>.gbai/ prefixes of one bucket, at start and every BotsInterval. Its
// fast path (notify_jetstream.go) is MinIO's native NATS targets: raw
// events on RawSubject and below it land in the RAW stream, read by the
// durable consumer RawConsumer that all detector replicas share. The RAW
// stream is created before any bucket's notifications are set (NotifyARNs):
// MinIO's publish to a subject no stream holds stalls one of its send
// workers for seconds. Each bucket notifies two targets, because one
// alone is either fast or lossless: without a queue directory MinIO sends
// at once (PUT → event p50 0.06 ms, p99 0.8 ms) but drops events while NATS
// is unreachable; with one it loses nothing but replays its queue on a
// fixed 3 s tick (p50 1.8 s). Both together delivered 500 of 500 PUTs at
// p50 0.07 ms, p99 0.93 ms, and all of them through a 1 s NATS outage in
// which the fast target alone lost 216. The first copy of an event makes
// the change (DetectedBy notify); the second is recognised by bucket, key,
// event name and sequencer (the same in every copy; a delete has no ETag)
// in a bounded memory of the events handled lately, and acknowledged
// without a Stat or a state write. A copy no longer remembered, or handled
// by another replica, is looked at like any notification and is no change
// by the state, which already holds that ETag or tombstone. Keys are
// URL-decoded, each object is confirmed with a Stat (notifications are
// hints, possibly late, duplicated or lost) and handed to the engine; the
// message is acknowledged only after that. A malformed notification is
// logged and parked on the DEAD stream. Reconciliation is the truth: per bot, a
// listing of the top level (one request) and then one prefix-scoped,
// paginated listing per top-level folder whose kind is due (Reconcile per
// kind), diffed against the state. The first reconciliation after a start
// is the catch-up: it emits exactly the creates, updates and deletes made
// while the detector was down. Folder markers are ignored, 0-byte objects
// are files, and an identical re-upload (same ETag) is no change.
//
// # State and publishing
//
// The durable per-file state lives in the JetStream KV bucket
// DRIVEMON_STATE under <source>.<bot>.<PathToken(path)>: path, ETag,
// size, mtime, version, and a tombstone flag once deleted. Package
// presence is under <source>.<bot>.pkg. The source kind leads the key
// (unlike a plain <bot>.<token>) so that a folder and a store watched by
// one process, which may both hold a bot of the same name, never
// reconcile each other's files away. Tombstones are kept rather than
// deleting the key so the revision keeps growing: the revision a change
// was computed from is its Base, part of its deterministic id, so the same
// transition seen twice (a notification and a listing; two detectors)
// has one id and JetStream stores it once, while the same content
// re-created after a delete gets a new id.
//
// For each observation the engine reads the entry, decides (created,
// updated, deleted, moved, or nothing; a new mtime with the same ETag only
// refreshes the entry), publishes with Nats-Msg-Id, waits for the
// acknowledgement and only then writes the entry with compare-and-set on
// the revision it read. Two detectors on one source therefore publish
// each change once: both compute the same id (deduplicated by the
// stream), and the loser's compare-and-set fails, so it re-reads and finds
// nothing left to do. Folder listings carry no ETag: size and mtime equal
// to the entry mean unchanged, anything else is hashed. Observations from
// listings are confirmed with a Stat before they become changes, so a
// listing older than a notification never undoes it.
//
// Observations are spread over Config.InFlight shards by path: one path is
// handled in order, different paths in parallel, and at most InFlight
// publishes are in flight. While NATS is unreachable every operation on it
// (publish, state read and write, the state scans of a reconciliation or a
// bot discovery) is retried with backoff (RetryMin doubling to RetryMax);
// a publish or state access is bounded by AckTimeout per try, a scan by
// AckTimeout without progress. The detector never stops for an outage and
// the state is not advanced, so nothing is lost: what was not published is found again
// by the next reconciliation. Paths that cannot enter the system (.., NUL,
// absolute, backslash) are logged and reported as a failed outcome on
// outcome.detector.<bot> once per process, and never published; files that
// cannot be read are reported the same way and retried by the next
// reconciliation.
//
// # Entry points
//
// New(Config, Deps) builds the service, Run watches until the context
// ends (promptly, even mid-scan: queued observations are dropped, their
// state not advanced, so the next start finds them again), Scanned and
// Status report the initial scan's progress, and Routes
// serves GET /api/detector/status. cmd/detector runs it from the
// environment (FromEnv).
package detector
