package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// officeZip is an Office Open XML package opened with decompression limits.
type officeZip struct {
	files  map[string]*zip.File
	budget int64 // bytes that may still be decompressed
}

func openOffice(data []byte, l Limits) (*officeZip, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: not a zip package: %w", ErrMalformed, err)
	}
	if len(zr.File) > l.MaxZipEntries {
		return nil, fmt.Errorf("%w: %d zip entries, the limit is %d", ErrTooLarge, len(zr.File), l.MaxZipEntries)
	}
	z := &officeZip{files: make(map[string]*zip.File, len(zr.File)), budget: l.MaxUnzipped}
	for _, f := range zr.File {
		z.files[f.Name] = f
	}
	return z, nil
}

// open streams one entry, counting every decompressed byte against the
// budget. The declared sizes in a zip can lie, so the limit is enforced on
// the bytes actually produced, as they are produced: a zip bomb is refused
// after at most the budget has streamed through, never held in memory.
func (z *officeZip) open(name string) (io.ReadCloser, error) {
	f, ok := z.files[name]
	if !ok {
		return nil, fmt.Errorf("%w: no %s in the package", ErrMalformed, name)
	}
	if f.UncompressedSize64 > uint64(max(z.budget, 0)) {
		// An honest header of a zip bomb: refused before inflating a byte.
		return nil, fmt.Errorf("%w: %s declares %d decompressed bytes, over the limit", ErrTooLarge, name, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: opening %s: %w", ErrMalformed, name, err)
	}
	return &budgetReader{rc: rc, z: z, name: name}, nil
}

type budgetReader struct {
	rc   io.ReadCloser
	z    *officeZip
	name string
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.z.budget -= int64(n)
	if b.z.budget < 0 {
		return n, fmt.Errorf("%w: decompressing %s goes past the limit on decompressed bytes", ErrTooLarge, b.name)
	}
	return n, err
}

func (b *budgetReader) Close() error { return b.rc.Close() }

// xmlErr classifies an error met while parsing entry r: over the budget
// stays ErrTooLarge. Otherwise the rest of the entry is drained through
// the budget (streamed, not kept): an entry that is garbage AND past the
// limit (a bomb with a lying header) is too large — refused for good — and
// only one within the limit is malformed.
func xmlErr(name string, r io.Reader, err error) error {
	if errors.Is(err, ErrTooLarge) {
		return err
	}
	if _, derr := io.Copy(io.Discard, r); errors.Is(derr, ErrTooLarge) {
		return derr
	}
	return fmt.Errorf("%w: %s: %w", ErrMalformed, name, err)
}

// numbered returns the entries matching re (whose first group is a number)
// in numeric order.
func (z *officeZip) numbered(re *regexp.Regexp) []string {
	type entry struct {
		name string
		n    int
	}
	var es []entry
	for name := range z.files {
		if m := re.FindStringSubmatch(name); m != nil {
			n, _ := strconv.Atoi(m[1])
			es = append(es, entry{name, n})
		}
	}
	slices.SortFunc(es, func(a, b entry) int { return a.n - b.n })
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.name
	}
	return out
}

var headingStyle = regexp.MustCompile(`(?i)^(?:heading|titre|t[ií]tulo|[üu]berschrift)\s*([1-6])$`)

// extractDOCX reads word/document.xml: paragraphs (w:p) of runs (w:t, with
// w:tab and w:br), headings from the paragraph style. The paragraph being
// assembled counts against the text limit (Hold) like the text written.
func extractDOCX(data []byte, l Limits, w *textWriter) error {
	z, err := openOffice(data, l)
	if err != nil {
		return err
	}
	doc, err := z.open("word/document.xml")
	if err != nil {
		return err
	}
	defer doc.Close()
	var para strings.Builder
	level := 0
	inText := false
	add := func(s string) {
		if w.Hold(len(s)) == nil {
			growDouble(&para, len(s))
			para.WriteString(s)
		}
	}
	endPara := func() {
		w.Release(para.Len())
		if s := strings.TrimSpace(para.String()); s != "" {
			if level > 0 {
				w.WriteString(strings.Repeat("#", level))
				w.WriteByte(' ')
			}
			w.WriteString(s)
			w.WriteString("\n\n")
		}
		para.Reset()
	}
	d := xml.NewDecoder(doc)
	for {
		if err := w.Err(); err != nil {
			return err
		}
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlErr("word/document.xml", doc, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "p":
				w.Release(para.Len())
				para.Reset()
				level = 0
			case "pStyle":
				if l, ok := headingLevel(t.Attr); ok {
					level = l
				}
			case "t":
				inText = true
			case "tab":
				add("\t")
			case "br", "cr":
				add("\n")
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				endPara()
			case "tc":
				add(" | ")
			}
		case xml.CharData:
			if inText {
				add(string(t))
			}
		}
	}
}

