package extract

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Bounds of the work on one PDF, besides Limits (see pdfSource and
// checkPDFNumbers).
const (
	// maxPDFStream bounds the decoded bytes of one page's content (or of
	// one font's ToUnicode map): the parser holds a page's operands and
	// text runs in memory.
	maxPDFStream = 4 << 20
	// pdfReadFactor and pdfReadBase bound the bytes the parser reads from
	// the file (it re-reads an object at every lookup): a loop in a
	// malformed file stops after pdfReadFactor times its size plus
	// pdfReadBase.
	pdfReadFactor = 64
	pdfReadBase   = 64 << 20
	// pdfRunOverhead is what a buffered text run costs besides its text.
	pdfRunOverhead = 48
)

// extractPDF writes each page's text row by row (words of a row joined by
// spaces), pages apart. The page tree is walked here, not by the parser,
// with every object visited once: a /Pages node listing itself in /Kids or
// a /Page that is its own /Parent is malformed, not an endless loop. A
// page's content is decoded within maxPDFStream, all streams together
// within Limits.MaxUnzipped, and its text runs are held against the text
// limit.
func extractPDF(ctx context.Context, data []byte, l Limits, w *textWriter) (err error) {
	if err := checkPDFNumbers(data); err != nil {
		return err
	}
	src := &pdfSource{ctx: ctx, data: bytes.NewReader(data), budget: pdfReadFactor*int64(len(data)) + pdfReadBase}
	defer func() {
		// The parser reports a refused read as its own error (or panic),
		// its wrapping lost: the source knows the real reason.
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrMalformed, p)
		}
		if src.err != nil {
			err = src.err
		}
	}()
	r, err := pdf.NewReader(src, int64(len(data)))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	pages, err := pdfPages(r, w)
	if err != nil {
		return err
	}
	x := pdfText{w: w, budget: l.MaxUnzipped, fonts: map[pdfRef]pdf.TextEncoding{}}
	for i, p := range pages {
		if err := x.page(p); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
	}
	return w.Err()
}

// pdfSource is the parser's view of the file: every read checks the
// context and counts against a budget, so loops in the parser (which
// reads the file again at every object lookup) end on cancellation and
// after a bounded amount of work.
type pdfSource struct {
	ctx    context.Context
	data   *bytes.Reader
	budget int64
	err    error
}

func (s *pdfSource) ReadAt(p []byte, off int64) (int, error) {
	if s.err == nil {
		s.err = s.ctx.Err()
	}
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.data.ReadAt(p, off)
	if s.budget -= int64(n) + 64; s.budget < 0 {
		s.err = fmt.Errorf("%w: parsing reads the file over and over (a loop in its objects?)", ErrMalformed)
		return 0, s.err
	}
	return n, err
}

// The parser sizes its cross-reference table from numbers in the file
// before reading an entry: /Size 4000000000 in a 300-byte file would
// allocate gigabytes. No object number, count or offset in a real file
// exceeds its size, nor does a field width of a cross-reference stream
// (/W, near /Type /XRef) exceed 8 bytes.
func checkPDFNumbers(data []byte) error {
	maxObjects := int64(len(data))/8 + 4096
	check := func(at int, region []byte, limit int64) error {
		for _, d := range pdfDigits.FindAll(region, -1) {
			if n, err := strconv.ParseInt(string(d), 10, 64); err != nil || n > limit {
				return fmt.Errorf("%w: cross-reference number %s at byte %d is out of range for a %d-byte file", ErrMalformed, d, at, len(data))
			}
		}
		return nil
	}
	for _, key := range []string{"/Size", "/Index"} {
		for at := range indexAll(data, key) {
			if err := check(at, pdfValue.Find(data[at+len(key):min(at+len(key)+4096, len(data))]), maxObjects); err != nil {
				return err
			}
		}
	}
	for at := range indexAll(data, "xref") { // a table: its numbers up to "trailer"
		rest := data[at+4:]
		if end := bytes.Index(rest, []byte("trailer")); end >= 0 {
			rest = rest[:end]
		}
		if err := check(at, rest, max(int64(len(data)), 65535)); err != nil {
			return err
		}
	}
	for at := range indexAll(data, "/XRef") { // a stream's dictionary, around it
		if err := check(at, pdfWidths.Find(data[max(at-512, 0):min(at+512, len(data))]), 8); err != nil {
			return err
		}
	}
	return nil
}

var (
	pdfValue  = regexp.MustCompile(`^\s*(?:\[[^\]]*\]|\d+)`)
	pdfWidths = regexp.MustCompile(`/W\s*\[[^\]]*\]`)
	pdfDigits = regexp.MustCompile(`\d+`)
)

// indexAll yields the offsets of every occurrence of key in data.
func indexAll(data []byte, key string) func(func(int) bool) {
	return func(yield func(int) bool) {
		for at := 0; ; at++ {
			i := bytes.Index(data[at:], []byte(key))
			if i < 0 || !yield(at+i) {
				return
			}
			at += i
		}
	}
}

