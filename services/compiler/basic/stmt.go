package basic

import "strings"

// parseStmt parses one statement starting at the current token.
func (p *parser) parseStmt() Stmt {
	t := p.tok()
	p.startStmt(t.Pos)
	switch {
	case t.isOp("."):
		return p.parseAssign("")
	case t.Kind == tokRaw:
		p.errs.errorf(t.Pos, "unexpected text line outside a BEGIN … END block")
		p.next()
		return nil
	case t.Kind != tokIdent:
		p.errs.errorf(t.Pos, "expected a statement, found %s", t.describe())
		p.sync()
		return &Bad{Pos: t.Pos}
	}
	if p.isAssignment(p.i) {
		return p.parseAssign("")
	}
	if p.isLabel() {
		p.next()
		p.next() // :
		p.endStmt("the label")
		return &Label{Pos: t.Pos, Name: t.Text}
	}
	switch t.Upper {
	case "LET":
		p.next()
		return p.parseAssign("LET")
	case "SET":
		if p.isAssignment(p.i + 1) {
			p.next()
			return p.parseAssign("SET")
		}
	case "IF":
		return p.parseIf()
	case "FOR":
		return p.parseFor()
	case "WHILE":
		return p.parseWhile()
	case "DO":
		return p.parseDo()
	case "SELECT":
		if p.peek(1).isWord("CASE") {
			return p.parseSelect()
		}
	case "SWITCH":
		return p.parseSwitch()
	case "WITH":
		if s := p.parseWith(); s != nil {
			return s
		}
	case "SUB", "FUNCTION":
		if p.peek(1).Kind == tokIdent {
			return p.parseRoutine()
		}
	case "RETURN":
		return p.parseReturn()
	case "EXIT":
		return p.parseExit()
	case "BEGIN":
		if p.peek(1).Kind == tokIdent && rawBlockEnd([]token{t, p.peek(1)}) != "" {
			return p.parseTextBlock()
		}
	case "TABLE":
		if n := p.peek(1); n.Kind == tokIdent && (p.peek(2).atEOL() || p.peek(2).isWord("ON")) {
			return p.parseTable()
		}
	case "ON":
		return p.parseOn()
	case "TRY":
		if p.peek(1).atEOL() {
			return p.parseTry()
		}
	case "PARAM":
		return p.parseParam()
	case "DESCRIPTION":
		return p.parseDescription()
	case "HEAR":
		if _, n := p.matchPhrase(knownStatements); n > 1 {
			return p.parseCommand() // HEAR FROM MEET INTO v (the book's form)
		}
		return p.parseHear()
	case "TALK":
		return p.parseTalk()
	case "ELSE", "ELSEIF", "NEXT", "WEND", "LOOP", "CASE", "CATCH":
		if t.Upper == "NEXT" && p.peek(1).isWord("IN") {
			return p.parseCommand() // NEXT IN QUEUE
		}
		p.strayTerminator()
		return nil
	case "END":
		n := p.peek(1)
		if n.Kind == tokIdent && isBlockWord(n.Upper) {
			p.strayTerminator()
			return nil
		}
	}
	if n := p.peek(1); (n.isOp("(") || n.isOp(".") && n.Off == t.End) && !isKnownStatement(t.Upper) {
		// f(x) or obj.method(x): a call used as a statement.
		return p.parseExprStmt()
	}
	return p.parseCommand()
}

// isBlockWord reports whether END <w> is the terminator of a block the
// parser knows, so an unmatched one is an error rather than a command.
func isBlockWord(w string) bool {
	switch w {
	case "IF", "FOR", "WHILE", "SELECT", "SWITCH", "WITH", "SUB", "FUNCTION", "TABLE", "TALK", "SYSTEM", "MAIL", "ON", "TRY":
		return true
	}
	return false
}

// isAssignment reports whether the tokens from i form `lvalue =` or
// `lvalue op=`: an identifier (or a leading ".name") followed by members,
// indexes or calls, then an assignment operator.
func (p *parser) isAssignment(i int) bool {
	toks := p.toks
	if i >= len(toks) {
		return false
	}
	switch {
	case toks[i].Kind == tokIdent:
		i++
	case toks[i].isOp(".") && i+1 < len(toks) && toks[i+1].Kind == tokIdent:
		i += 2
	default:
		return false
	}
	for i < len(toks) {
		t := toks[i]
		switch {
		case (t.isOp(".") || t.isOp("?.")) && i+1 < len(toks) && toks[i+1].Kind == tokIdent:
			i += 2
		case t.isOp("[") || t.isOp("("):
			j, ok := matchBracket(toks, i)
			if !ok {
				return false
			}
			i = j + 1
		case t.Kind == tokOp:
			switch t.Text {
			case "=", "+=", "-=", "*=", "/=", "&=":
				return true
			}
			return false
		default:
			return false
		}
	}
	return false
}

