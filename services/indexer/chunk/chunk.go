package chunk

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Defaults of Options.
const (
	DefaultSize    = 1000
	DefaultOverlap = 200
	// MinSize is the smallest Size accepted.
	MinSize = 64
)

// Options size the chunks.
type Options struct {
	// Size is the largest chunk, overlap included, in bytes.
	Size int
	// Overlap is the largest prefix a chunk repeats from the previous one.
	Overlap int
}

// WithDefaults turns zero options into the defaults (Size 0 gives
// DefaultSize, and then Overlap 0 gives DefaultOverlap).
func (o Options) WithDefaults() Options {
	if o.Size == 0 {
		o.Size = DefaultSize
		if o.Overlap == 0 {
			o.Overlap = DefaultOverlap
		}
	}
	return o
}

// Validate reports options that cannot work.
func (o Options) Validate() error {
	if o.Size < MinSize {
		return fmt.Errorf("chunk size %d: must be at least %d", o.Size, MinSize)
	}
	if o.Overlap < 0 || o.Overlap > o.Size/2 {
		return fmt.Errorf("chunk overlap %d: must be between 0 and half the chunk size (%d)", o.Overlap, o.Size/2)
	}
	return nil
}

// Chunk is one piece of a document.
type Chunk struct {
	// Index is the chunk's position in the document, from 0.
	Index int
	// Text is the chunk's text, overlap included.
	Text string
	// Hash identifies the text: Hash(Text).
	Hash string
}

// Hash is the content hash of a chunk's text: 32 hex digits of its SHA-256.
func Hash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:16])
}

// block is a paragraph, a heading or a code block.
type block struct {
	text    string
	heading bool
}

// Split cuts text into chunks. Options must be valid (see Validate); zero
// options take the defaults. Empty or blank text gives no chunks.
func Split(text string, o Options) []Chunk {
	o = o.WithDefaults()
	if o.Validate() != nil {
		o = Options{Size: DefaultSize, Overlap: DefaultOverlap}
	}
	body := o.Size - o.Overlap
	var out []Chunk
	var cur strings.Builder
	prev := "" // the previous chunk's body, for overlap
	emit := func() {
		if cur.Len() == 0 {
			return
		}
		b := cur.String()
		t := b
		if prev != "" {
			if tail := overlapTail(prev, o.Overlap-1); tail != "" {
				t = tail + "\n" + b
			}
		}
		out = append(out, Chunk{Index: len(out), Text: t, Hash: Hash(t)})
		prev = b
		cur.Reset()
	}
	for _, bl := range blocks(text) {
		if bl.heading && cur.Len() >= o.Size/4 {
			emit()
			prev = "" // a heading starts afresh: no overlap
		}
		for _, piece := range pieces(bl.text, body) {
			if cur.Len() > 0 && cur.Len()+2+len(piece) > body {
				emit()
			}
			if cur.Len() > 0 {
				cur.WriteString("\n\n")
			}
			cur.WriteString(piece)
		}
	}
	emit()
	return out
}

// blocks reads text as paragraphs separated by blank lines, headings ("#"
// to "######" and a space) as blocks of their own, and fenced code blocks
// (``` or ~~~) whole.
func blocks(text string) []block {
	var out []block
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, block{text: strings.Join(para, "\n")})
			para = para[:0]
		}
	}
	fence := ""
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			para = append(para, line)
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
				flush()
			}
			continue
		}
		switch {
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			flush()
			fence = trimmed[:3]
			para = append(para, line)
		case isHeading(trimmed):
			flush()
			out = append(out, block{text: trimmed, heading: true})
		case trimmed == "":
			flush()
		default:
			para = append(para, line)
		}
	}
	flush()
	return out
}

func isHeading(line string) bool {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	return n >= 1 && n <= 6 && n < len(line) && line[n] == ' '
}

// pieces cuts a block into parts of at most max bytes, at white space where
// possible and always at a rune boundary.
func pieces(s string, max int) []string {
	var out []string
	for len(s) > max {
		cut := strings.LastIndexFunc(s[:max+1], unicode.IsSpace)
		if cut <= 0 {
			cut = max
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
		}
		if p := strings.TrimSpace(s[:cut]); p != "" {
			out = append(out, p)
		}
		s = strings.TrimLeftFunc(s[cut:], unicode.IsSpace)
	}
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

// overlapTail is the last at most n bytes (n leaves room for the newline
// that joins it to the chunk) of s, starting after white space.
func overlapTail(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	t := s[len(s)-n:]
	i := strings.IndexFunc(t, unicode.IsSpace)
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(t[i:])
}