// pdfRef is an indirect object's number and generation.
type pdfRef struct{ id, gen uint64 }

// refOf returns the object a dictionary entry (key a string) or an array
// element (key an int) of v refers to; false for a direct value, which is
// part of v and cannot close a cycle. The parser does not export
// references, so they are read from its values by reflection.
func refOf(v pdf.Value, key any) (pdfRef, bool) {
	data := reflect.ValueOf(v).FieldByName("data")
	if data.Kind() == reflect.Interface && !data.IsNil() {
		data = data.Elem()
	}
	var e reflect.Value
	switch k := key.(type) {
	case string:
		if data.Kind() != reflect.Map || data.Type().Key().Kind() != reflect.String {
			return pdfRef{}, false
		}
		kv := reflect.New(data.Type().Key()).Elem()
		kv.SetString(k)
		e = data.MapIndex(kv)
	case int:
		if data.Kind() != reflect.Slice || k >= data.Len() {
			return pdfRef{}, false
		}
		e = data.Index(k)
	}
	if !e.IsValid() || e.Kind() != reflect.Interface || e.IsNil() {
		return pdfRef{}, false
	}
	e = e.Elem()
	if e.Type().Name() != "objptr" || e.Kind() != reflect.Struct || e.NumField() != 2 {
		return pdfRef{}, false
	}
	return pdfRef{e.Field(0).Uint(), e.Field(1).Uint()}, true
}

