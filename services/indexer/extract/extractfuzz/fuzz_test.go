package extractfuzz

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/drivemon/drivemon/services/indexer/extract"
	"github.com/drivemon/drivemon/services/indexer/extract/extracttest"
)

// maxText is the text limit under fuzzing.
const maxText = 64 << 10

// fuzzExtract asserts that no input crashes the extractor of file's
// format, makes it run out of time (a hang), gives text beyond the limit,
// or fails with anything but ErrTooLarge or ErrMalformed.
func fuzzExtract(f *testing.F, file string, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	e := extract.New(extract.Limits{MaxText: maxText, MaxUnzipped: 4 << 20, Timeout: 10 * time.Second})
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := e.Extract(context.Background(), file, data)
		switch {
		case len(text) > maxText:
			t.Fatalf("%d bytes of text, the limit is %d", len(text), maxText)
		case err != nil && !errors.Is(err, extract.ErrTooLarge) && !errors.Is(err, extract.ErrMalformed):
			t.Fatalf("Extract: %v", err)
		}
	})
}

func FuzzCSV(f *testing.F) {
	fuzzExtract(f, "f.csv", []byte("name,price\nwidget,\"1,50\"\n\"a\"\"b\",2\n"), extracttest.WideHeaderCSV(64, 8))
}

func FuzzJSON(f *testing.F) {
	fuzzExtract(f, "f.json", []byte(`{"a":{"b":[1,true,null,"x"]},"c":2.5e3}`), extracttest.NestedJSON(40, 8))
}

func FuzzHTML(f *testing.F) {
	fuzzExtract(f, "f.html", []byte(`<html><head><style>p{}</style></head><body><h1>T</h1><ul><li>a<li>b</ul><table><tr><td>1<td>2</table><pre> x  y </pre><script>1</script></body></html>`))
}

func FuzzPDF(f *testing.F) {
	fuzzExtract(f, "f.pdf", extracttest.PagesCycle(), extracttest.ParentCycle(), extracttest.PagesLoop(),
		extracttest.PDFPage("BT /F1 12 Tf 1 0 0 1 10 700 Tm [(a) -20 (b)] TJ 0 -14 Td (c) ' ET"))
}

func FuzzDOCX(f *testing.F) {
	fuzzExtract(f, "f.docx", extracttest.Office(map[string]string{"word/document.xml": `<w:document xmlns:w="w"><w:body>` +
		`<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Title</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>`}))
}

func FuzzXLSX(f *testing.F) {
	fuzzExtract(f, "f.xlsx", extracttest.Office(map[string]string{
		"xl/sharedStrings.xml":     `<sst><si><t>P</t></si><si><r><t>a</t></r><r><t>b</t></r></si></sst>`,
		"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>1.5</v></c><c t="inlineStr"><is><t>i</t></is></c></row></sheetData></worksheet>`}))
}

func FuzzPPTX(f *testing.F) {
	fuzzExtract(f, "f.pptx", extracttest.Office(map[string]string{
		"ppt/slides/slide1.xml": `<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>one</a:t></a:r></a:p></p:sld>`,
		"ppt/slides/slide2.xml": `<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>two</a:t></a:r></a:p></p:sld>`}))
}
