// Package extract turns knowledge-base documents into plain text for
// chunking: Markdown and plain text (as is, normalised to valid UTF-8 with
// "\n" line ends), HTML (visible text; headings become Markdown "#" lines,
// list items "- " lines), CSV (one paragraph per row, "column: value"), JSON
// (one "path: value" line per leaf), PDF (text per row, pages apart), and
// the Office Open XML formats DOCX (paragraphs; "Heading N" styles become
// "#" lines), XLSX (one line per row, one section per sheet) and PPTX (one
// section per slide).
//
// Paragraphs are separated by blank lines and headings use Markdown syntax
// whatever the input format, so package chunk can cut every format at its
// structure.
//
// Every format has a size limit on its input (Limits.MaxInput) checked before
// parsing, and the Office formats are read with limits on the number of zip
// entries and on the bytes decompressed (zip bombs fail with ErrTooLarge
// after reading at most the limit). Extraction runs under a timeout; a parser
// panic on a malformed file becomes ErrMalformed. A PDF parser stuck in a
// loop cannot be stopped from outside in Go: on timeout Extract returns
// ErrTimeout at once and the abandoned goroutine ends when the parser does.
package extract
