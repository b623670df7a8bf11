package basic

import (
	"slices"
	"strings"
)

// parseIf parses block and single-line IF statements.
func (p *parser) parseIf() Stmt {
	start := p.next().Pos // IF
	cond := p.parseExpr()
	if p.atOp("{") && p.peek(1).atEOL() {
		return p.parseBraceIf(start, cond)
	}
	if !p.acceptWord("THEN") {
		p.expected("THEN after the IF condition")
		p.sync()
		body, _ := p.parseBlock("IF", start)
		s := &If{Pos: start, Cond: cond, Then: body}
		p.finishIf(s, start)
		return s
	}
	if !p.at(tokNewline) && !p.at(tokEOF) {
		return p.parseSingleLineIf(start, cond)
	}
	p.next()
	s := &If{Pos: start, Cond: cond}
	s.Then, _ = p.parseBlock("IF", start)
	p.finishIf(s, start)
	return s
}

// parseBraceIf parses the script-style form the runtime also accepts:
// IF cond { … } [ELSE { … }].
func (p *parser) parseBraceIf(start Pos, cond Expr) Stmt {
	s := &If{Pos: start, Cond: cond}
	body := func() []Stmt {
		p.next() // {
		p.endStmt("{")
		b, _ := p.parseBlock("{", start)
		if !p.acceptOp("}") {
			p.unclosed("IF … {", start, "}")
		}
		return b
	}
	s.Then = body()
	if p.atWord("ELSE") && p.peek(1).isOp("{") {
		p.next()
		s.Else = body()
	}
	p.endStmt("}")
	return s
}

// finishIf parses the ELSEIF/ELSE branches and END IF of a block IF.
func (p *parser) finishIf(s *If, start Pos) {
	for {
		t := p.tok()
		switch {
		case t.isWord("ELSEIF") || t.isWord("ELSE") && p.peek(1).isWord("IF"):
			p.next()
			if t.Upper == "ELSE" {
				p.next()
			}
			cond := p.parseExpr()
			if !p.acceptWord("THEN") {
				p.expected("THEN after the ELSEIF condition")
			}
			p.endStmt("ELSEIF … THEN")
			body, _ := p.parseBlock("IF", start)
			s.ElseIfs = append(s.ElseIfs, ElseIf{Pos: t.Pos, Cond: cond, Body: body})
		case t.isWord("ELSE"):
			p.next()
			p.endStmt("ELSE")
			body, _ := p.parseBlock("IF", start)
			if s.Else != nil {
				p.errs.errorf(t.Pos, "second ELSE in the IF at %s", start)
			}
			s.Else = body
		default:
			p.expectEnd("IF", "IF", start)
			return
		}
	}
}

// parseSingleLineIf parses `IF cond THEN stmt [ELSE stmt] [END IF]`.
func (p *parser) parseSingleLineIf(start Pos, cond Expr) Stmt {
	s := &If{Pos: start, Cond: cond, SingleLine: true}
	saved := p.inline
	p.inline = true
	if st := p.parseStmt(); st != nil {
		s.Then = []Stmt{st}
	}
	if p.acceptWord("ELSE") {
		s.Else = []Stmt{}
		if st := p.parseStmt(); st != nil {
			s.Else = []Stmt{st}
		}
	}
	p.inline = saved
	if s.Then == nil {
		s.Then = []Stmt{}
	}
	if p.atEndIf() { // IF c THEN x = 1 END IF, on one line
		p.next()
		p.next()
	}
	p.endStmt("the single-line IF")
	return s
}

