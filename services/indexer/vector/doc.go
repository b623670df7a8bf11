// Package vector stores chunk vectors behind one interface, Index, with two
// implementations that pass one contract test suite:
//
//   - Embedded (index_embedded.go), for `drivemon dev` and single-process
//     use: every collection in memory, searched by brute-force cosine
//     similarity and, for BM25, through an inverted index of the points'
//     terms (index_embedded_lexical.go) whose document frequencies, count
//     and total length are updated exactly on every write and delete,
//     persisted as an append-only log per collection under a
//     data folder (one CRC-checked record per write, synced before the
//     write returns, replayed at open, compacted by atomic rename when
//     mostly dead). A torn record at the end of a log (a crash in the
//     middle of a write) is cut off at open. A payload is logged as JSON
//     with "path_b64" and "kb_b64" (events.PathToJSON) when the path or
//     KB name is not UTF-8, so such names come back byte for byte.
//     Each point's terms are logged with it; a record from before terms
//     were logged gets the English terms of its text at open.
//   - Qdrant (index_qdrant.go), over gRPC with the official go-client:
//     cosine distance, a keyword payload index on "path", every write with
//     wait=true so a read after a write sees it. Beside the unnamed dense
//     vector each point has the sparse vector "bm25" (term → 32-bit FNV-1a
//     index, value BM25's saturated term frequency with a fixed average
//     chunk length, QdrantAvgLen), declared with the IDF modifier so the
//     server applies the same IDF; hybrid queries are two prefetches fused
//     server-side by the Query API's RRF with k = 60. A collection made
//     before the sparse vector existed fails Ensure with ErrVectorSize and
//     is rebuilt like one of another size.
//
// Query ranks in one of three modes (Mode): dense (cosine), lexical (BM25,
// k1 1.2, b 0.75, over the points' Terms) and hybrid (reciprocal rank
// fusion, k = 60, of the FusionDepth(k) best of each).
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
