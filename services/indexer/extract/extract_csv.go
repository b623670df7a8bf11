package extract

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// maxCSVFields bounds the fields of a line: the CSV reader holds about 40
// bytes per field of a record (16 MiB of commas would be 640 MiB).
const maxCSVFields = 1 << 16

// extractCSV writes one paragraph per row: "column: value" pairs joined by
// "; ", the first row taken as the header. Rows are written as they are
// read: the header is held once (no more than the input), never copied
// per row, and the text stops at its limit.
func extractCSV(data []byte, w *textWriter) error {
	if err := csvWidth(data); err != nil {
		return err
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	var header, names []string
	rows := 0
	for {
		if err := w.Err(); err != nil {
			return err
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		if header == nil {
			header = slices.Clone(rec)
			names = make([]string, len(rec))
			for i, h := range rec {
				names[i] = strings.TrimSpace(h)
			}
			continue
		}
		if csvRow(w, names, rec) {
			rows++
		}
	}
	if rows == 0 && header != nil {
		// A header alone still says something.
		for i, h := range header {
			if i > 0 {
				w.WriteString("; ")
			}
			w.WriteString(h)
		}
	}
	return nil
}

// csvRow writes one row's non-empty cells and reports whether it wrote any.
func csvRow(w *textWriter, names, rec []string) bool {
	wrote := false
	for i, v := range rec {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if wrote {
			w.WriteString("; ")
		}
		wrote = true
		if i < len(names) && names[i] != "" {
			w.WriteString(names[i])
			w.WriteString(": ")
		}
		w.WriteString(v)
	}
	if wrote {
		w.WriteString("\n\n")
	}
	return wrote
}

// csvWidth refuses a line with more than maxCSVFields fields (commas in
// quotes counted too: an upper bound).
func csvWidth(data []byte) error {
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if c := bytes.Count(line, []byte{','}); c >= maxCSVFields {
			return fmt.Errorf("%w: line %d has more than %d fields", ErrTooLarge, n, maxCSVFields)
		}
	}
	return nil
}