// parseFor parses FOR EACH v IN x … NEXT and FOR v = a TO b [STEP s] … NEXT.
func (p *parser) parseFor() Stmt {
	start := p.next().Pos // FOR
	each := p.acceptWord("EACH")
	v := p.tok()
	if v.Kind != tokIdent {
		p.expected("a loop variable after FOR")
		p.sync()
		return &Bad{Pos: start}
	}
	p.next()
	var s Stmt
	switch {
	case each || p.atWord("IN"):
		if !p.acceptWord("IN") {
			p.expected("IN after FOR EACH " + v.Text)
			p.sync()
			return &Bad{Pos: start}
		}
		fe := &ForEach{Pos: start, Var: v.Text, In: p.parseExpr()}
		if !p.atEnd() {
			fe.Options = p.parseArgs(nil)
			if n := len(fe.Options); n > 0 && wordName(fe.Options[n-1]) == "DO" {
				fe.Options = fe.Options[:n-1]
			}
			if len(fe.Options) == 0 {
				fe.Options = nil
			}
		}
		p.endStmt("FOR EACH … IN …")
		fe.Body, _ = p.parseBlock("FOR", start)
		s = fe
	case p.acceptOp("="):
		f := &For{Pos: start, Var: v.Text, From: p.parseExpr()}
		if !p.acceptWord("TO") {
			p.expected("TO in FOR " + v.Text + " = … TO …")
			p.sync()
		} else {
			f.To = p.parseExpr()
			if p.acceptWord("STEP") {
				f.Step = p.parseExpr()
			}
			p.endStmt("FOR … TO …")
		}
		f.Body, _ = p.parseBlock("FOR", start)
		s = f
	default:
		p.expected("= or IN after FOR " + v.Text)
		p.sync()
		return &Bad{Pos: start}
	}
	p.finishFor(v.Text, start)
	return s
}

// finishFor consumes NEXT [var] or END FOR.
func (p *parser) finishFor(v string, start Pos) {
	switch {
	case p.atWord("NEXT"):
		p.next()
		if n := p.tok(); n.Kind == tokIdent {
			if n.Upper != upper(v) {
				p.errs.warnf(n.Pos, "NEXT %s does not match the loop variable %s of the FOR at %s", n.Text, v, start)
			}
			p.next()
		}
		p.endStmt("NEXT")
	case p.atWord("END") && p.peek(1).isWord("FOR"):
		p.next()
		p.next()
		p.endStmt("END FOR")
	default:
		p.unclosed("FOR", start, "NEXT")
	}
}

// parseWhile parses WHILE cond … WEND (or END WHILE).
func (p *parser) parseWhile() Stmt {
	start := p.next().Pos
	s := &While{Pos: start, Cond: p.parseExpr()}
	if t := p.tok(); t.isWord("DO") {
		p.errs.errorf(t.Pos, "WHILE … DO is not General Bots BASIC (it has WHILE … WEND and DO WHILE … LOOP); remove DO")
		p.next()
	}
	p.endStmt("the WHILE condition")
	s.Body, _ = p.parseBlock("WHILE", start)
	switch {
	case p.acceptWord("WEND"):
		p.endStmt("WEND")
	case p.atWord("END") && p.peek(1).isWord("WHILE"):
		p.next()
		p.next()
		p.endStmt("END WHILE")
	default:
		p.unclosed("WHILE", start, "WEND")
	}
	return s
}

// parseDo parses DO [WHILE|UNTIL cond] … LOOP [WHILE|UNTIL cond].
func (p *parser) parseDo() Stmt {
	start := p.next().Pos
	s := &DoLoop{Pos: start}
	if t := p.tok(); t.isWord("WHILE") || t.isWord("UNTIL") {
		p.next()
		s.Kind = t.Upper
		s.Cond = p.parseExpr()
	}
	p.endStmt("DO")
	s.Body, _ = p.parseBlock("DO", start)
	switch {
	case p.atWord("LOOP"):
		p.next()
		if t := p.tok(); t.isWord("WHILE") || t.isWord("UNTIL") {
			p.next()
			if s.Kind != "" {
				p.errs.errorf(t.Pos, "the DO at %s already has a %s condition", start, s.Kind)
			}
			s.Kind, s.PostTest = t.Upper, true
			s.Cond = p.parseExpr()
		}
		p.endStmt("LOOP")
	case p.atWord("END") && (p.peek(1).isWord("DO") || p.peek(1).isWord("LOOP")):
		p.next()
		p.next()
		p.endStmt("END DO")
	default:
		p.unclosed("DO", start, "LOOP")
	}
	return s
}

