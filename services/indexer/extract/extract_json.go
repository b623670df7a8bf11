package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxJSONDepth is the deepest nesting read (encoding/json's own limit).
const maxJSONDepth = 10000

// extractJSON writes one "path: value" line per leaf, in document order;
// the elements of a top-level array and the members of a top-level object
// are paragraphs. The document is read token by token, never decoded
// whole: what is held is the path, one buffer extended and cut back as the
// walk descends and returns (never a string per level: arrays nested
// thousands deep would otherwise build a path per level per leaf), and
// one frame per level. The text stops at its limit.
func extractJSON(data []byte, w *textWriter) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	j := jsonWalk{w: w}
	for {
		if err := w.Err(); err != nil {
			return err
		}
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) && j.started {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		done, err := j.token(tok)
		if err != nil || done {
			return err
		}
	}
}

// jsonFrame is an open array or object.
type jsonFrame struct {
	array   bool
	index   int  // next element's index (arrays)
	wantKey bool // the next string is a member name (objects)
	pathLen int  // the path's length at this container
}

type jsonWalk struct {
	w       *textWriter
	path    []byte
	stack   []jsonFrame
	started bool
}

// token handles one token; done once the top-level value is complete.
func (j *jsonWalk) token(tok json.Token) (done bool, err error) {
	j.started = true
	if n := len(j.stack); n > 0 && !j.stack[n-1].array && j.stack[n-1].wantKey {
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return j.close(), nil
		}
		f := &j.stack[n-1]
		j.path = j.path[:f.pathLen]
		if f.pathLen > 0 {
			j.path = append(j.path, '.')
		}
		j.path = append(j.path, tok.(string)...)
		f.wantKey = false
		return false, nil
	}
	if d, ok := tok.(json.Delim); ok && (d == ']' || d == '}') {
		return j.close(), nil
	}
	if n := len(j.stack); n > 0 && j.stack[n-1].array {
		f := &j.stack[n-1]
		j.path = appendIndex(j.path[:f.pathLen], f.index)
		f.index++
	}
	if d, ok := tok.(json.Delim); ok { // '[' or '{'
		if len(j.stack) >= maxJSONDepth {
			return false, fmt.Errorf("%w: nested deeper than %d", ErrMalformed, maxJSONDepth)
		}
		j.stack = append(j.stack, jsonFrame{array: d == '[', wantKey: d == '{', pathLen: len(j.path)})
		return false, nil
	}
	j.leaf(tok)
	return j.valueDone(), nil
}

// close ends the innermost container, which is a complete value.
func (j *jsonWalk) close() bool {
	j.stack = j.stack[:len(j.stack)-1]
	return j.valueDone()
}

// valueDone follows a complete value: the next member name is due, a
// top-level element or member ends its paragraph, the top-level value ends
// the document.
func (j *jsonWalk) valueDone() bool {
	n := len(j.stack)
	if n == 0 {
		return true
	}
	if f := &j.stack[n-1]; !f.array {
		f.wantKey = true
	}
	if n == 1 {
		j.w.WriteByte('\n')
	}
	return false
}

func (j *jsonWalk) leaf(tok json.Token) {
	if tok == nil { // null says nothing
		return
	}
	if len(j.path) > 0 {
		j.w.Write(j.path)
		j.w.WriteString(": ")
	}
	switch t := tok.(type) {
	case string:
		j.w.WriteString(t)
	case json.Number:
		j.w.WriteString(t.String())
	case bool:
		j.w.WriteString(strconv.FormatBool(t))
	}
	j.w.WriteByte('\n')
}

func appendIndex(path []byte, i int) []byte {
	path = append(path, '[')
	path = strconv.AppendInt(path, int64(i), 10)
	return append(path, ']')
}
