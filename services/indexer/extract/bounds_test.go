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

// memoryBound is the most a file may allocate in extraction with the
// default limits (stated in the README's limits table), whatever it holds.
const memoryBound = 320 << 20

// hostile documents of every format whose text would pass the default
// limit many times over, most of them small; max.txt is the largest
// Markdown the input limit admits, whose text fits.
func hostile(t testing.TB) []extracttest.Hostile {
	row := `<row><c t="s"><v>0</v></c><c t="s"><v>0</v></c></row>`
	return append(extracttest.All(),
		extracttest.Hostile{Name: "max.txt", Data: bytes.Repeat([]byte("text \r\n"), DefaultMaxInput/7)},
		extracttest.Hostile{Name: "headings.html", Data: bytes.Repeat([]byte("<h6>"), DefaultMaxInput/4)},
		extracttest.Hostile{Name: "long.docx", Data: office(t, map[string]string{"word/document.xml": docxP(strings.Repeat("w ", 17<<20))})},
		extracttest.Hostile{Name: "shared.xlsx", Data: office(t, map[string]string{
			"xl/sharedStrings.xml":     "<sst><si><t>" + strings.Repeat("s", 1<<20) + "</t></si></sst>",
			"xl/worksheets/sheet1.xml": "<worksheet><sheetData>" + strings.Repeat(row, 100000) + "</sheetData></worksheet>"})},
		extracttest.Hostile{Name: "long.pptx", Data: office(t, map[string]string{"ppt/slides/slide1.xml": `<p:sld xmlns:a="a"><a:p><a:t>` + strings.Repeat("p ", 17<<20) + `</a:t></a:p></p:sld>`})},
		extracttest.Hostile{Name: "runs.pdf", Data: pdfPage(strings.Repeat("(a)Tj ", (maxPDFStream-1)/6))},
		extracttest.Hostile{Name: "bomb.pdf", Data: extracttest.PDF("<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
			"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>", zlibStream(make([]byte, 256<<20)))},
	)
}

// TestHostileBounded: every hostile document but max.txt fails with a permanent error
// (too large or malformed) quickly, allocating at most memoryBound, and
// leaves no goroutine behind.
func TestHostileBounded(t *testing.T) {
	e := New(DefaultLimits())
	for _, h := range hostile(t) {
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
			if h.Name == "max.txt" {
				if err != nil || len(text) == 0 {
					t.Errorf("Extract = %d bytes, %v", len(text), err)
				}
			} else if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrMalformed) {
				t.Errorf("Extract = %d bytes, %v; want ErrTooLarge or ErrMalformed", len(text), err)
			}
			if alloc > memoryBound {
				t.Errorf("allocated %d MiB, the bound is %d MiB", alloc>>20, memoryBound>>20)
			}
			if n := runtime.NumGoroutine(); n > goroutines {
				t.Errorf("%d goroutines after the call, %d before", n, goroutines)
			}
		})
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
			if n := runtime.NumGoroutine(); n != goroutines {
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
