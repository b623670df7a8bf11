// Package embed turns chunk texts into vectors behind one interface,
// Embedder, with two implementations:
//
//   - Hashed, the built-in offline default: a lexical embedding, not a
//     semantic one. Each text's lower-cased words, word pairs and character
//     trigrams are hashed (FNV-1a, signed) into a fixed number of dimensions
//     (384 by default) and the vector is L2-normalised. Texts that share
//     words and spellings score high; synonyms and paraphrases do not. It
//     needs no model or server, so `drivemon dev` works anywhere, and it is
//     deterministic. Search no longer ranks by it unless asked (mode=dense
//     or hybrid): BM25 alone finds more (see the indexer's doc).
//   - HTTP, a client of an OpenAI-compatible POST /v1/embeddings endpoint
//     (OpenAI, llama.cpp's server, Ollama, vLLM, LocalAI), configured per
//     bot by the config.csv keys embedding-url, embedding-model,
//     embedding-key, embedding-dimensions, embedding-batch-size and
//     embedding-batch-tokens (botpkg.Config.Embedding reads and validates
//     them; FromEmbedding builds the client from the published settings,
//     FromSettings from a config.csv). Batches are bounded both by count and by an
//     estimate of their tokens (bytes/3, rounded up; default budget 512
//     tokens, the physical batch of a default llama.cpp server, since a
//     batch larger than that crashed upstream's server). Requests time out,
//     and network errors, 429 and 5xx answers are retried with exponential
//     backoff (honouring Retry-After); other answers fail at once with
//     ErrRejected. Answers are checked: one vector per input, all of one
//     size, the configured size when embedding-dimensions is set.
//
// ID names an embedder's vector space; vectors from embedders with
// different IDs must never be compared.
package embed
