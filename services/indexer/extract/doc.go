// Package extract turns knowledge-base documents into plain text for
// chunking: Markdown and plain text (as is, normalised to valid UTF-8 with
// "\n" line ends), HTML (visible text; headings become Markdown "#" lines,
// list items "- " lines), CSV (one paragraph per row, "column: value"),
// JSON (one "path: value" line per leaf, in document order), PDF (text per
// row, pages apart), and
// the Office Open XML formats DOCX (paragraphs; "Heading N" styles become
// "#" lines), XLSX (one line per row, one section per sheet) and PPTX (one
// section per slide).
//
// Paragraphs are separated by blank lines and headings use Markdown syntax
// whatever the input format, so package chunk can cut every format at its
// structure.
//
// # Bounded work
//
// Every format has a size limit on its input (Limits.MaxInput) checked before
// parsing. Every extractor writes its text through one bounded writer that
// counts it as it is produced and stops at Limits.MaxText (the text before
// normalisation), and counts against the same limit what it holds on the
// way (a DOCX paragraph being assembled, a PDF page's text runs): a CSV
// header repeated on every row or a JSON leaf nested thousands deep stops
// at the limit, never after building gigabytes. JSON is read token by
// token (members in document order), its path one buffer extended and cut
// back, never a string per level nor the whole document decoded; a CSV
// line of more than 65 536 fields is refused (the CSV reader holds about
// 40 bytes per field). The Office formats are
// read with limits on the number of zip entries and on the bytes
// decompressed (zip bombs fail with ErrTooLarge after reading at most the
// limit).
//
// PDFs: the page tree is walked here with every object visited once, and
// each page's /Parent chain checked, so a /Pages node listing itself or a
// page that is its own parent is ErrMalformed at once; cross-reference
// numbers no file of that size can hold are refused before the parser
// sizes its tables by them; each page's content is decoded within 4 MiB
// and all streams together within Limits.MaxUnzipped; and the parser
// reads the file through a source that checks the context and counts
// what it reads, so a loop inside the parser ends.
//
// Extraction runs in the caller's goroutine under Limits.Timeout; the
// extractors check the context in their loops, so nothing outlives the
// call. A parser panic on a malformed file becomes ErrMalformed. One file
// allocates at most ten times Limits.MaxText (320 MiB with the defaults),
// tested per format with hostile documents.
//
// Errors: ErrTooLarge, ErrMalformed and ErrTimeout are the document's
// fault and permanent for that content; the caller's cancellation comes
// back as the context's error.
package extract
