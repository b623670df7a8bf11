package basic

import (
	"strings"
	"unicode/utf8"
)

// interpolate splits text into literal parts and ${expr} parts. base is the
// position of text[0]; text may span several lines. In quiet mode (string
// literals) a malformed ${…} makes the whole text a plain value (nil);
// otherwise (text blocks) it is kept as text with a warning.
func (p *parser) interpolate(text string, base Pos, quiet bool) []Part {
	parts := []Part{}
	posAt := func(off int) Pos {
		nl := strings.LastIndexByte(text[:off], '\n')
		line := base.Line + strings.Count(text[:off], "\n")
		if nl < 0 {
			return Pos{line, base.Col + utf8.RuneCountInString(text[:off])}
		}
		return Pos{line, 1 + utf8.RuneCountInString(text[nl+1:off])}
	}
	lit := 0 // start of the pending literal
	flush := func(end int) {
		if end > lit {
			parts = append(parts, Part{Pos: posAt(lit), Text: text[lit:end]})
		}
	}
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], "${")
		if j < 0 {
			break
		}
		start := i + j
		end := closingBrace(text, start+2)
		if end < 0 {
			if quiet {
				return nil
			}
			p.errs.warnf(posAt(start), "${ is not closed by }; kept as text")
			break
		}
		x, ok := p.parseEmbedded(text[start+2:end], posAt(start+2), quiet)
		if !ok {
			if quiet {
				return nil
			}
			i = end + 1
			continue
		}
		flush(start)
		parts = append(parts, Part{Pos: posAt(start), Expr: x})
		lit = end + 1
		i = end + 1
	}
	flush(len(text))
	return parts
}

// closingBrace returns the index of the } that closes a ${ whose content
// starts at i, skipping nested braces and string literals; -1 if none.
func closingBrace(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			if _, end, ok := scanString(s, i); ok {
				i = end - 1
			}
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// parseEmbedded parses the expression of a ${…} located at base.
func (p *parser) parseEmbedded(src string, base Pos, quiet bool) (Expr, bool) {
	if strings.TrimSpace(src) == "" {
		if !quiet {
			p.errs.warnf(base, "empty ${}; kept as text")
		}
		return nil, false
	}
	sub := &reporter{max: p.errs.max, silent: quiet || p.errs.silent, demote: true}
	sp := newParser(src, sub, p.lim, base)
	sp.depth = p.depth
	x := sp.parseExpr()
	sp.skipNewlines()
	if !sp.at(tokEOF) {
		sp.expected("} to end the ${ expression")
	}
	p.errs.diags = append(p.errs.diags, sub.diags...)
	return x, !sub.failed
}
