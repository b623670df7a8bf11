package basic

import (
	"bytes"
	"slices"
	"strings"

	"github.com/drivemon/drivemon/services/compiler/diag"
)

// Parse parses a BASIC source file with DefaultLimits. It always returns a
// File (possibly partial) and every diagnostic found, sorted by position.
func Parse(src []byte) (*File, []diag.Diagnostic) {
	return ParseWithLimits(src, DefaultLimits)
}

// ParseWithLimits is Parse with explicit limits; zero fields take their
// value from DefaultLimits.
func ParseWithLimits(src []byte, lim Limits) (*File, []diag.Diagnostic) {
	lim = lim.withDefaults()
	errs := &reporter{max: lim.MaxErrors}
	file := &File{Pos: Pos{1, 1}, Body: []Stmt{}}
	if len(src) > lim.MaxFileSize {
		errs.errorf(Pos{1, 1}, "file is %d bytes, larger than the %d-byte limit; not parsed", len(src), lim.MaxFileSize)
		return file, errs.diags
	}
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	p := newParser(string(src), errs, lim, Pos{1, 1})
	file.Body = p.parseBody()
	for !p.at(tokEOF) && !errs.stopped {
		// A terminator of no open block at top level: report and go on.
		p.strayTerminator()
		file.Body = append(file.Body, p.parseBody()...)
	}
	if !errs.stopped {
		checkStatements(file, errs)
	}
	diag.Sort(errs.diags)
	return file, errs.diags
}

// block is an open block; it tells which lines close it.
type block struct {
	kind string // IF, FOR, WHILE, DO, SELECT, SWITCH, WITH, SUB, FUNCTION, ON, or END-word of a DO block
	pos  Pos
}

// parser is a recursive-descent parser over the token slice.
type parser struct {
	src      string
	toks     []token
	i        int
	errs     *reporter
	lim      Limits
	depth    int
	brackets int // > 0 inside (), [] or {}: newlines are insignificant
	open     []block
	inline   bool // parsing the statement of a single-line IF
	endOn    []int
	onStarts []int
	// nodes counts the nodes of the file, stmtNodes the expression nodes
	// of the statement that began at stmtStart (see Limits).
	nodes      int
	stmtNodes  int
	stmtStart  Pos
	stmtTooBig bool
}

func newParser(src string, errs *reporter, lim Limits, base Pos) *parser {
	p := &parser{src: src, errs: errs, lim: lim}
	p.toks = lex(src, errs, lim.MaxTokens, base)
	p.indexOnBlocks()
	return p
}

// ---- token access ----

// tok returns the current token, skipping newlines inside brackets.
func (p *parser) tok() token {
	if p.brackets > 0 {
		for p.toks[p.i].Kind == tokNewline {
			p.i++
		}
	}
	return p.toks[p.i]
}

