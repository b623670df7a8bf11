package basic

import (
	"strings"
	"unicode"
)

func upper(s string) string { return strings.ToUpper(s) }

// parseParam parses PARAM name [AS type] [LIKE example] [ENUM values]
// [DESCRIPTION "text"] [DEFAULT value] [OPTIONAL], clauses in any order.
func (p *parser) parseParam() Stmt {
	start := p.next().Pos
	name := p.tok()
	if name.Kind != tokIdent {
		p.expected("a parameter name after PARAM")
		p.sync()
		return &Bad{Pos: start}
	}
	p.next()
	s := &Param{Pos: start, Name: name.Text}
	if p.atOp(",") {
		// PARAM a, b, c: upstream takes the first word with its comma as
		// the name; the book writes it this way.
		p.errs.warnf(p.tok().Pos, "PARAM with several names: General Bots reads only the first, as %q; declare one PARAM a line", name.Text+",")
		p.sync()
		p.endStmt("PARAM " + s.Name)
		return s
	}
	seen := map[string]bool{}
	for !p.atEnd() {
		t := p.tok()
		if t.Kind != tokIdent {
			p.errs.errorf(t.Pos, "expected AS, LIKE, ENUM, DESCRIPTION, DEFAULT or OPTIONAL in PARAM %s, found %s", s.Name, t.describe())
			p.sync()
			return s
		}
		if seen[t.Upper] {
			p.errs.warnf(t.Pos, "PARAM %s has %s twice; the last one wins", s.Name, t.Upper)
		}
		seen[t.Upper] = true
		p.next()
		switch t.Upper {
		case "AS":
			if str := p.tok(); str.Kind == tokString && p.peek(1).isOp(",") {
				// AS "a", "b": a string parameter with these values (upstream
				// takes any unknown type as a string).
				s.Type = "STRING"
				s.Enum = p.parseStringList()
			} else if str.Kind == tokString {
				// AS "text": a description in the type's place.
				p.next()
				s.Type = "STRING"
				if s.Description == "" {
					s.Description = str.Text
				}
			} else {
				s.Type = p.typeName()
			}
		case "LIKE", "EXAMPLE":
			s.Like = p.parseExpr()
		case "ENUM":
			s.Enum = p.parseEnum()
		case "DESCRIPTION":
			d := p.tok()
			if d.Kind != tokString {
				p.expected("a string after DESCRIPTION in PARAM " + s.Name)
				p.parseExpr()
				continue
			}
			p.next()
			s.Description = d.Text
		case "DEFAULT":
			s.Default = p.parseExpr()
		case "OPTIONAL":
			s.Optional = true
		case "REQUIRED":
			s.Optional = false
		default:
			p.errs.errorf(t.Pos, "expected AS, LIKE, ENUM, DESCRIPTION, DEFAULT or OPTIONAL in PARAM %s, found %s", s.Name, t.describe())
			p.sync()
			return s
		}
	}
	p.endStmt("PARAM " + s.Name)
	return s
}

// parseEnum parses the values after ENUM: an array literal or a
// comma-separated list.
func (p *parser) parseEnum() []Expr {
	if p.atOp("[") {
		if a, ok := p.parseExpr().(*ArrayLit); ok {
			return a.Elems
		}
		return nil
	}
	vals := []Expr{p.parseConcat()}
	for p.acceptOp(",") {
		vals = append(vals, p.parseConcat())
	}
	return vals
}

// parseDescription parses DESCRIPTION "text" or DESCRIPTION text….
func (p *parser) parseDescription() Stmt {
	kw := p.next()
	s := &Description{Pos: kw.Pos}
	if t := p.tok(); t.Kind == tokString && p.peek(1).atEOL() {
		p.next()
		s.Text = t.Text
		p.endStmt("DESCRIPTION")
		return s
	}
	if p.atEnd() {
		p.expected("a description after DESCRIPTION")
		p.endStmt("DESCRIPTION")
		return s
	}
	// Unquoted text: take the rest of the line verbatim.
	first := p.tok()
	last := first
	for !p.tok().atEOL() {
		last = p.next()
	}
	s.Text = strings.TrimSpace(p.src[first.Off:last.End])
	p.endStmt("DESCRIPTION")
	return s
}

// hearAs parses the book's HEAR AS v and HEAR AS type v
// (write-first-dialog, keyword-face-api), with a warning: the runtime
// registers only HEAR v, HEAR v AS type and HEAR v AS options.
func (p *parser) hearAs(start Pos) *Hear {
	a, b, c := p.tok(), p.peek(1), p.peek(2)
	if !a.isWord("AS") || b.Kind != tokIdent {
		return nil
	}
	switch {
	case c.atEOL():
		p.errs.warnf(start, "HEAR AS %s is in General Bots' book but its runtime registers only HEAR v, HEAR v AS type and HEAR v AS options, so it would take AS as the variable; write HEAR %s", b.Text, b.Text)
		p.next()
		s := &Hear{Pos: start, Target: p.parsePostfix()}
		p.endStmt("HEAR")
		return s
	case c.Kind == tokIdent && p.peek(3).atEOL():
		p.errs.warnf(start, "HEAR AS %s %s is in General Bots' book but its runtime registers only HEAR v, HEAR v AS type and HEAR v AS options, so it would take AS as the variable; write HEAR %s AS %s", b.Text, c.Text, c.Text, b.Text)
		p.next()
		s := &Hear{Pos: start}
		s.Type = p.typeName()
		s.Target = p.parsePostfix()
		p.endStmt("HEAR")
		return s
	}
	return nil
}

