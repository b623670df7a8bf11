// Package bus carries the events of package events over NATS JetStream:
// the transport, kept apart from the contract.
//
// Publish sends a change on its subject with its deterministic id as
// Nats-Msg-Id (ChangeMsg builds the message for pipelined publishing);
// PublishOutcome sends an outcome; Decode reads a change from a JetStream
// message with its stream sequence.
//
// EnsureStreams creates DRIVE, OUTCOMES and DEAD idempotently at every
// start (every stream and KV bucket goes through EnsureStream or
// EnsureKeyValue, which write only when the definition differs, with at
// least WithReplicas' replicas and never fewer than they have).
// WorkQueueConsumer defines the durable pull consumers shared by a
// service's replicas (explicit ack, 30 s ack wait, 10 deliveries, then the
// DEAD stream through package worker); CompilerConsumer and
// IndexerConsumer are the services' own.
//
// Settings: the compiler publishes the settings of each config.csv version
// (a botpkg.Settings; one with errors carries the last good version's) in
// the KV bucket SettingsBucket under
// SettingsKey (PutSettings: never over a later version, by DRIVE sequence;
// a removed file leaves a tombstone with its sequence, so a late older
// write cannot bring it back). The themer and the indexer follow it with
// WatchSettings: a SettingsView holds every value the bucket had when the
// watch began (Ready), then each change, so a service that starts later
// still gets the settings; Governing and Primary answer with botpkg's
// rules which config.csv applies, Version which version of one it holds.
//
// Origins: when drivemon itself writes a file, the writer first records
// an OriginMark under OriginKey in the KV bucket OriginsBucket
// (MarkOrigin); a detector that then sees the file with that etag sets
// the change's origin (LookupOrigin), so the writer can tell its own echo
// from an author's edit and never loop.
package bus
