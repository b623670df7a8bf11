package extract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/ledongthuc/pdf"
)

// extractPDF writes each page's text row by row (words of a row joined by
// spaces), pages apart. Pages whose rows cannot be read fall back to the
// page's plain text.
func extractPDF(ctx context.Context, data []byte) (string, error) {
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var b strings.Builder
	n := r.NumPage()
	for i := 1; i <= n; i++ {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		rows, err := p.GetTextByRow()
		if err == nil && len(rows) > 0 {
			for _, row := range rows {
				b.WriteString(joinRow(row.Content))
				b.WriteByte('\n')
			}
		} else if t, err := p.GetPlainText(nil); err == nil {
			b.WriteString(t)
		}
		b.WriteString("\n\n")
	}
	if strings.TrimSpace(b.String()) == "" {
		// Some files keep their text only in the document-level stream.
		if rd, err := r.GetPlainText(); err == nil {
			all, err := io.ReadAll(io.LimitReader(rd, DefaultMaxText+1))
			if err == nil {
				return string(all), nil
			}
		}
	}
	return b.String(), nil
}

// joinRow joins the text runs of a row, with a space where the gap between
// two runs is wider than a fraction of the font size (PDFs often place
// every few glyphs of a word as a run of their own).
func joinRow(runs []pdf.Text) string {
	var b strings.Builder
	end := 0.0
	for i, r := range runs {
		if i > 0 && r.X-end > r.FontSize*0.2 && !strings.HasSuffix(b.String(), " ") && !strings.HasPrefix(r.S, " ") {
			b.WriteByte(' ')
		}
		b.WriteString(r.S)
		end = r.X + r.W
	}
	return strings.TrimSpace(b.String())
}
