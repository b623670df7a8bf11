// Package extracttest builds hostile documents for the tests of package
// extract and the reliability suite: small files whose naive extraction
// takes gigabytes or never ends.
package extracttest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Hostile is a named hostile document.
type Hostile struct {
	Name string // file name, whose extension decides the format
	Data []byte
	Why  string
}

// All returns every hostile document.
func All() []Hostile {
	return []Hostile{
		{"wide-header.csv", WideHeaderCSV(1<<20, 2000), "a 1 MiB column name repeated on each of 2 000 rows: 2 GB of text"},
		{"nested.json", NestedJSON(9000, 4000), "arrays nested 9 000 deep around 4 000 leaves: each leaf's path is 27 KB, 108 MB of text"},
		{"pages-cycle.pdf", PagesCycle(), "a /Pages node listing itself in /Kids"},
		{"parent-cycle.pdf", ParentCycle(), "a /Page whose /Parent is itself"},
		{"pages-loop.pdf", PagesLoop(), "two /Pages nodes listing each other"},
	}
}

// WideHeaderCSV is a CSV whose header is one column named by width bytes,
// followed by rows one-letter rows.
func WideHeaderCSV(width, rows int) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Repeat("h", width))
	b.WriteString("\n")
	for range rows {
		b.WriteString("x\n")
	}
	return b.Bytes()
}

// NestedJSON is an array nested depth deep holding leaves numbers.
func NestedJSON(depth, leaves int) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Repeat("[", depth))
	for i := range leaves {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('1')
	}
	b.WriteString(strings.Repeat("]", depth))
	return b.Bytes()
}

// PagesCycle is a PDF whose page tree root lists itself as its kid.
func PagesCycle() []byte {
	return PDF("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[2 0 R]/Count 1>>")
}

// ParentCycle is a PDF whose one page is its own parent (and has content,
// so a reader looks up its inherited resources).
func ParentCycle() []byte {
	return PDF("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 3 0 R/Contents 4 0 R>>", Stream("BT (hello) Tj ET"))
}

// PagesLoop is a PDF whose two /Pages nodes list each other.
func PagesLoop() []byte {
	return PDF("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 2>>", "<</Type/Pages/Kids[2 0 R]/Count 2>>")
}

// Stream is a PDF stream object holding content as is.
func Stream(content string) string {
	return fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content), content)
}

// PDF assembles a PDF of the given objects (numbered from 1, the first
// the catalog) with a correct cross-reference table.
func PDF(objects ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// PDFPage is a one-page PDF with the given content stream.
func PDFPage(content string) []byte {
	return PDF("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>", Stream(content))
}

// Office builds an Office Open XML zip from entry names and contents, in
// the order of the names.
func Office(entries map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(entries)) {
		w, err := zw.Create(name)
		if err != nil {
			panic(err) // writing to memory does not fail
		}
		w.Write([]byte(entries[name]))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