// pdfPages returns the pages of the document in order, walking the page
// tree with every indirect node visited once and each page's /Parent chain
// checked for a cycle (the parser follows it to find inherited resources).
func pdfPages(r *pdf.Reader, w *textWriter) ([]pdf.Value, error) {
	root := r.Trailer().Key("Root")
	top, ok := refOf(root, "Pages")
	seen := map[pdfRef]bool{}
	if ok {
		seen[top] = true
	}
	var pages []pdf.Value
	var walk func(node pdf.Value, depth int) error
	walk = func(node pdf.Value, depth int) error {
		if depth > 256 {
			return fmt.Errorf("%w: page tree deeper than 256 levels", ErrMalformed)
		}
		kids := node.Key("Kids")
		for i := range kids.Len() {
			if err := w.Err(); err != nil {
				return err
			}
			ref, indirect := refOf(kids, i)
			if indirect {
				if seen[ref] {
					return fmt.Errorf("%w: page tree: object %d is listed twice (a cycle)", ErrMalformed, ref.id)
				}
				seen[ref] = true
			}
			kid := kids.Index(i)
			switch kid.Key("Type").Name() {
			case "Pages":
				if err := walk(kid, depth+1); err != nil {
					return err
				}
			case "Page":
				if err := checkParents(kid, ref, indirect); err != nil {
					return err
				}
				pages = append(pages, kid)
			}
		}
		return nil
	}
	if err := walk(root.Key("Pages"), 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// checkParents refuses a page whose /Parent chain loops.
func checkParents(page pdf.Value, ref pdfRef, indirect bool) error {
	seen := map[pdfRef]bool{}
	if indirect {
		seen[ref] = true
	}
	for v, n := page, 0; !v.IsNull(); v, n = v.Key("Parent"), n+1 {
		p, ok := refOf(v, "Parent")
		if !ok {
			if n > 256 {
				return fmt.Errorf("%w: page object %d: /Parent chain longer than 256", ErrMalformed, ref.id)
			}
			continue
		}
		if seen[p] {
			return fmt.Errorf("%w: page object %d: its /Parent chain loops at object %d", ErrMalformed, ref.id, p.id)
		}
		seen[p] = true
	}
	return nil
}

// pdfText extracts the text of pages, interpreting their content with the
// parser's operator loop and checking the writer at every operator.
type pdfText struct {
	w      *textWriter
	budget int64 // decoded stream bytes left for the document
	fonts  map[pdfRef]pdf.TextEncoding
}

type pdfRun struct {
	x, y float64
	s    string
}

// pdfStop carries the writer's error out of the parser's operator loop.
type pdfStop struct{ err error }

// page writes one page's rows. A page whose content the parser cannot
// interpret is skipped, as before; a limit or cancellation stops all.
func (x *pdfText) page(p pdf.Value) (err error) {
	contents := p.Key("Contents")
	if contents.IsNull() {
		return nil
	}
	if err := x.measure(contents, "content"); err != nil {
		return err
	}
	encs, err := x.pageFonts(pdf.Page{V: p})
	if err != nil {
		return err
	}
	rows := map[int64][]pdfRun{}
	held := 0
	defer func() { x.w.Release(held) }()
	defer func() {
		if r := recover(); r != nil {
			if stop, ok := r.(pdfStop); ok {
				err = stop.err
				return
			}
			err, rows = nil, nil // unreadable content: the page is skipped
		}
	}()
	var enc pdf.TextEncoding = nopEncoding{}
	var cx, cy float64
	show := func(raw string) {
		s := decodePDFText(enc, raw)
		cost := len(s) + pdfRunOverhead
		if err := x.w.Hold(cost); err != nil {
			panic(pdfStop{err})
		}
		held += cost
		rows[int64(cy)] = append(rows[int64(cy)], pdfRun{cx, cy, s})
	}
	pdf.Interpret(contents, func(stk *pdf.Stack, op string) {
		if err := x.w.Err(); err != nil {
			panic(pdfStop{err})
		}
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "Tf":
			if len(args) == 2 {
				enc = encs[args[0].Name()]
				if enc == nil {
					enc = nopEncoding{}
				}
			}
		case "Tj", "'", "\"":
			if len(args) > 0 {
				show(args[len(args)-1].RawString())
			}
		case "TJ":
			if len(args) > 0 {
				for i := range args[0].Len() {
					if s := args[0].Index(i); s.Kind() == pdf.String {
						show(s.RawString())
					}
				}
			}
		case "Td":
			show("")
		case "Tm":
			if len(args) == 6 {
				cx, cy = args[4].Float64(), args[5].Float64()
			}
		}
	})
	ys := make([]int64, 0, len(rows))
	for y := range rows {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	x.w.Release(held)
	held = 0
	for _, y := range slices.Backward(ys) { // top of the page first
		x.w.WriteString(joinRow(rows[y]))
		x.w.WriteByte('\n')
	}
	x.w.WriteString("\n\n")
	return x.w.Err()
}

// pageFonts returns the text encodings of a page's fonts, each font's
// ToUnicode map decoded within maxPDFStream and read once per document.
func (x *pdfText) pageFonts(p pdf.Page) (map[string]pdf.TextEncoding, error) {
	fonts := p.Resources().Key("Font")
	encs := map[string]pdf.TextEncoding{}
	for _, name := range fonts.Keys() {
		ref, indirect := refOf(fonts, name)
		if enc, ok := x.fonts[ref]; ok && indirect {
			encs[name] = enc
			continue
		}
		f := pdf.Font{V: fonts.Key(name)}
		if err := x.measure(f.V.Key("ToUnicode"), "font "+name); err != nil {
			return nil, err
		}
		encs[name] = fontEncoder(&f)
		if indirect {
			x.fonts[ref] = encs[name]
		}
	}
	return encs, nil
}

// fontEncoder is the font's encoder; one the parser cannot build decodes
// nothing.
func fontEncoder(f *pdf.Font) (enc pdf.TextEncoding) {
	defer func() {
		if recover() != nil {
			enc = nopEncoding{}
		}
	}()
	return f.Encoder()
}

// measure decodes a stream (or an array of them) to count its bytes,
// refusing more than maxPDFStream, or than what is left of the document's
// budget, before the parser interprets it.
func (x *pdfText) measure(v pdf.Value, what string) error {
	streams := []pdf.Value{v}
	if v.Kind() == pdf.Array {
		streams = streams[:0]
		for i := range v.Len() {
			streams = append(streams, v.Index(i))
		}
	}
	var n int64
	for _, s := range streams {
		if s.Kind() != pdf.Stream {
			continue
		}
		rc := s.Reader()
		m, _ := io.Copy(io.Discard, io.LimitReader(rc, maxPDFStream+1-n))
		rc.Close()
		n += m
		if n > maxPDFStream {
			return fmt.Errorf("%w: %s stream decodes to more than %d bytes", ErrTooLarge, what, maxPDFStream)
		}
	}
	if x.budget -= n; x.budget < 0 {
		return fmt.Errorf("%w: streams decode to more than %d bytes", ErrTooLarge, x.budget+n)
	}
	return x.w.Err()
}

// nopEncoding reads bytes as they are.
type nopEncoding struct{}

func (nopEncoding) Decode(raw string) string { return raw }

// decodePDFText decodes font codes to UTF-8, invalid bytes as U+FFFD.
func decodePDFText(enc pdf.TextEncoding, raw string) string {
	var b strings.Builder
	for _, ch := range enc.Decode(raw) {
		b.WriteRune(ch)
	}
	return b.String()
}

// joinRow joins the text runs of a row left to right, with a space between
// runs placed apart (PDFs often place every few glyphs of a word as a run
// of their own, at the same position).
func joinRow(runs []pdfRun) string {
	slices.SortStableFunc(runs, func(a, b pdfRun) int {
		if a.x != b.x {
			return cmp.Compare(a.x, b.x)
		}
		return cmp.Compare(b.y, a.y)
	})
	var b strings.Builder
	for i, r := range runs {
		if i > 0 && r.x > runs[i-1].x && !strings.HasSuffix(b.String(), " ") && !strings.HasPrefix(r.s, " ") {
			b.WriteByte(' ')
		}
		b.WriteString(r.s)
	}
	return strings.TrimSpace(b.String())
}
