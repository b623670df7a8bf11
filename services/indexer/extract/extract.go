package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// Format is a document format the extractor knows.
type Format string

// Formats.
const (
	Markdown Format = "md"
	Text     Format = "txt"
	HTML     Format = "html"
	CSV      Format = "csv"
	JSON     Format = "json"
	PDF      Format = "pdf"
	DOCX     Format = "docx"
	XLSX     Format = "xlsx"
	PPTX     Format = "pptx"
)

// Formats lists every supported format.
var Formats = []Format{Markdown, Text, HTML, CSV, JSON, PDF, DOCX, XLSX, PPTX}

var extensions = map[string]Format{
	".md": Markdown, ".markdown": Markdown, ".txt": Text, ".text": Text,
	".html": HTML, ".htm": HTML, ".csv": CSV, ".json": JSON, ".pdf": PDF,
	".docx": DOCX, ".xlsx": XLSX, ".pptx": PPTX,
}

// FormatOf returns the format of a file by its extension (case-insensitive).
func FormatOf(name string) (Format, bool) {
	f, ok := extensions[strings.ToLower(path.Ext(name))]
	return f, ok
}

// Sentinel errors, wrapped by every error Extract returns.
var (
	// ErrUnsupported: the file's extension is not a known format. Not
	// worth retrying.
	ErrUnsupported = errors.New("unsupported document format")
	// ErrTooLarge: the input, its decompressed parts or its text exceed a
	// limit. Not worth retrying with the same content.
	ErrTooLarge = errors.New("document too large")
	// ErrMalformed: the parser rejected the content (for a PDF, also a page
	// tree that loops). Not worth retrying with the same content.
	ErrMalformed = errors.New("malformed document")
	// ErrTimeout: extraction took longer than Limits.Timeout. Not worth
	// retrying with the same content either.
	ErrTimeout = errors.New("extraction timed out")
)

// Limits bound the work Extract does for one document.
type Limits struct {
	// MaxInput is the largest input per format, in bytes; formats not in
	// the map use DefaultMaxInput.
	MaxInput map[Format]int64
	// MaxUnzipped bounds the bytes decompressed from an Office file, all
	// entries together, counted as they stream (entries are parsed as they
	// decompress, never held whole), or from a PDF's page contents and
	// fonts; MaxZipEntries bounds an Office file's number of entries.
	MaxUnzipped   int64
	MaxZipEntries int
	// MaxText bounds the extracted text, in bytes, counted as it is
	// produced, with what an extractor holds on the way to it.
	MaxText int
	// Timeout bounds one extraction.
	Timeout time.Duration
}

// Defaults of Limits.
const (
	DefaultMaxInput      = 16 << 20
	DefaultMaxUnzipped   = 64 << 20
	DefaultMaxZipEntries = 10000
	DefaultMaxText       = 32 << 20
	DefaultTimeout       = 60 * time.Second
)

// DefaultLimits returns the default limits: 16 MiB for text formats, 64 MiB
// for PDF and the Office formats.
func DefaultLimits() Limits {
	return Limits{
		MaxInput: map[Format]int64{
			PDF: 64 << 20, DOCX: 64 << 20, XLSX: 64 << 20, PPTX: 64 << 20,
		},
		MaxUnzipped:   DefaultMaxUnzipped,
		MaxZipEntries: DefaultMaxZipEntries,
		MaxText:       DefaultMaxText,
		Timeout:       DefaultTimeout,
	}
}

func (l Limits) withDefaults() Limits {
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = DefaultMaxUnzipped
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = DefaultMaxZipEntries
	}
	if l.MaxText <= 0 {
		l.MaxText = DefaultMaxText
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	return l
}

// Input returns the input size limit of a format.
func (l Limits) Input(f Format) int64 {
	if n, ok := l.MaxInput[f]; ok && n > 0 {
		return n
	}
	return DefaultMaxInput
}

// Extractor extracts text within limits. Its zero value is not usable; call
// New.
type Extractor struct{ limits Limits }

// New returns an extractor with the given limits (zero fields take the
// defaults).
func New(l Limits) *Extractor { return &Extractor{limits: l.withDefaults()} }

// Limits returns the extractor's limits.
func (e *Extractor) Limits() Limits { return e.limits }

// MaxInput is the input limit for the file name's format (DefaultMaxInput
// for unknown formats), for readers that bound what they load.
func (e *Extractor) MaxInput(name string) int64 {
	f, _ := FormatOf(name)
	return e.limits.Input(f)
}

// Extract returns the text of the document name (whose extension decides the
// format) holding data.
func (e *Extractor) Extract(ctx context.Context, name string, data []byte) (string, error) {
	f, ok := FormatOf(name)
	if !ok {
		return "", fmt.Errorf("extracting %s: %w %q", name, ErrUnsupported, path.Ext(name))
	}
	if max := e.limits.Input(f); int64(len(data)) > max {
		return "", fmt.Errorf("extracting %s: %w: %d bytes, the %s limit is %d", name, ErrTooLarge, len(data), f, max)
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, e.limits.Timeout)
	defer cancel()
	w := newTextWriter(ctx, e.limits.MaxText)
	if err := e.run(ctx, f, data, w); err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			err = parent.Err() // the caller gave up: not the document's fault
			if err == nil {
				err = fmt.Errorf("%w after %s", ErrTimeout, e.limits.Timeout)
			}
		}
		return "", fmt.Errorf("extracting %s as %s: %w", name, f, err)
	}
	text := clean(w.String())
	if len(text) > e.limits.MaxText {
		// Only invalid UTF-8 grows in cleaning (a byte becomes U+FFFD).
		return "", fmt.Errorf("extracting %s: %w: %d bytes of text, the limit is %d", name, ErrTooLarge, len(text), e.limits.MaxText)
	}
	return text, nil
}

// run extracts in the caller's goroutine, so nothing outlives the call: the
// extractors stop at the text limit or when ctx ends. A parser panic on a
// malformed file becomes ErrMalformed.
func (e *Extractor) run(ctx context.Context, f Format, data []byte, w *textWriter) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: parser panic: %v", ErrMalformed, p)
		}
	}()
	if err := e.extract(ctx, f, data, w); err != nil {
		return err
	}
	return w.Err()
}

func (e *Extractor) extract(ctx context.Context, f Format, data []byte, w *textWriter) error {
	switch f {
	case Markdown, Text:
		w.Write(data)
		return nil
	case HTML:
		return extractHTML(data, w)
	case CSV:
		return extractCSV(data, w)
	case JSON:
		return extractJSON(data, w)
	case PDF:
		return extractPDF(ctx, data, e.limits, w)
	case DOCX:
		return extractDOCX(data, e.limits, w)
	case XLSX:
		return extractXLSX(data, e.limits, w)
	case PPTX:
		return extractPPTX(data, e.limits, w)
	}
	return fmt.Errorf("%w %q", ErrUnsupported, f)
}

// clean makes text valid UTF-8 without a BOM, NUL bytes or "\r", with
// trailing spaces trimmed from lines, at most one blank line in a row, and
// no leading or trailing blank lines.
func clean(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\x00", "")
	var b bytes.Buffer
	b.Grow(len(s))
	blank := 0
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, " \t\n\u00a0")
		if strings.TrimSpace(line) == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank > 0 {
				b.WriteByte('\n')
			}
		}
		blank = 0
		b.WriteString(line)
	}
	return b.String()
}
