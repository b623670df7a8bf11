package extract

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/services/indexer/extract/extracttest"
)

// office builds an Office Open XML zip from entry names and contents.
func office(_ testing.TB, entries map[string]string) []byte { return extracttest.Office(entries) }

const docxBody = `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Returns policy</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Items may be returned </w:t></w:r><w:r><w:t>within 30 days.</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell A</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
</w:body></w:document>`

func TestExtract(t *testing.T) {
	e := New(DefaultLimits())
	for _, tt := range []struct {
		name    string
		file    string
		data    []byte
		want    []string // substrings, in order
		notWant []string
		wantErr error
	}{
		{name: "markdown kept", file: "a.md", data: []byte("\uFEFF# Title\r\n\r\n\r\n\r\nBody text.  \r\n"), want: []string{"# Title\n\nBody text."}},
		{name: "text not utf-8", file: "a.TXT", data: []byte("caf\xe9 ok"), want: []string{"caf\uFFFD ok"}},
		{name: "html visible text", file: "a.html", data: []byte(`<html><head><title>T</title><style>p{color:red}</style><script>var x=1</script></head><body><h2>Shipping</h2><p>We   ship
		 worldwide.</p><ul><li>fast</li><li>cheap</li></ul></body></html>`),
			want: []string{"## Shipping", "We ship worldwide.", "- fast", "- cheap"}, notWant: []string{"color:red", "var x"}},
		{name: "csv rows", file: "p.csv", data: []byte("name,price\nwidget,\"1,50\"\ngadget,2\n"), want: []string{"name: widget; price: 1,50", "name: gadget; price: 2"}},
		{name: "csv stray quotes tolerated", file: "p.csv", data: []byte("a,b\nx\"y,2\n"), want: []string{"a: x\"y; b: 2"}},
		{name: "json leaves", file: "d.json", data: []byte(`[{"q":"Where?","a":{"text":"Here","n":2}}]`), want: []string{"[0].q: Where?", "[0].a.text: Here", "[0].a.n: 2"}},
		{name: "json malformed", file: "d.json", data: []byte(`{"a":`), wantErr: ErrMalformed},
		{name: "docx paragraphs and headings", file: "d.docx", data: office(t, map[string]string{"word/document.xml": docxBody}),
			want: []string{"# Returns policy", "Items may be returned within 30 days.", "cell A"}},
		{name: "docx without document", file: "d.docx", data: office(t, map[string]string{"x.xml": "<a/>"}), wantErr: ErrMalformed},
		{name: "docx not a zip", file: "d.docx", data: []byte("plain"), wantErr: ErrMalformed},
		{name: "xlsx shared and inline strings", file: "s.xlsx", data: office(t, map[string]string{
			"xl/sharedStrings.xml":     `<sst><si><t>Product</t></si><si><r><t>Wid</t></r><r><t>get</t></r></si></sst>`,
			"xl/worksheets/sheet2.xml": `<worksheet><sheetData><row><c t="inlineStr"><is><t>second sheet</t></is></c></row></sheetData></worksheet>`,
			"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row><c t="s"><v>0</v></c><c><v>12.5</v></c></row><row><c t="s"><v>1</v></c></row></sheetData></worksheet>`,
		}), want: []string{"# Sheet 1", "Product | 12.5", "Widget", "# Sheet 2", "second sheet"}},
		{name: "pptx slides in order", file: "p.pptx", data: office(t, map[string]string{
			"ppt/slides/slide10.xml": `<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>ten</a:t></a:r></a:p></p:sld>`,
			"ppt/slides/slide2.xml":  `<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>two</a:t></a:r><a:r><a:t>!</a:t></a:r></a:p></p:sld>`,
		}), want: []string{"# Slide 1", "two!", "# Slide 2", "ten"}},
		{name: "pdf garbage", file: "x.pdf", data: []byte("%PDF-1.4 nothing else"), wantErr: ErrMalformed},
		{name: "unsupported", file: "x.png", data: []byte{1}, wantErr: ErrUnsupported},
		{name: "no extension", file: "README", data: []byte("x"), wantErr: ErrUnsupported},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Extract(context.Background(), tt.file, tt.data)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.file) {
					t.Fatalf("Extract = %q, %v; want %v naming %s", got, err, tt.wantErr, tt.file)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("text %q lacks %q (in order)", got, w)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Fatalf("text %q holds %q", got, w)
				}
			}
		})
	}
}

func TestExtractLimits(t *testing.T) {
	bomb := office(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p><w:r><w:t>" + strings.Repeat("A", 1<<20) + "</w:t></w:r></w:p></w:body></w:document>"})
	for _, tt := range []struct {
		name   string
		limits Limits
		file   string
		data   []byte
		want   error
	}{
		{"input over the format limit", Limits{MaxInput: map[Format]int64{Markdown: 10}}, "a.md", []byte(strings.Repeat("x", 11)), ErrTooLarge},
		{"other format keeps its limit", Limits{MaxInput: map[Format]int64{Markdown: 10}}, "a.txt", []byte(strings.Repeat("x", 11)), nil},
		{"zip bomb stops at the decompression limit", Limits{MaxUnzipped: 64 << 10}, "b.docx", bomb, ErrTooLarge},
		{"too many zip entries", Limits{MaxZipEntries: 1}, "b.docx", office(t, map[string]string{"word/document.xml": "<a/>", "b": "", "c": ""}), ErrTooLarge},
		{"text over the limit", Limits{MaxText: 5}, "a.txt", []byte("123456"), ErrTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(bomb) > 8<<10 {
				t.Fatalf("test bomb is %d bytes compressed, want a small file", len(bomb))
			}
			_, err := New(tt.limits).Extract(context.Background(), tt.file, tt.data)
			if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
				t.Fatalf("Extract: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(Limits{}).Extract(ctx, "a.docx", office(t, map[string]string{"word/document.xml": docxBody})); !errors.Is(err, context.Canceled) {
		t.Fatalf("Extract on a cancelled context: %v", err)
	}
}

// TestExtractCorpus: every knowledge-base document and every supported
// document anywhere in the corpus yields text.
func TestExtractCorpus(t *testing.T) {
	root := testinfra.CorpusDir(t)
	e := New(DefaultLimits())
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, ok := FormatOf(p)
		inKB := strings.Contains(filepath.ToSlash(p), ".gbkb/")
		if !inKB && f != PDF && f != DOCX && f != XLSX && f != PPTX {
			return nil
		}
		n++
		rel, _ := filepath.Rel(root, p)
		t.Run(rel, func(t *testing.T) {
			if !ok {
				t.Fatalf("KB document %s has no supported format", rel)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			text, err := e.Extract(context.Background(), p, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(strings.Fields(text)) < 3 {
				t.Fatalf("%s gave %q", rel, text)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("found %d documents in the corpus, want at least 10", n)
	}
}

// TestOfficeBombClassified: a bomb that is also garbage (zeros, the usual
// shape) is too large — refused for good — not malformed (which would be
// retried); a small garbage entry is malformed.
func TestOfficeBombClassified(t *testing.T) {
	l := Limits{MaxUnzipped: 1 << 20}
	for _, tt := range []struct {
		name string
		body string
		want error
	}{
		{"zeros past the limit", strings.Repeat("\x00", 4<<20), ErrTooLarge},
		{"garbage within the limit", strings.Repeat("\x00", 1<<10), ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(l).Extract(context.Background(), "b.docx", office(t, map[string]string{"word/document.xml": tt.body}))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Extract = %v, want %v", err, tt.want)
			}
		})
	}
}
