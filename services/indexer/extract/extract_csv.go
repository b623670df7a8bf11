package extract

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// extractCSV writes one paragraph per row: "column: value" pairs joined by
// "; ", the first row taken as the header.
func extractCSV(data []byte) (string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	var header []string
	var b strings.Builder
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		if header == nil {
			header = rec
			continue
		}
		var parts []string
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if i < len(header) && strings.TrimSpace(header[i]) != "" {
				parts = append(parts, strings.TrimSpace(header[i])+": "+v)
			} else {
				parts = append(parts, v)
			}
		}
		if len(parts) > 0 {
			b.WriteString(strings.Join(parts, "; "))
			b.WriteString("\n\n")
		}
	}
	if b.Len() == 0 && header != nil {
		// A header alone still says something.
		b.WriteString(strings.Join(header, "; "))
	}
	return b.String(), nil
}
