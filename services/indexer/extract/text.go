package extract

import (
	"context"
	"fmt"
	"strings"
)

// textWriter collects a document's text up to a limit, counted as it is
// written, together with the intermediate state an extractor holds for it
// (Hold): the first write that would pass the limit is dropped with every
// write after it, and Err reports ErrTooLarge. Err also reports the
// context's end, so an extractor that checks Err in its loops stops at the
// limit or on cancellation, whatever the input.
type textWriter struct {
	ctx  context.Context
	max  int
	b    strings.Builder
	held int // bytes of intermediate state counted against max
	err  error
}

func newTextWriter(ctx context.Context, max int) *textWriter {
	return &textWriter{ctx: ctx, max: max}
}

// room reports whether n more bytes fit, and records ErrTooLarge if not.
func (w *textWriter) room(n int) bool {
	if w.err != nil {
		return false
	}
	if n > w.max-w.b.Len()-w.held {
		w.err = fmt.Errorf("%w: more than %d bytes of text", ErrTooLarge, w.max)
		return false
	}
	growDouble(&w.b, n)
	return true
}

// growDouble makes room for n more bytes in b by doubling it: appending
// alone grows a large buffer by a quarter at a time, allocating five times
// its final size on the way.
func growDouble(b *strings.Builder, n int) {
	if b.Cap()-b.Len() < n {
		b.Grow(n)
	}
}

// WriteString implements io.StringWriter.
func (w *textWriter) WriteString(s string) (int, error) {
	if !w.room(len(s)) {
		return 0, w.err
	}
	return w.b.WriteString(s)
}

// Write implements io.Writer.
func (w *textWriter) Write(p []byte) (int, error) {
	if !w.room(len(p)) {
		return 0, w.err
	}
	return w.b.Write(p)
}

// WriteByte implements io.ByteWriter.
func (w *textWriter) WriteByte(c byte) error {
	if !w.room(1) {
		return w.err
	}
	return w.b.WriteByte(c)
}

// Hold counts n bytes of intermediate state (a paragraph being assembled,
// the text runs of a PDF page) against the limit until Release.
func (w *textWriter) Hold(n int) error {
	if !w.room(n) {
		return w.err
	}
	w.held += n
	return nil
}

// Release gives back n held bytes.
func (w *textWriter) Release(n int) { w.held -= min(n, w.held) }

// Err is the reason to stop: the limit was passed or the context ended.
func (w *textWriter) Err() error {
	if w.err != nil {
		return w.err
	}
	return w.ctx.Err()
}

// Len is the number of bytes written.
func (w *textWriter) Len() int { return w.b.Len() }

// String returns the text written.
func (w *textWriter) String() string { return w.b.String() }