// parseHear parses HEAR target [AS type | AS options] [WITH prompt]
// [DEFAULT value].
func (p *parser) parseHear() Stmt {
	start := p.next().Pos
	if p.atEnd() {
		p.expected("a variable after HEAR")
		p.sync()
		return &Bad{Pos: start}
	}
	if h := p.hearAs(start); h != nil {
		return h
	}
	s := &Hear{Pos: start, Target: p.parsePostfix()}
	for !p.atEnd() {
		t := p.tok()
		switch {
		case t.isWord("AS"):
			p.next()
			n := p.peek(1)
			if p.tok().Kind == tokIdent && (n.atEOL() || n.isWord("WITH") || n.isWord("DEFAULT") || n.isOp("(") || n.isOp(":")) {
				s.Type = p.typeName()
			} else if p.tok().Kind == tokIdent && isUpperWord(p.tok().Text) && n.Kind == tokString && p.peek(2).atEOL() {
				// HEAR v AS TYPE "prompt", the book's form (keywords-media).
				p.errs.warnf(t.Pos, "HEAR v AS %s \"prompt\" is in General Bots' book but its runtime registers HEAR v AS type with no prompt and would reject the line; TALK the prompt, then HEAR v AS %s", p.tok().Text, p.tok().Text)
				s.Type = p.typeName()
				s.Prompt = p.parseExpr()
			} else {
				s.Options = p.parseList()
			}
		case t.isWord("WITH"):
			p.next()
			s.Prompt = p.parseExpr()
		case t.isWord("DEFAULT"):
			p.next()
			s.Default = p.parseExpr()
		case t.isOp(","):
			p.next()
			s.Options = append(s.Options, p.parseList()...)
		default:
			p.errs.errorf(t.Pos, "expected AS, WITH or DEFAULT in HEAR, found %s", t.describe())
			p.sync()
			return s
		}
	}
	p.endStmt("HEAR")
	return s
}

// parseList parses expr {, expr}.
func (p *parser) parseList() []Expr {
	vals := []Expr{p.parseExpr()}
	for p.acceptOp(",") {
		vals = append(vals, p.parseExpr())
	}
	return vals
}

// parseTalk parses TALK args.
func (p *parser) parseTalk() Stmt {
	start := p.next().Pos
	s := &Talk{Pos: start, Args: []Expr{}}
	if !p.atEnd() {
		s.Args = p.parseArgs(nil)
	}
	p.endStmt("TALK")
	return s
}

// parseTextBlock parses BEGIN TALK|SYSTEM PROMPT|MAIL [args] … END ….
func (p *parser) parseTextBlock() Stmt {
	begin := p.next()
	kindTok := p.next()
	kind := kindTok.Upper
	if kind == "SYSTEM" && p.atWord("PROMPT") {
		p.next()
		kind = "SYSTEM PROMPT"
	}
	s := &TextBlock{Pos: begin.Pos, Kind: kind, Args: []Expr{}, Parts: []Part{}}
	if !p.atEnd() {
		s.Args = p.parseArgs(nil)
	}
	p.endStmt("BEGIN " + kind)
	var lines []string
	first := Pos{}
	for p.at(tokRaw) {
		t := p.next()
		if first.Line == 0 {
			first = t.Pos
		}
		lines = append(lines, t.Text)
	}
	s.Text = strings.Join(lines, "\n")
	if first.Line != 0 {
		s.Parts = p.interpolate(s.Text, first, false)
	}
	p.expectEnd(kindTok.Upper, "BEGIN "+kind, begin.Pos)
	return s
}

// parseTable parses TABLE name [ON connection] … END TABLE.
func (p *parser) parseTable() Stmt {
	start := p.next().Pos
	name := p.next()
	s := &Table{Pos: start, Name: name.Text, Columns: []Column{}}
	if p.acceptWord("ON") {
		s.Connection = p.parseExpr()
	}
	p.endStmt("TABLE " + name.Text)
	for p.at(tokRaw) {
		t := p.next()
		line := strings.TrimSpace(t.Text)
		name, _ := cutField(line)
		switch {
		case isTableConstraint(line):
			s.Constraints = append(s.Constraints, line)
		case len(s.Columns) > 0 && line != "" && !isIdentText(name) && !isCommentLine(line):
			// A continuation of the previous column's definition.
			c := &s.Columns[len(s.Columns)-1]
			c.Constraints = strings.TrimSpace(c.Constraints + " " + line)
		default:
			if c, ok := p.parseColumn(t); ok {
				s.Columns = append(s.Columns, c)
			}
		}
	}
	if len(s.Columns) == 0 && p.atWord("END") {
		p.errs.warnf(start, "TABLE %s has no columns", s.Name)
	}
	p.expectEnd("TABLE", "TABLE "+s.Name, start)
	return s
}

