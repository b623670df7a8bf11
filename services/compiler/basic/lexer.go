package basic

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// lexer turns source text into tokens, one physical line at a time.
//
// It strips comments (REM, ', //, whole-line #), joins a line ending in a
// comma, a binary operator or " _" with the next one, and hands the body of
// BEGIN TALK / BEGIN SYSTEM PROMPT / BEGIN MAIL and TABLE blocks to the parser
// verbatim, one tokRaw per line, because those bodies are text, not code.
type lexer struct {
	src    string
	toks   []token
	errs   *reporter
	limit  int
	full   bool // token limit reached
	rawEnd string
	// pending is a string literal still open at the end of a line: strings
	// may span lines.
	pending *pendingString
	base    Pos // position of src[0] (for ${…} parsed out of a larger text)
	// per line
	line    string
	lineNo  int
	lineOff int
	colIdx  int // byte index in line whose column is colVal
	colVal  int
}

type pendingString struct {
	b   strings.Builder
	tok token
	// single is set for a '…' string, which has no escapes.
	single bool
}

// lex tokenizes src. The result always ends with tokEOF.
func lex(src string, errs *reporter, maxTokens int, base Pos) []token {
	lx := &lexer{src: src, errs: errs, limit: maxTokens, base: base}
	lx.run()
	return lx.toks
}

func (lx *lexer) run() {
	continued := false
	off := 0
	for lineNo := 1; off <= len(lx.src) && !lx.full; lineNo++ {
		end := strings.IndexByte(lx.src[off:], '\n')
		next := off + end + 1
		if end < 0 {
			end = len(lx.src) - off
			next = len(lx.src) + 1
		}
		line := strings.TrimSuffix(lx.src[off:off+end], "\r")
		lx.line, lx.lineNo, lx.lineOff, lx.colIdx, lx.colVal = line, lineNo, off, 0, 1
		off = next

		from := 0
		if ps := lx.pending; ps != nil {
			end, closed := ps.scan(line, 0)
			if !closed {
				ps.b.WriteByte('\n')
				continue
			}
			ps.tok.Text, ps.tok.End = ps.b.String(), lx.lineOff+end
			lx.pending = nil
			lx.emit(ps.tok)
			from = end
		}
		if lx.rawEnd != "" && from == 0 {
			if isEndLine(line, lx.rawEnd) {
				lx.rawEnd = ""
			} else {
				lx.emit(token{Kind: tokRaw, Text: line, Pos: lx.pos(0), Off: lx.lineOff, End: lx.lineOff + len(line)})
				continue
			}
		}
		trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
		if from == 0 && !continued && strings.HasPrefix(trimmed, "#") && !strings.HasPrefix(trimmed, "#{") {
			continue // whole-line # comment
		}
		first := len(lx.toks)
		if from > 0 {
			first-- // the string closed on this line belongs to it
		}
		lx.lexLine(!continued && from == 0, from)
		if lx.pending != nil {
			continue // a string goes on on the next line
		}
		if len(lx.toks) <= first {
			continue // blank or comment-only line: a continuation carries on
		}
		if from > 0 {
			first++
		}
		if !continued && from == 0 {
			lx.rawEnd = rawBlockEnd(lx.toks[first:])
		}
		last := lx.toks[len(lx.toks)-1]
		continued = continuesLine(last)
		if last.Kind == tokIdent && last.Text == "_" {
			lx.toks = lx.toks[:len(lx.toks)-1]
		}
		if !continued {
			lx.emit(token{Kind: tokNewline, Pos: lx.pos(len(line)), Off: lx.lineOff + len(line), End: lx.lineOff + len(line)})
		}
	}
	if ps := lx.pending; ps != nil {
		lx.errs.errorf(ps.tok.Pos, "unterminated string: expected a closing \" before the end of the file")
		ps.tok.Text, ps.tok.End = ps.b.String(), len(lx.src)
		lx.pending = nil
		lx.emit(ps.tok)
	}
	eof := Pos{Line: lx.base.Line + strings.Count(lx.src, "\n"), Col: 1}
	lx.toks = append(lx.toks, token{Kind: tokNewline, Pos: eof, Off: len(lx.src), End: len(lx.src)},
		token{Kind: tokEOF, Pos: eof, Off: len(lx.src), End: len(lx.src)})
}

