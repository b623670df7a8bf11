// Package indexer keeps the vector index of every bot's knowledge bases in
// line with the documents in storage: the drivemon service behind
// outcome.indexer.<bot> and the KB search API.
//
// # Pipeline
//
// A KB change (subject drive.<bot>.kb.<token>, durable pull consumer
// bus.IndexerConsumer shared by every replica through worker.Changes)
// names a path. Sync reads that path fresh from storage (Reader, the
// drive.Reader contract; documents only, never config.csv), extracts its text (package extract), cuts it into
// chunks with content hashes (package chunk), and diffs the chunks against
// the document's points in the index (package vector), whose ids are
// vector.PointID(bot, kb, path, chunk hash, occurrence):
//
//   - chunks with no point are embedded (package embed) and upserted;
//   - points whose chunk only moved are rewritten with their stored vector
//     (new chunk_index; nothing is embedded);
//   - points whose chunk vanished are deleted, after the upserts, so a
//     search never sees the document empty mid-update;
//   - the document's point count must then equal its chunk count.
//
// A file that is gone is deleted from the index and the count checked to be
// zero. Identical content (same ETag, same embedder) does no work. The
// outcome carries status, etag, chunks_total, chunks_embedded and
// chunks_deleted.
//
// # Concurrent replicas
//
// Changes to one document may reach different replicas at once. Three rules
// make them converge on the latest content:
//
//  1. Read fresh: whatever change triggered it, a sync indexes what storage
//     holds when it runs, never the event's idea of the content. The last
//     change of a file is published after its last write, so the sync it
//     triggers sees the final content.
//  2. One sync per document at a time: a lease in the JetStream KV bucket
//     indexer-leases (Create fails while another replica holds it; a TTL
//     of Config.LeaseTTL frees the lease of a crashed replica; the holder
//     renews it at a third of the TTL and stops work if renewal fails). A
//     replica that finds the document busy waits up to Config.LeaseWait,
//     then hands the message back for a retry with backoff, so the busy
//     sync (which may have read older content) is always followed by one
//     that starts after it.
//  3. Never go backwards: the state of each document (bucket indexer-docs,
//     key "<bot>.<path token>") records the highest DRIVE stream sequence
//     fully processed; a change at or below it is skipped, since the sync
//     that recorded it started after that change was published and so read
//     content at least as new — provided the index holds what the state
//     says (the document's point count is its recorded chunk count, zero
//     when deleted). An index that disagrees (a fresh or restored one, a
//     replay into an empty index) gets the document indexed afresh.
//
// # Failures
//
// A failure is recorded in the document's state (status failed, the
// reason, the count of failures of that ETag), and the change is retried
// with exponential backoff up to the consumer's MaxDeliver, then parked on
// the DEAD stream: never retried forever. A failed outcome is published
// when the first try fails and when the worker gives up (worker.Changes:
// the tries in between publish nothing). A
// failure of the content itself fails at once (retrying cannot help): a
// file over the size limits, text over the text limit, a document the
// parser refuses (a malformed PDF or DOCX, a PDF page tree that loops), an
// extraction out of time. Its error text is the cause's, as written. New
// content arrives as a new change with a new ETag and starts from a clean
// count.
// Unsupported formats are skipped (status unsupported) and nothing of them
// stays in the index.
//
// Every access to the KV buckets and every outcome publish goes through
// host.Writes: each try has its own deadline (2 s, 3 tries), so a bucket
// that does not answer (the NATS server's disk is full) costs a worker
// seconds, the change is handed back for a later delivery, and
// WritesCheck (in /readyz) names the failing bucket until a write to it
// succeeds. An outcome that cannot be published is logged and dropped
// (the work it reports is done and recorded in the state).
//
// # Search: lexical, dense, hybrid
//
// Every point carries its chunk's terms (package lexical: Unicode words,
// lower-cased, Snowball-stemmed in the bot's language) and is ranked by
// BM25 (k1 1.2, b 0.75) through the index's own inverted index (embedded)
// or a sparse vector with the IDF modifier (Qdrant); see package vector.
// Search modes:
//
//   - lexical: BM25 alone; the default of a bot without an embedding
//     model. score is the BM25 sum (0 and up, unbounded).
//   - dense: the cosine similarity of the query's and the chunks' vectors
//     (-1..1).
//   - hybrid: both rankings fused by reciprocal rank fusion (k 60):
//     score is the sum of 1/(60 + rank) over the two lists (at most 2/61);
//     the default of a bot with an embedding model.
//
// Each hit's highlights are the words of its text whose terms are the
// query's. Without a model the built-in embedder (embed.Hashed) still
// fills the dense vectors, so mode=dense and mode=hybrid work, but it no
// longer ranks by default: BM25 alone finds more (docs/BENCHMARKS.md).
//
// # Embedders, languages and vector sizes
//
// Each bot's config.csv may set embedding-url and the other embedding-*
// keys. The indexer never reads config.csv: it watches the settings the
// compiler publishes (KV bucket SETTINGS, bus.WatchSettings; Run waits
// for the bucket's current values before it takes a change, so a replica
// that starts later has them) and uses those of the first of
// botpkg.GoverningConfigs that has any ("<x>.gbot/config.csv", x the
// package prefix of the KB folder, then "<bot>.gbot/config.csv"). A
// version with errors (botpkg.Validate, what `drivemon check` reports: an
// invalid embedding-* value, say) leaves the previous settings in force,
// and the compiler's outcome says so. A KB change waits (up to
// Config.LeaseWait) until the settings of the latest change of each of
// those config.csv files on DRIVE are published, so a config.csv and a
// document written together are indexed with the new settings; past
// that wait (the compiler down with its PostgreSQL, say) it is indexed
// with the settings in force, with a warning in the log, and synced again
// when the new ones arrive: indexing never stops with the compiler. When a bot's settings change (and at start, in
// case they changed while the indexer was down) its indexed documents
// whose embedder or analyzer the new settings change are synced again
// (resync.go), each with an outcome: a document whose change reached
// DRIVE before its config.csv's gets them without changing. Without
// embedding-url the built-in lexical embedder is used (embed.Hashed: word
// and character n-grams, not semantic). The key
// kb-language chooses the stemmer ("portuguese", "pt", "pt-BR"…; English
// by default; lexical.Languages lists them); an unknown language fails
// the bot's documents with the reason. A document's state records the
// embedder and the analyzer it was indexed with: a new embedder re-embeds
// it, a new language rewrites its points' terms (vectors kept), on its
// next sync. A collection
// has one vector size: when the embedder's size changes the collection is
// dropped and rebuilt, and its other documents are re-indexed as their
// changes arrive (known limit: nothing re-publishes them yet; the drop is
// logged). A document embedded by another embedder of the same size is
// fully re-embedded on its next change.
//
// # HTTP API (Routes)
//
//	GET /api/bots/{bot}/kb/{kb}/search?q=…&k=5&mode=hybrid|lexical|dense
//	    {"hits":[{"path","path_b64"?,"chunk_index","score","text","highlights"}]}
//	GET /api/bots/{bot}/kb                       {"bot", "kbs":[{"name","name_b64"?,"collection","chunks","documents":[{"path","path_b64"?,…}]}]}
//
// File names and KB folder names need not be UTF-8. In both answers every
// "path" (and a KB's "name") is the display form of events.PathToJSON,
// bytes that are not UTF-8 shown as U+FFFD, so two such names can look
// alike; only then "path_b64" ("name_b64") holds the exact bytes in
// standard base64. {kb} in the search URL is the KB's exact bytes,
// percent-encoded ("caf%E9"); a name with a slash or one events.CleanPath
// refuses ("..") gets 400. The document state (bucket indexer-docs) and the
// embedded vector index's log keep paths and KB names exact the same way
// ("path_b64", "kb_b64").
//
// mode defaults to the best available (above). Bad parameters get 400 and
// {"error": "..."}; an unknown KB 404.
package indexer