// isTableConstraint reports whether a TABLE line is a table-level
// constraint (UNIQUE(a, b), PRIMARY KEY (a), FOREIGN KEY …, CONSTRAINT …).
func isTableConstraint(line string) bool {
	u := strings.ToUpper(line)
	for _, kw := range []string{"UNIQUE", "PRIMARY KEY", "FOREIGN KEY", "CONSTRAINT", "CHECK", "INDEX"} {
		if rest, ok := strings.CutPrefix(u, kw); ok && (strings.HasPrefix(strings.TrimSpace(rest), "(") || kw == "CONSTRAINT" || kw == "FOREIGN KEY") {
			return true
		}
	}
	return false
}

// isCommentLine reports whether a verbatim line is a comment.
func isCommentLine(trimmed string) bool {
	return strings.HasPrefix(trimmed, "'") || strings.HasPrefix(trimmed, "//") ||
		strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, "--") ||
		len(trimmed) >= 4 && strings.EqualFold(trimmed[:4], "REM ") || strings.EqualFold(trimmed, "REM")
}

// parseColumn parses one column line `name TYPE[(args)] [constraints]`.
// Blank and comment lines yield ok == false.
func (p *parser) parseColumn(t token) (Column, bool) {
	line := t.Text
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || isCommentLine(trimmed) {
		return Column{}, false
	}
	indent := len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace))
	pos := Pos{Line: t.Pos.Line, Col: len([]rune(line[:indent])) + 1}
	trimmed = strings.TrimSuffix(trimmed, ",")
	name, rest := cutField(trimmed)
	if !isIdentText(name) {
		p.errs.errorf(pos, "expected a column name in TABLE, found %q", name)
		return Column{}, false
	}
	c := Column{Pos: pos, Name: name}
	if rest == "" {
		p.errs.errorf(pos, "column %s has no type: expected `%s TYPE`", name, name)
		return c, true
	}
	typ := rest
	end := strings.IndexFunc(rest, unicode.IsSpace)
	if open := strings.IndexByte(rest, '('); open >= 0 && (end < 0 || open < end) {
		closeIdx := strings.IndexByte(rest, ')')
		if closeIdx < open {
			p.errs.errorf(pos, "column %s: expected ) to close the type arguments", name)
			return c, true
		}
		for _, a := range strings.Split(rest[open+1:closeIdx], ",") {
			c.TypeArgs = append(c.TypeArgs, strings.TrimSpace(a))
		}
		typ, rest = rest[:open], strings.TrimSpace(rest[closeIdx+1:])
	} else {
		typ, rest = cutField(rest)
	}
	c.Type = strings.ToUpper(strings.TrimSpace(typ))
	c.Constraints = rest
	return c, true
}

// cutField splits s at its first run of white space.
func cutField(s string) (string, string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

func isIdentText(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// parseOn parses ON trigger… DO … END ON, ON trigger… … END ON (when an
// END ON follows before the next ON), or else a one-line ON command.
func (p *parser) parseOn() Stmt {
	at := p.i
	start := p.next().Pos
	var trigger []Expr
	if !p.atEnd() {
		trigger = p.parseArgs(nil)
	}
	hasDo := false
	if n := len(trigger); n > 0 {
		if w := wordName(trigger[n-1]); w == "DO" {
			trigger, hasDo = trigger[:n-1], true
		}
	}
	if !hasDo && !p.onHasEnd(at) {
		cmd := &Command{Pos: start, Known: true, Name: "ON", Args: nonNil(trigger)}
		p.endStmt("ON")
		return cmd
	}
	p.endStmt("ON … DO")
	s := &On{Pos: start, Trigger: nonNil(trigger)}
	s.Body, _ = p.parseBlock("ON", start)
	p.expectEnd("ON", "ON", start)
	return s
}

func nonNil(xs []Expr) []Expr {
	if xs == nil {
		return []Expr{}
	}
	return xs
}

// wordName returns the upper-case name of a bare word or identifier.
func wordName(x Expr) string {
	switch x := x.(type) {
	case *Word:
		return x.Name
	case *Ident:
		return upper(x.Name)
	}
	return ""
}

// parseStringList parses "a", "b", … (the values of PARAM x AS "a", "b").
func (p *parser) parseStringList() []Expr {
	var list []Expr
	for p.tok().Kind == tokString {
		t := p.next()
		list = append(list, &String{Pos: t.Pos, Value: t.Text})
		if !p.acceptOp(",") {
			break
		}
	}
	return list
}