// parseSelect parses SELECT CASE x … END SELECT.
func (p *parser) parseSelect() Stmt {
	start := p.next().Pos // SELECT
	p.next()              // CASE
	s := &Select{Pos: start, Subject: p.parseExpr(), Cases: []Case{}}
	p.endStmt("SELECT CASE")
	s.Cases, s.Else = p.parseCases("SELECT", start)
	p.expectEnd("SELECT", "SELECT CASE", start)
	return s
}

// parseSwitch parses SWITCH x … CASE … DEFAULT … END SWITCH.
func (p *parser) parseSwitch() Stmt {
	start := p.next().Pos
	s := &Switch{Pos: start, Subject: p.parseExpr()}
	p.endStmt("SWITCH")
	s.Cases, s.Default = p.parseCases("SWITCH", start)
	p.expectEnd("SWITCH", "SWITCH", start)
	return s
}

// parseCases parses the CASE branches of a SELECT or SWITCH and returns
// them with the CASE ELSE / DEFAULT branch.
func (p *parser) parseCases(kind string, start Pos) ([]Case, []Stmt) {
	cases := []Case{}
	var deflt []Stmt
	// Statements before the first CASE are an error but still parsed.
	if pre, _ := p.parseBlock(kind, start); len(pre) > 0 {
		p.errs.errorf(pre[0].Position(), "statement before the first CASE of the %s at %s", kind, start)
	}
	for {
		t := p.tok()
		switch {
		case t.isWord("CASE") && p.peek(1).isWord("ELSE"), t.isWord("DEFAULT") && kind == "SWITCH":
			p.next()
			if t.Upper == "CASE" {
				p.next()
			}
			p.endStmt(t.Upper)
			if deflt != nil {
				p.errs.errorf(t.Pos, "second default branch in the %s at %s", kind, start)
			}
			deflt, _ = p.parseBlock(kind, start)
		case t.isWord("CASE"):
			p.next()
			c := Case{Pos: t.Pos, Values: p.parseCaseValues()}
			p.endStmt("CASE")
			c.Body, _ = p.parseBlock(kind, start)
			cases = append(cases, c)
		default:
			return cases, deflt
		}
	}
}

// parseCaseValues parses `a, b TO c, IS > d`.
func (p *parser) parseCaseValues() []Expr {
	vals := []Expr{}
	for {
		t := p.tok()
		var v Expr
		if t.isWord("IS") {
			p.next()
			op := p.tok()
			if op.Kind == tokOp && isComparison(op.Text) {
				p.next()
				v = &Binary{Pos: t.Pos, Op: op.Text, Left: &Ident{Pos: t.Pos, Name: "IS"}, Right: p.parseConcat()}
			} else {
				p.expected("a comparison operator after CASE IS")
				v = &BadExpr{Pos: t.Pos}
			}
		} else {
			v = p.parseExpr()
			if p.atWord("TO") {
				p.next()
				v = &Range{Pos: t.Pos, From: v, To: p.parseExpr()}
			}
		}
		vals = append(vals, v)
		if !p.acceptOp(",") {
			return vals
		}
	}
}

// parseWith parses WITH object … END WITH. A WITH line that is not a single
// expression (`WITH OPTIMIZE FOR "x"`) is a command; parseWith then returns
// nil without consuming anything.
func (p *parser) parseWith() Stmt {
	save, errs := p.i, len(p.errs.diags)
	start := p.next().Pos
	if p.atEnd() {
		p.i = save
		return nil
	}
	obj := p.parseExpr()
	if !p.tok().atEOL() || len(p.errs.diags) != errs {
		p.i, p.errs.diags = save, p.errs.diags[:errs]
		return nil
	}
	p.endStmt("WITH")
	s := &With{Pos: start, Object: obj}
	s.Body, _ = p.parseBlock("WITH", start)
	p.expectEnd("WITH", "WITH", start)
	return s
}