// headingLevel reads the level of a heading paragraph style (w:val).
func headingLevel(attrs []xml.Attr) (int, bool) {
	for _, a := range attrs {
		if a.Name.Local != "val" {
			continue
		}
		if m := headingStyle.FindStringSubmatch(strings.ReplaceAll(a.Value, "-", "")); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n, true
		}
		if strings.EqualFold(a.Value, "Title") {
			return 1, true
		}
	}
	return 0, false
}

var (
	sheetEntry = regexp.MustCompile(`^xl/worksheets/sheet(\d+)\.xml$`)
	slideEntry = regexp.MustCompile(`^ppt/slides/slide(\d+)\.xml$`)
)

// extractXLSX writes each sheet as a section ("# Sheet N") with one line per
// row, cells joined by " | ". Shared strings and inline strings are
// resolved; other cells are written as stored. Cells are written as they
// end, so a shared string referenced by every cell stops at the text limit.
func extractXLSX(data []byte, l Limits, w *textWriter) error {
	z, err := openOffice(data, l)
	if err != nil {
		return err
	}
	var shared []string
	if _, ok := z.files["xl/sharedStrings.xml"]; ok {
		ss, err := z.open("xl/sharedStrings.xml")
		if err != nil {
			return err
		}
		shared, err = texts(w, ss, "si")
		ss.Close()
		if err != nil {
			return fmt.Errorf("xl/sharedStrings.xml: %w", err)
		}
	}
	for i, name := range z.numbered(sheetEntry) {
		sheet, err := z.open(name)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "# Sheet %d\n\n", i+1)
		err = sheetRows(w, sheet, shared)
		sheet.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		w.WriteByte('\n')
	}
	return nil
}

func sheetRows(w *textWriter, sheet io.Reader, shared []string) error {
	d := xml.NewDecoder(sheet)
	cells := 0 // cells written in the current row
	var cellType string
	var val strings.Builder
	inVal := false
	for {
		if err := w.Err(); err != nil {
			return err
		}
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlErr("sheet", sheet, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				cells = 0
			case "c":
				cellType = ""
				val.Reset()
				for _, a := range t.Attr {
					if a.Name.Local == "t" {
						cellType = a.Value
					}
				}
			case "v", "t":
				inVal = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				inVal = false
			case "c":
				if v := cellText(val.String(), cellType, shared); v != "" {
					if cells > 0 {
						w.WriteString(" | ")
					}
					w.WriteString(v)
					cells++
				}
			case "row":
				if cells > 0 {
					w.WriteByte('\n')
				}
				cells = 0
			}
		case xml.CharData:
			if inVal {
				val.Write(t)
			}
		}
	}
}

// cellText is a cell's text: its value, or the shared string it indexes.
func cellText(v, cellType string, shared []string) string {
	v = strings.TrimSpace(v)
	if cellType == "s" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n < len(shared) {
			return shared[n]
		}
	}
	return v
}

// texts returns the concatenated a:t / t text of each elem element. It
// holds no more than the entry it reads (bounded by the decompression
// limit) and stops when w does.
func texts(w *textWriter, data io.Reader, elem string) ([]string, error) {
	d := xml.NewDecoder(data)
	var out []string
	var cur strings.Builder
	in, inT := false, false
	for {
		if err := w.Err(); err != nil {
			return nil, err
		}
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, xmlErr("entry", data, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == elem {
				in = true
				cur.Reset()
			} else if t.Name.Local == "t" {
				inT = true
			}
		case xml.EndElement:
			if t.Name.Local == elem && in {
				in = false
				out = append(out, cur.String())
			} else if t.Name.Local == "t" {
				inT = false
			}
		case xml.CharData:
			if in && inT {
				growDouble(&cur, len(t))
				cur.Write(t)
			}
		}
	}
}

// extractPPTX writes each slide as a section ("# Slide N") with one line per
// text paragraph (a:p).
func extractPPTX(data []byte, l Limits, w *textWriter) error {
	z, err := openOffice(data, l)
	if err != nil {
		return err
	}
	for i, name := range z.numbered(slideEntry) {
		slide, err := z.open(name)
		if err != nil {
			return err
		}
		paras, err := texts(w, slide, "p")
		slide.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(w, "# Slide %d\n\n", i+1)
		for _, p := range paras {
			if p = strings.TrimSpace(p); p != "" {
				w.WriteString(p)
				w.WriteByte('\n')
			}
		}
		w.WriteByte('\n')
	}
	return nil
}
