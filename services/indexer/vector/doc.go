// Package vector stores chunk vectors behind one interface, Index, with two
// implementations that pass one contract test suite:
//
//   - Embedded (index_embedded.go), for `drivemon dev` and single-process
//     use: every collection in memory, searched by brute-force cosine
//     similarity, persisted as an append-only log per collection under a
//     data folder (one CRC-checked record per write, synced before the
//     write returns, replayed at open, compacted by atomic rename when
//     mostly dead). A torn record at the end of a log (a crash in the
//     middle of a write) is cut off at open. A payload is logged as JSON
//     with "path_b64" and "kb_b64" (events.PathToJSON) when the path or
//     KB name is not UTF-8, so such names come back byte for byte.
//   - Qdrant (index_qdrant.go), over gRPC with the official go-client:
//     cosine distance, a keyword payload index on "path", every write with
//     wait=true so a read after a write sees it.
//
// Names and ids have one source each: CollectionName(bot, kb) names the
// collection of a knowledge base (one per bot and KB), and PointID(bot, kb,
// path, hash, occurrence) is a UUIDv5 of those fields, so re-indexing the
// same chunk writes the same point rather than a duplicate, and a document's
// points are found again by its path payload. A collection has one vector
// size for life: Ensure fails with ErrVectorSize rather than mix sizes, and
// the caller drops and rebuilds the collection.
//
// Every point carries the payload bot, kb, path, chunk_index, text, hash
// and etag (the document version the chunk was written for).
package vector