// matchBracket returns the index of the bracket closing toks[i] on the same
// logical line.
func matchBracket(toks []token, i int) (int, bool) {
	depth := 0
	for j := i; j < len(toks); j++ {
		t := toks[j]
		switch {
		case t.Kind == tokEOF:
			return 0, false
		case t.isOp("(") || t.isOp("[") || t.isOp("{") || t.isOp("#{"):
			depth++
		case t.isOp(")") || t.isOp("]") || t.isOp("}"):
			depth--
			if depth == 0 {
				return j, true
			}
		case t.Kind == tokNewline && depth == 0:
			return 0, false
		}
	}
	return 0, false
}

// parseAssign parses `target op value`; keyword is "", "LET" or "SET".
func (p *parser) parseAssign(keyword string) Stmt {
	start := p.tok().Pos
	target := p.parsePostfix()
	op := p.tok()
	if op.Kind != tokOp || !isAssignOp(op.Text) {
		p.expected("= in assignment")
		p.sync()
		return &Bad{Pos: start}
	}
	p.next()
	if p.atEnd() {
		p.expected("a value after " + op.Text)
		p.sync()
		return &Bad{Pos: start}
	}
	value := p.parseValue()
	p.endStmt("the assignment")
	return &Assign{Pos: start, Keyword: keyword, Target: target, Op: op.Text, Value: value}
}

func isAssignOp(s string) bool {
	switch s {
	case "=", "+=", "-=", "*=", "/=", "&=":
		return true
	}
	return false
}

// parseExprStmt parses a call used as a statement, such as `f(x)`.
func (p *parser) parseExprStmt() Stmt {
	start := p.tok().Pos
	x := p.parseExpr()
	if !p.atEnd() {
		// `f(x) more args`: treat the line as a command instead.
		args := []Expr{x}
		args = append(args, p.parseArgs(nil)...)
		cmd := &Command{Pos: start, Name: identName(x), Args: args}
		p.endStmt(cmd.Name)
		return cmd
	}
	p.endStmt("the expression")
	return &ExprStmt{Pos: start, X: x}
}

// identName returns the called name of f(x), or "".
func identName(x Expr) string {
	if c, ok := x.(*Call); ok {
		if id, ok := c.Fn.(*Ident); ok {
			return id.Name
		}
	}
	return ""
}

// parseTry parses TRY … [CATCH [e] …] END TRY, the book's structured error
// handling, as a TRY command whose body ends with its CATCH command. The
// runtime registers no TRY (ON ERROR RESUME NEXT is what it runs), so it
// is a warning.
func (p *parser) parseTry() Stmt {
	start := p.next().Pos
	p.errs.warnf(start, "TRY … CATCH … END TRY is in General Bots' book but its runtime registers no TRY; ON ERROR RESUME NEXT with IF ERROR is the form it runs")
	p.endStmt("TRY")
	cmd := &Command{Pos: start, Known: true, Name: "TRY", Args: []Expr{}}
	cmd.Body, _ = p.parseBlock("TRY", start)
	if c := p.tok(); c.isWord("CATCH") {
		p.next()
		catch := &Command{Pos: c.Pos, Known: true, Name: "CATCH", Args: []Expr{}}
		if id := p.tok(); id.Kind == tokIdent {
			p.next()
			catch.Args = append(catch.Args, &Ident{Pos: id.Pos, Name: id.Text})
		}
		p.endStmt("CATCH")
		catch.Body, _ = p.parseBlock("TRY", start)
		cmd.Body = append(cmd.Body, catch)
	}
	p.expectEnd("TRY", "TRY", start)
	return cmd
}

// isLabel reports whether the current line is a label, `name:` alone on
// its line, as upstream's goto_transform.rs reads it: CASE:, DEFAULT: and
// ELSE: are not labels.
func (p *parser) isLabel() bool {
	t := p.tok()
	if p.inline || p.i > 0 && !p.toks[p.i-1].atEOL() || !p.peek(1).isOp(":") || !p.peek(2).atEOL() {
		return false
	}
	if t.Upper == "CASE" || t.Upper == "DEFAULT" || t.Upper == "ELSE" || strings.HasPrefix(t.Text, "$") {
		return false
	}
	return t.Text[0] == '_' || t.Text[0] >= 'A' && t.Text[0] <= 'Z' || t.Text[0] >= 'a' && t.Text[0] <= 'z' || t.Text[0] >= 0x80
}
