package extract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// extractJSON writes one "path: value" line per leaf; the elements of a
// top-level array and the members of a top-level object are paragraphs.
// The path is one buffer extended and cut back as the walk descends and
// returns (never a string per level: arrays nested thousands deep would
// otherwise build a path per level per leaf), and the text stops at its
// limit. encoding/json refuses nesting deeper than 10 000.
func extractJSON(data []byte, w *textWriter) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	j := jsonWalk{w: w}
	switch t := v.(type) {
	case []any:
		for i, e := range t {
			j.path = appendIndex(j.path[:0], i)
			j.walk(e)
			w.WriteByte('\n')
		}
	case map[string]any:
		for _, k := range sortedKeys(t) {
			j.path = append(j.path[:0], k...)
			j.walk(t[k])
			w.WriteByte('\n')
		}
	default:
		j.walk(v)
	}
	return w.Err()
}

type jsonWalk struct {
	w    *textWriter
	path []byte
}

func (j *jsonWalk) walk(v any) {
	if j.w.Err() != nil {
		return
	}
	n := len(j.path)
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			if n > 0 {
				j.path = append(j.path, '.')
			}
			j.path = append(j.path, k...)
			j.walk(t[k])
			j.path = j.path[:n]
		}
	case []any:
		for i, e := range t {
			j.path = appendIndex(j.path, i)
			j.walk(e)
			j.path = j.path[:n]
		}
	case nil:
	default:
		if n > 0 {
			j.w.Write(j.path)
			j.w.WriteString(": ")
		}
		switch t := t.(type) {
		case string:
			j.w.WriteString(t)
		case json.Number:
			j.w.WriteString(t.String())
		case bool:
			j.w.WriteString(strconv.FormatBool(t))
		}
		j.w.WriteByte('\n')
	}
}

func appendIndex(path []byte, i int) []byte {
	path = append(path, '[')
	path = strconv.AppendInt(path, int64(i), 10)
	return append(path, ']')
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Insertion order is lost by encoding/json; sorted keys keep the text
	// (and so the chunk hashes) stable.
	slices.Sort(keys)
	return keys
}
