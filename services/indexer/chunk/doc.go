// Package chunk cuts extracted text into overlapping chunks for embedding,
// following the text's structure before its size.
//
// The text is read as light Markdown (the form package extract gives every
// format): "#" heading lines, paragraphs separated by blank lines, and
// fenced code blocks kept whole. Paragraphs are packed greedily into chunks
// of at most Size-Overlap bytes; a heading starts a new chunk unless the
// current one is less than a quarter full (so tiny sections merge). A
// paragraph longer than that is cut at white space (at a rune boundary when
// a single word is longer than a chunk). Each chunk after the first of a run
// starts with the last at most Overlap bytes of the previous chunk, cut at
// white space, so a chunk never exceeds Size bytes and context carries
// across size cuts; chunks that start at a heading carry no overlap.
//
// Sizes are bytes of UTF-8 text (characters, for ASCII). Because headings
// fix chunk starts, an edit to one paragraph changes only the chunks of its
// own section run, and unchanged text yields identical chunks with
// identical hashes: the basis of differential indexing.
package chunk