// parseRoutine parses SUB/FUNCTION name[(params)] [AS type] … END SUB/FUNCTION.
func (p *parser) parseRoutine() Stmt {
	kw := p.next()
	name := p.next()
	s := &Routine{Pos: kw.Pos, Kind: kw.Upper, Name: name.Text, Params: []RoutineParam{}}
	if p.bookRoutineHead(s) {
		// SUB SEND HELP MENU TO NUMBER$: the book's form, read.
	} else if p.atOp("(") {
		p.next()
		p.brackets++
		for !p.atOp(")") && !p.at(tokEOF) {
			for p.acceptWord("BYVAL") || p.acceptWord("BYREF") || p.acceptWord("OPTIONAL") {
			}
			t := p.tok()
			if t.Kind != tokIdent {
				p.expected("a parameter name")
				break
			}
			p.next()
			rp := RoutineParam{Pos: t.Pos, Name: t.Text}
			if p.acceptWord("AS") {
				rp.Type = p.typeName()
			}
			if p.acceptOp("=") {
				p.parseExpr() // default value: accepted, not kept
			}
			s.Params = append(s.Params, rp)
			if !p.acceptOp(",") {
				break
			}
		}
		p.brackets--
		if !p.acceptOp(")") {
			p.expected(") after the parameters of " + name.Text)
		}
	}
	if p.acceptWord("AS") {
		s.Returns = p.typeName()
	}
	p.endStmt(kw.Upper + " " + name.Text)
	s.Body, _ = p.parseBlock(kw.Upper, kw.Pos)
	p.expectEnd(kw.Upper, kw.Upper+" "+name.Text, kw.Pos)
	return s
}

// bookRoutineHead reads the rest of the book's SUB and FUNCTION heads
// (whatsapp-examples, whatsapp-webhooks): a name of several words and
// parameters without brackets, SUB SEND HELP MENU TO NUMBER$ or FUNCTION
// GET TEXT$ KEY$, LANG$ — the last word before the commas and those after
// them are the parameters. The runtime reads only SUB name(params), so it
// warns.
func (p *parser) bookRoutineHead(s *Routine) bool {
	j := p.i
	var words []token
	for ; p.toks[j].Kind == tokIdent; j++ {
		words = append(words, p.toks[j])
		if p.toks[j+1].isOp(",") && p.toks[j+2].Kind == tokIdent {
			j++
		}
	}
	if len(words) == 0 || !p.toks[j].atEOL() || words[0].isWord("AS") {
		return false
	}
	first := len(words) - 1 // the first parameter: the last word before a comma
	for k := p.i; k < j; k++ {
		if p.toks[k].isOp(",") {
			first = slices.IndexFunc(words, func(t token) bool { return t.Pos == p.toks[k-1].Pos })
			break
		}
	}
	name := []string{s.Name}
	for _, w := range words[:first] {
		name = append(name, w.Text)
	}
	s.Name = strings.Join(name, " ")
	for _, w := range words[first:] {
		s.Params = append(s.Params, RoutineParam{Pos: w.Pos, Name: w.Text})
	}
	p.errs.warnf(s.Pos, "%s %s: a name of several words or parameters without brackets, as in General Bots' book; its runtime reads only %s name(params) and would reject the line", s.Kind, s.Name, s.Kind)
	p.i = j
	return true
}

// typeName reads a type name such as STRING or STRING(255).
func (p *parser) typeName() string {
	t := p.tok()
	if t.Kind != tokIdent {
		p.expected("a type name")
		return ""
	}
	p.next()
	if p.atOp("(") {
		if j, ok := matchBracket(p.toks, p.i); ok {
			p.i = j + 1
		}
	}
	return t.Upper
}

// parseReturn parses RETURN [values].
func (p *parser) parseReturn() Stmt {
	start := p.next().Pos
	s := &Return{Pos: start, Values: []Expr{}}
	if !p.atEnd() {
		s.Values = p.parseArgs(nil)
	}
	p.endStmt("RETURN")
	return s
}

// parseExit parses EXIT [FOR|SUB|FUNCTION|DO|WHILE|SELECT].
func (p *parser) parseExit() Stmt {
	start := p.next().Pos
	s := &Exit{Pos: start}
	if t := p.tok(); t.Kind == tokIdent {
		s.What = t.Upper
		p.next()
	}
	p.endStmt("EXIT")
	return s
}
