package extract

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/services/indexer/extract/extracttest"
)

// atLimit is a document of each format with the exact number of bytes it
// produces as text (before normalisation), or for a PDF holds while its
// page is assembled (each text run counts pdfRunOverhead besides its text).
var atLimit = []struct {
	file string
	data func(t testing.TB) []byte
	n    int
}{
	{"a.txt", func(testing.TB) []byte { return []byte("abcdef") }, 6},
	{"a.md", func(testing.TB) []byte { return []byte("# abc") }, 5},
	{"a.csv", func(testing.TB) []byte { return []byte("h\nx\nx\n") }, 12},                                               // "h: x\n\n" twice
	{"a.json", func(testing.TB) []byte { return []byte(`["a","b"]`) }, 16},                                              // "[0]: a\n\n[1]: b\n\n"
	{"a.html", func(testing.TB) []byte { return []byte("<p>abc</p>") }, 7},                                              // "\n\nabc\n\n"
	{"a.docx", func(t testing.TB) []byte { return office(t, map[string]string{"word/document.xml": docxP("abc")}) }, 5}, // "abc\n\n"
	{"a.xlsx", func(t testing.TB) []byte {
		return office(t, map[string]string{"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row><c t="inlineStr"><is><t>abc</t></is></c></row></sheetData></worksheet>`})
	}, 16}, // "# Sheet 1\n\nabc\n\n"
	{"a.pptx", func(t testing.TB) []byte {
		return office(t, map[string]string{"ppt/slides/slide1.xml": `<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>abc</a:t></a:r></a:p></p:sld>`})
	}, 16}, // "# Slide 1\n\nabc\n\n"
	{"a.pdf", func(testing.TB) []byte { return pdfPage("BT 1 0 0 1 10 700 Tm (abc) Tj ET") }, 3 + pdfRunOverhead},
}

func docxP(text string) string {
	return `<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`
}

func pdfPage(content string) []byte { return extracttest.PDFPage(content) }

// TestTextLimitExact: every extractor succeeds with its text exactly at the
// limit and fails with ErrTooLarge one byte under it.
func TestTextLimitExact(t *testing.T) {
	for _, tt := range atLimit {
		t.Run(tt.file, func(t *testing.T) {
			data := tt.data(t)
			if _, err := New(Limits{MaxText: tt.n}).Extract(context.Background(), tt.file, data); err != nil {
				t.Fatalf("at the limit (%d bytes): %v", tt.n, err)
			}
			_, err := New(Limits{MaxText: tt.n - 1}).Extract(context.Background(), tt.file, data)
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), fmt.Sprint(tt.n-1)) {
				t.Fatalf("one byte over the limit (%d): %v, want ErrTooLarge naming the limit", tt.n-1, err)
			}
		})
	}
}

// zlibStream is a PDF stream of content, deflated.
func zlibStream(content []byte) string {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(content)
	zw.Close()
	return fmt.Sprintf("<</Length %d/Filter/FlateDecode>>\nstream\n%s\nendstream", b.Len(), b.String())
}

// memoryBound is the most a file may allocate in extraction, whatever it
// holds: ten times the text limit (320 MiB with the default limits, as the
// README's limits table states).
func memoryBound(l Limits) uint64 { return 10 * uint64(l.MaxText) }

// scaledLimits are the default limits divided by scale.
func scaledLimits() Limits {
	l := DefaultLimits()
	l.MaxInput = map[Format]int64{}
	for _, f := range Formats {
		l.MaxInput[f] = DefaultLimits().Input(f) / scale
	}
	l.MaxUnzipped /= scale
	l.MaxText /= scale
	return l
}

// fits are the documents of hostileAt within every limit: the largest
// Markdown, and CSV and JSON of nothing but separators and empty values.
var fits = map[string]bool{"max.txt": true, "rows.csv": true, "arrays.json": true, "objects.json": true}

// hostileAt returns documents of every format whose text would pass the
// limits l many times over, or that fill its input limit with the
// smallest values a format has; max.txt is the largest Markdown the input
// limit admits, whose text fits.
func hostileAt(l Limits) []extracttest.Hostile {
	row := `<row><c t="s"><v>0</v></c><c t="s"><v>0</v></c></row>`
	fill := func(f Format, unit string) []byte {
		return bytes.Repeat([]byte(unit), int(l.Input(f))/len(unit))
	}
	many := func(f Format, open, unit, end string) []byte {
		n := (int(l.Input(f)) - len(open) - len(end)) / len(unit)
		return []byte(open + strings.Repeat(unit, n) + end)
	}
	text := l.MaxText/2 + 1024 // "x " units: just over the text limit
	return []extracttest.Hostile{
		{Name: "max.txt", Data: fill(Text, "text \r\n")},
		{Name: "headings.html", Data: fill(HTML, "<h6>")},
		{Name: "commas.csv", Data: fill(CSV, ",")},
		{Name: "rows.csv", Data: fill(CSV, "\n")},
		{Name: "arrays.json", Data: many(JSON, "[", "[],", "[]]")},
		{Name: "objects.json", Data: many(JSON, "[", "{},", "{}]")},
		{Name: "long.docx", Data: extracttest.Office(map[string]string{"word/document.xml": docxP(strings.Repeat("w ", text))})},
		{Name: "shared.xlsx", Data: extracttest.Office(map[string]string{
			"xl/sharedStrings.xml":     "<sst><si><t>" + strings.Repeat("s", 1<<20/scale) + "</t></si></sst>",
			"xl/worksheets/sheet1.xml": "<worksheet><sheetData>" + strings.Repeat(row, 100000/scale) + "</sheetData></worksheet>"})},
		{Name: "long.pptx", Data: extracttest.Office(map[string]string{"ppt/slides/slide1.xml": `<p:sld xmlns:a="a"><a:p><a:t>` + strings.Repeat("p ", text) + `</a:t></a:p></p:sld>`})},
		{Name: "runs.pdf", Data: pdfPage(strings.Repeat("(a)Tj ", (maxPDFStream-1)/6))},
		{Name: "bomb.pdf", Data: extracttest.PDF("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
			"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>", zlibStream(make([]byte, 4*maxPDFStream)))},
	}
}

