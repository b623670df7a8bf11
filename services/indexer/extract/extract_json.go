package extract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// extractJSON writes one "path: value" line per leaf; the elements of a
// top-level array and the members of a top-level object are paragraphs.
func extractJSON(data []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var b strings.Builder
	switch t := v.(type) {
	case []any:
		for i, e := range t {
			flatten(&b, "["+strconv.Itoa(i)+"]", e)
			b.WriteString("\n")
		}
	case map[string]any:
		for _, k := range sortedKeys(t) {
			flatten(&b, k, t[k])
			b.WriteString("\n")
		}
	default:
		flatten(&b, "", v)
	}
	return b.String(), nil
}

func flatten(b *strings.Builder, prefix string, v any) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(b, p, t[k])
		}
	case []any:
		for i, e := range t {
			flatten(b, prefix+"["+strconv.Itoa(i)+"]", e)
		}
	case nil:
	default:
		if prefix != "" {
			b.WriteString(prefix)
			b.WriteString(": ")
		}
		fmt.Fprint(b, t)
		b.WriteByte('\n')
	}
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