// continuesLine reports whether a line ending in t goes on on the next line.
func continuesLine(t token) bool {
	switch t.Kind {
	case tokOp:
		switch t.Text {
		case ",", "+", "&", "&&", "||":
			return true
		}
	case tokIdent:
		switch t.Upper {
		case "_", "AND", "OR", "SET", "WHERE", "AS", "TO", "FROM", "INTO", "IN", "OF", "BY", "VIA", "USING":
			return true
		}
	}
	return false
}

// rawBlockEnd returns the word that closes a verbatim block opened by the
// statement in toks (TALK, SYSTEM, MAIL or TABLE), or "" if it opens none.
func rawBlockEnd(toks []token) string {
	if len(toks) < 2 || toks[0].Kind != tokIdent || toks[1].Kind != tokIdent {
		return ""
	}
	switch toks[0].Upper {
	case "BEGIN":
		switch toks[1].Upper {
		case "TALK", "SYSTEM", "MAIL", "PROMPT":
			return toks[1].Upper
		}
	case "TABLE":
		if len(toks) == 2 || toks[2].isWord("ON") {
			return "TABLE"
		}
	}
	return ""
}

// isEndLine reports whether line is "END <word> …" (any case and spacing,
// with an optional trailing comment).
func isEndLine(line, word string) bool {
	f := strings.Fields(line)
	return len(f) >= 2 && strings.EqualFold(f[0], "END") && strings.EqualFold(f[1], word)
}

// pos returns the position of byte index i of the current line, counting
// columns in code points. Calls must be made with non-decreasing i.
func (lx *lexer) pos(i int) Pos {
	if i < lx.colIdx {
		lx.colIdx, lx.colVal = 0, 1
	}
	lx.colVal += utf8.RuneCountInString(lx.line[lx.colIdx:i])
	lx.colIdx = i
	if lx.lineNo == 1 {
		return Pos{Line: lx.base.Line, Col: lx.base.Col + lx.colVal - 1}
	}
	return Pos{Line: lx.base.Line + lx.lineNo - 1, Col: lx.colVal}
}

func (lx *lexer) emit(t token) {
	if lx.full {
		return
	}
	if len(lx.toks) >= lx.limit {
		lx.full = true
		lx.errs.errorf(t.Pos, "file has more than %d tokens; the rest of the file is not parsed", lx.limit)
		return
	}
	lx.toks = append(lx.toks, t)
}

var twoCharOps = []string{"<>", "<=", ">=", "==", "!=", "?.", "??", "#{", "&&", "||", "+=", "-=", "*=", "/=", "&=", "=>", "->"}

// lexLine tokenizes the current line. stmtStart tells whether the line
// starts a statement (so a leading REM is a comment).
func (lx *lexer) lexLine(stmtStart bool, from int) {
	line := lx.line
	i := from
	firstTok := true
	for i < len(line) && !lx.full {
		r, size := utf8.DecodeRuneInString(line[i:])
		if unicode.IsSpace(r) || r == '\uFEFF' {
			i += size
			continue
		}
		start := i
		p := lx.pos(i)
		mk := func(k tokKind, text string, end int) token {
			return token{Kind: k, Text: text, Pos: p, Off: lx.lineOff + start, End: lx.lineOff + end}
		}
		switch {
		case r == '\'' && lx.quoteIsString(line, i):
			end := i + 1 + strings.IndexByte(line[i+1:], '\'')
			lx.emit(mk(tokString, line[i+1:end], end+1))
			i = end + 1
		case r == '\'' && lx.opensSingleQuoted():
			// x = '…' over several lines (the book's GraphQL queries).
			ps := &pendingString{single: true}
			ps.b.WriteString(line[i+1:])
			ps.b.WriteByte('\n')
			ps.tok = mk(tokString, "", len(line))
			lx.pending = ps
			return
		case r == '\'':
			return
		case r == '/' && strings.HasPrefix(line[i:], "//"):
			return
		case r == '_' || unicode.IsLetter(r):
			i += size
			for i < len(line) {
				r2, s2 := utf8.DecodeRuneInString(line[i:])
				if r2 != '_' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
					break
				}
				i += s2
			}
			if i < len(line) && line[i] == '$' {
				i++
			}
			t := mk(tokIdent, line[start:i], i)
			t.Upper = strings.ToUpper(t.Text)
			if firstTok && stmtStart && t.Upper == "REM" {
				return
			}
			lx.emit(t)
		case r >= '0' && r <= '9' || r == '.' && i+1 < len(line) && isDigit(line[i+1]) && !lx.afterValue():
			i = scanNumber(line, i)
			lx.emit(mk(tokNumber, line[start:i], i))
		case r == '"':
			ps := &pendingString{}
			end, closed := scanStringInto(&ps.b, line, i+1)
			i = end
			if !closed {
				ps.b.WriteByte('\n')
				ps.tok = mk(tokString, "", i)
				lx.pending = ps
				return
			}
			lx.emit(mk(tokString, ps.b.String(), i))
		default:
			op := ""
			for _, two := range twoCharOps {
				if strings.HasPrefix(line[i:], two) {
					op = two
					break
				}
			}
			if op == "" && strings.ContainsRune("+-*/\\^&=<>()[]{},:;.?%!@$~|#", r) {
				op = string(r)
			}
			if op == "" {
				i += size
				lx.errs.errorf(p, "unexpected character %q", r)
				lx.emit(mk(tokIllegal, string(r), i))
				break
			}
			i += len(op)
			lx.emit(mk(tokOp, op, i))
		}
		firstTok = false
	}
}