// TestHostileBounded: the hostile documents (with the default
// limits) and one of every format at its limits (the defaults divided by
// scale) fail with ErrTooLarge or ErrMalformed, or succeed when they fit,
// allocating at most memoryBound, and leave no goroutine behind.
func TestHostileBounded(t *testing.T) {
	for _, tt := range []struct {
		limits Limits
		docs   []extracttest.Hostile
	}{{DefaultLimits(), extracttest.All()}, {scaledLimits(), hostileAt(scaledLimits())}} {
		e := New(tt.limits)
		for _, h := range tt.docs {
			t.Run(h.Name, func(t *testing.T) {
				goroutines := runtime.NumGoroutine()
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				start := time.Now()
				text, err := e.Extract(context.Background(), h.Name, h.Data)
				took := time.Since(start)
				runtime.ReadMemStats(&after)
				alloc := after.TotalAlloc - before.TotalAlloc
				t.Logf("%d-byte input: %v in %s, %d MiB allocated", len(h.Data), err, took.Round(time.Millisecond), alloc>>20)
				if fits[h.Name] {
					if err != nil {
						t.Errorf("Extract = %d bytes, %v", len(text), err)
					}
				} else if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrMalformed) {
					t.Errorf("Extract = %d bytes, %v; want ErrTooLarge or ErrMalformed", len(text), err)
				}
				if bound := memoryBound(tt.limits); alloc > bound {
					t.Errorf("allocated %d MiB, the bound is %d MiB", alloc>>20, bound>>20)
				}
				if n := runtime.NumGoroutine(); n > goroutines {
					t.Errorf("%d goroutines after the call, %d before", n, goroutines)
				}
			})
		}
	}
}

// TestPDFCycles: a page tree that loops is malformed, named as such, and
// nothing keeps running after the call.
func TestPDFCycles(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"pages lists itself", extracttest.PagesCycle(), "object 2 is listed twice"},
		{"page is its own parent", extracttest.ParentCycle(), "page object 3: its /Parent chain loops at object 3"},
		{"two pages nodes list each other", extracttest.PagesLoop(), "object 2 is listed twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			goroutines := runtime.NumGoroutine()
			_, err := New(DefaultLimits()).Extract(context.Background(), "c.pdf", tt.data)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Extract = %v, want ErrMalformed saying %q", err, tt.want)
			}
			if n := runtime.NumGoroutine(); n > goroutines {
				t.Fatalf("%d goroutines after the call, %d before", n, goroutines)
			}
		})
	}
}

// TestPDFParentSharedNotACycle: pages sharing one parent, and a page tree
// two levels deep, are read in order.
func TestPDFParentSharedNotACycle(t *testing.T) {
	data := extracttest.PDF("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R 5 0 R]/Count 2>>",
		"<</Type/Pages/Parent 2 0 R/Kids[4 0 R]/Count 1>>", "<</Type/Page/Parent 3 0 R/Contents 6 0 R>>",
		"<</Type/Page/Parent 2 0 R/Contents 7 0 R>>", extracttest.Stream("BT 1 0 0 1 10 700 Tm (first) Tj ET"),
		extracttest.Stream("BT 1 0 0 1 10 700 Tm (second) Tj 1 0 0 1 90 700 Tm (page) Tj ET"))
	got, err := New(DefaultLimits()).Extract(context.Background(), "s.pdf", data)
	if err != nil || got != "first\n\nsecond page" {
		t.Fatalf("Extract = %q, %v", got, err)
	}
}

// TestPDFOutOfRangeNumbers: a cross-reference size no file of this size
// can hold is refused before the parser allocates for it.
func TestPDFOutOfRangeNumbers(t *testing.T) {
	data := bytes.Replace(pdfPage("BT (a) Tj ET"), []byte("/Size 5"), []byte("/Size 4000000000"), 1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := New(DefaultLimits()).Extract(context.Background(), "n.pdf", data)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "4000000000") {
		t.Fatalf("Extract = %v, want ErrMalformed naming the number", err)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
		t.Fatalf("allocated %d bytes", a)
	}
}

// TestErrorTextAsWritten: the parser's message reaches the caller once,
// unformatted ("%%EOF" is the PDF end marker's own name).
func TestErrorTextAsWritten(t *testing.T) {
	_, err := New(DefaultLimits()).Extract(context.Background(), "cut.pdf", []byte("%PDF-1.4\n"+strings.Repeat("1 0 obj (cut short)\n", 10)))
	if want := "extracting cut.pdf as pdf: malformed document: not a PDF file: missing %%EOF"; err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

// TestCancelledMidway: a context that ends during extraction stops it
// (the extractors check it in their loops), and the call returns the
// context's error, not a fault of the document.
func TestCancelledMidway(t *testing.T) {
	data := extracttest.WideHeaderCSV(1<<10, 1<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := New(Limits{MaxText: 1 << 40}).Extract(ctx, "slow.csv", data)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
		t.Fatalf("Extract = %v, want the caller's deadline", err)
	}
	_, err = New(Limits{MaxText: 1 << 40, Timeout: 20 * time.Millisecond}).Extract(context.Background(), "slow.csv", data)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Extract = %v, want ErrTimeout", err)
	}
}