// peek returns the token n places after the current one, without skipping.
func (p *parser) peek(n int) token {
	p.tok()
	if j := p.i + n; j < len(p.toks) {
		return p.toks[j]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.tok()
	if t.Kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) at(k tokKind) bool { return p.tok().Kind == k }

func (p *parser) atOp(op string) bool { return p.tok().isOp(op) }

func (p *parser) atWord(w string) bool { return p.tok().isWord(w) }

// acceptWord consumes the current token if it is the keyword w.
func (p *parser) acceptWord(w string) bool {
	if p.atWord(w) {
		p.next()
		return true
	}
	return false
}

// acceptOp consumes the current token if it is the operator op.
func (p *parser) acceptOp(op string) bool {
	if p.atOp(op) {
		p.next()
		return true
	}
	return false
}

// atEnd reports whether the current statement ends here.
func (p *parser) atEnd() bool {
	t := p.tok()
	return t.atEOL() || t.isOp(":") || p.inline && (t.isWord("ELSE") || p.atEndIf())
}

// atEndIf reports whether the current tokens are END IF.
func (p *parser) atEndIf() bool { return p.atWord("END") && p.peek(1).isWord("IF") }

// ---- errors and recovery ----

// expected reports "expected what, found <current token>" and returns false.
func (p *parser) expected(what string) bool {
	t := p.tok()
	p.errs.errorf(t.Pos, "expected %s, found %s", what, t.describe())
	return false
}

// sync skips to the end of the current line, leaving the newline for
// endStmt, and leaves bracket context.
func (p *parser) sync() {
	p.brackets = 0
	for !p.toks[p.i].atEOL() {
		p.i++
	}
}

// endStmt finishes a statement: it must be at the end of the line (or at a
// ":" separator); anything else is reported and skipped.
func (p *parser) endStmt(what string) {
	t := p.tok()
	switch {
	case t.Kind == tokNewline:
		if !p.inline {
			p.next()
		}
	case t.Kind == tokEOF:
	case t.isOp(":"):
		p.next()
	case p.inline && (t.isWord("ELSE") || p.atEndIf()):
	default:
		p.errs.errorf(t.Pos, "expected end of line after %s, found %s", what, t.describe())
		p.sync()
	}
}

func (p *parser) skipNewlines() {
	for p.toks[p.i].Kind == tokNewline || p.toks[p.i].isOp(":") {
		p.i++
	}
}

// enter guards recursion depth; callers must call leave when it returns true.
func (p *parser) enter(at Pos) bool {
	p.depth++
	if p.depth > p.lim.MaxDepth {
		p.errs.errorf(at, "nesting is deeper than %d levels", p.lim.MaxDepth)
		p.depth--
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

// ---- blocks ----

// parseBody parses statements until the end of file or a line that closes
// one of the open blocks.
func (p *parser) parseBody() []Stmt {
	stmts := []Stmt{}
	for !p.errs.stopped {
		p.skipNewlines()
		t := p.tok()
		if t.Kind == tokEOF || p.closesOpenBlock() {
			break
		}
		start := p.i
		if s := p.parseStmt(); s != nil {
			stmts = append(stmts, s)
		}
		if p.i == start {
			p.i++ // always make progress
		}
	}
	if p.errs.stopped {
		p.i = len(p.toks) - 1
	}
	return stmts
}

// parseBlock opens a block of the given kind, parses its body, and returns
// it; the caller then checks for its terminator.
func (p *parser) parseBlock(kind string, at Pos) ([]Stmt, bool) {
	if !p.enter(at) {
		return []Stmt{}, false
	}
	p.open = append(p.open, block{kind: kind, pos: at})
	body := p.parseBody()
	p.open = p.open[:len(p.open)-1]
	p.leave()
	return body, true
}

// closesOpenBlock reports whether the current line closes (or continues)
// any open block, so the body being parsed must stop.
func (p *parser) closesOpenBlock() bool {
	for _, b := range slices.Backward(p.open) {
		if p.closes(b.kind) {
			return true
		}
	}
	return false
}

// closes reports whether the current line is a terminator of a block kind.
func (p *parser) closes(kind string) bool {
	t := p.tok()
	if kind == "{" {
		return t.isOp("}")
	}
	if t.Kind != tokIdent {
		return false
	}
	if t.Upper == "END" {
		n := p.peek(1)
		if n.Kind != tokIdent {
			return false
		}
		return endWordCloses(n.Upper, kind)
	}
	switch kind {
	case "IF":
		return t.Upper == "ELSE" || t.Upper == "ELSEIF"
	case "TRY":
		return t.Upper == "CATCH"
	case "FOR":
		return t.Upper == "NEXT"
	case "WHILE":
		return t.Upper == "WEND"
	case "DO":
		return t.Upper == "LOOP"
	case "SELECT":
		return t.Upper == "CASE"
	case "SWITCH":
		return t.Upper == "CASE" || t.Upper == "DEFAULT"
	}
	return false
}

// endWordCloses reports whether END <word> closes a block of kind.
func endWordCloses(word, kind string) bool {
	switch kind {
	case "FOR":
		return word == "FOR"
	case "WHILE":
		return word == "WHILE"
	case "DO":
		return word == "DO" || word == "LOOP"
	}
	return word == kind
}

// expectEnd consumes the terminator `END word` of a block opened at open.
func (p *parser) expectEnd(word, opener string, open Pos) {
	if p.atWord("END") && p.peek(1).isWord(word) {
		p.next()
		p.next()
		if word == "SYSTEM" {
			p.acceptWord("PROMPT")
		}
		p.endStmt("END " + word)
		return
	}
	p.unclosed(opener, open, "END "+word)
}

// unclosed reports a block that ends without its terminator.
func (p *parser) unclosed(opener string, open Pos, want string) {
	t := p.tok()
	found := t.describe()
	if t.Kind == tokIdent && t.Upper == "END" && p.peek(1).Kind == tokIdent {
		found = "END " + p.peek(1).Upper
	} else if t.Kind == tokIdent {
		found = t.Upper
	}
	p.errs.errorf(open, "%s at %s is not closed: expected %s, found %s at %s", opener, open, want, found, t.Pos)
}

// strayTerminator reports a block terminator that closes nothing and skips
// its line.
func (p *parser) strayTerminator() {
	t := p.tok()
	word := t.Upper
	if word == "END" {
		word = "END " + p.peek(1).Upper
	}
	p.errs.errorf(t.Pos, "%s without a matching %s", word, openerOf(word))
	p.sync()
}

// openerOf names the statement a terminator belongs to.
func openerOf(term string) string {
	switch term {
	case "ELSE", "ELSEIF", "END IF":
		return "IF"
	case "NEXT", "END FOR":
		return "FOR"
	case "WEND", "END WHILE":
		return "WHILE"
	case "LOOP":
		return "DO"
	case "CASE", "END SELECT":
		return "SELECT CASE or SWITCH"
	case "DEFAULT", "END SWITCH":
		return "SWITCH"
	case "CATCH", "END TRY":
		return "TRY"
	}
	return strings.TrimPrefix(term, "END ")
}

// indexOnBlocks records where `ON` and `END ON` lines start, so an ON
// statement without DO can tell whether an END ON closes it.
func (p *parser) indexOnBlocks() {
	lineStart := true
	for i, t := range p.toks {
		if lineStart && t.Kind == tokIdent {
			if t.Upper == "ON" {
				p.onStarts = append(p.onStarts, i)
			} else if t.Upper == "END" && i+1 < len(p.toks) && p.toks[i+1].isWord("ON") {
				p.endOn = append(p.endOn, i)
			}
		}
		lineStart = t.Kind == tokNewline || t.isOp(":")
	}
}

// onHasEnd reports whether the ON statement at token i is closed by an
// END ON before the next ON statement.
func (p *parser) onHasEnd(i int) bool {
	k, _ := slices.BinarySearch(p.endOn, i+1)
	if k == len(p.endOn) {
		return false
	}
	j, _ := slices.BinarySearch(p.onStarts, i+1)
	return j == len(p.onStarts) || p.onStarts[j] > p.endOn[k]
}