// quoteIsString reports whether the ' at line[i] opens a single-quoted
// string ('f') rather than a comment: it must follow "=", "(" or a
// comparison on the same line, and be closed on that line.
func (lx *lexer) quoteIsString(line string, i int) bool {
	if len(lx.toks) == 0 || !strings.Contains(line[i+1:], "'") {
		return false
	}
	t := lx.toks[len(lx.toks)-1]
	if t.Off < lx.lineOff || t.Kind != tokOp {
		return false
	}
	switch t.Text {
	case "=", "(", "==", "<>", "!=":
		return true
	}
	return false
}

// opensSingleQuoted reports whether a ' with no closing quote on its line
// opens a string that goes on over the next lines: right after "=", where a
// comment would leave the value missing.
func (lx *lexer) opensSingleQuoted() bool {
	if len(lx.toks) == 0 {
		return false
	}
	t := lx.toks[len(lx.toks)-1]
	return t.Off >= lx.lineOff && t.isOp("=")
}

// scan goes on with the string on line from i; it returns where the
// string ends and whether it is closed there.
func (ps *pendingString) scan(line string, i int) (int, bool) {
	if !ps.single {
		return scanStringInto(&ps.b, line, i)
	}
	if j := strings.IndexByte(line[i:], '\''); j >= 0 {
		ps.b.WriteString(line[i : i+j])
		return i + j + 1, true
	}
	ps.b.WriteString(line[i:])
	return len(line), false
}

// afterValue reports whether the previous token ends a value, so that a
// following "." is member access rather than the start of a number.
func (lx *lexer) afterValue() bool {
	if len(lx.toks) == 0 {
		return false
	}
	t := lx.toks[len(lx.toks)-1]
	if t.Off < lx.lineOff {
		return false
	}
	return t.Kind == tokIdent || t.Kind == tokNumber || t.Kind == tokString || t.isOp(")") || t.isOp("]") || t.isOp("}")
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func scanNumber(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			i = j
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		}
	}
	return i
}

// scanString decodes the string literal starting at s[i] == '"'. It returns
// the decoded value, the index after the closing quote (or the end of s)
// and whether the literal was closed.
func scanString(s string, i int) (string, int, bool) {
	var b strings.Builder
	end, ok := scanStringInto(&b, s, i+1)
	return b.String(), end, ok
}

// scanStringInto decodes string content from s[i] into b up to the closing
// quote; it returns the index after the quote (or len(s)) and whether the
// quote was found. Unknown escapes are kept as written, so "\d" stays a
// backslash and a d.
func scanStringInto(b *strings.Builder, s string, i int) (int, bool) {
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return i + 1, true
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case '"', '\\', '\'', '/':
				b.WriteByte(s[i])
			default:
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return i, false
}
