package basic

import "strings"

// Expression grammar, lowest precedence first:
//
//	expr     = coalesce [ "?" expr ":" expr ]
//	coalesce = or { "??" or }
//	or       = and { (OR | "||") and }
//	and      = not { (AND | "&&") not }
//	not      = (NOT | "!") not | compare
//	compare  = concat { ("=" | "==" | "<>" | "!=" | "<" | ">" | "<=" | ">=" | IS [NOT]) concat }
//	concat   = mul { ("&" | "+" | "-") mul }
//	mul      = unary { ("*" | "/" | "\" | "%" | MOD) unary }
//	unary    = ("-" | "+") unary | power
//	power    = postfix [ "^" unary ]
//	postfix  = primary { "(" args ")" | "[" expr "]" | "." name | "?." name }

// parseExpr parses a full expression.
func (p *parser) parseExpr() Expr {
	t := p.tok()
	if !p.enter(t.Pos) {
		p.sync()
		return &BadExpr{Pos: t.Pos}
	}
	defer p.leave()
	x := p.parseBinary(0)
	if q := p.tok(); q.isOp("?") {
		p.next()
		then := p.parseExpr()
		if !p.acceptOp(":") {
			p.expected(": in the conditional expression cond ? a : b")
			return &Ternary{Pos: q.Pos, Cond: x, Then: then, Else: &BadExpr{Pos: p.tok().Pos}}
		}
		return &Ternary{Pos: exprPos(x), Cond: x, Then: then, Else: p.parseExpr()}
	}
	return x
}

// binary precedence levels, lowest first.
const (
	levelCoalesce = iota
	levelOr
	levelAnd
	levelNot
	levelCompare
	levelConcat
	levelMul
)

// binaryOp returns the operator at the current token for a level, its
// canonical spelling and its width in tokens, or "" if there is none.
func (p *parser) binaryOp(level int) (string, int) {
	t := p.tok()
	switch level {
	case levelCoalesce:
		if t.isOp("??") {
			return "??", 1
		}
	case levelOr:
		if t.isWord("OR") || t.isOp("||") {
			return "OR", 1
		}
	case levelAnd:
		if t.isWord("AND") || t.isOp("&&") {
			return "AND", 1
		}
	case levelCompare:
		if t.Kind == tokOp && isComparison(t.Text) {
			return t.Text, 1
		}
		switch t.Upper {
		case "IS":
			if p.peek(1).isWord("NOT") {
				return "IS NOT", 2
			}
			return "IS", 1
		case "LIKE", "CONTAINS", "IN":
			return t.Upper, 1
		case "STARTS", "ENDS":
			if p.peek(1).isWord("WITH") {
				return t.Upper + " WITH", 2
			}
		}
	case levelConcat:
		if t.isOp("&") || t.isOp("+") || t.isOp("-") {
			return t.Text, 1
		}
	case levelMul:
		if t.isOp("*") || t.isOp("/") || t.isOp("\\") || t.isOp("%") {
			return t.Text, 1
		}
		if t.isWord("MOD") {
			return "MOD", 1
		}
	}
	return "", 0
}

func isComparison(op string) bool {
	switch op {
	case "=", "==", "<>", "!=", "<", ">", "<=", ">=":
		return true
	}
	return false
}

// parseBinary parses the left-associative operators from level up.
func (p *parser) parseBinary(level int) Expr {
	switch {
	case level == levelNot:
		return p.parseNot()
	case level > levelMul:
		return p.parseUnary()
	}
	x := p.parseBinary(level + 1)
	for {
		op, width := p.binaryOp(level)
		if op == "" {
			return x
		}
		p.i += width - 1
		p.next()
		if !p.grow(exprPos(x)) {
			return x
		}
		y := p.parseBinary(level + 1)
		x = &Binary{Pos: exprPos(x), Op: op, Left: x, Right: y}
	}
}

func (p *parser) parseConcat() Expr { return p.parseBinary(levelConcat) }

// parseNot parses NOT x, which binds looser than comparison.
func (p *parser) parseNot() Expr {
	t := p.tok()
	if t.isWord("NOT") || t.isOp("!") {
		if !p.enter(t.Pos) {
			p.sync()
			return &BadExpr{Pos: t.Pos}
		}
		defer p.leave()
		p.next()
		return &Unary{Pos: t.Pos, Op: "NOT", X: p.parseNot()}
	}
	return p.parseBinary(levelCompare)
}

// parseUnary parses prefix minus and plus, then power.
func (p *parser) parseUnary() Expr {
	t := p.tok()
	if t.isOp("-") || t.isOp("+") {
		if !p.enter(t.Pos) {
			p.sync()
			return &BadExpr{Pos: t.Pos}
		}
		defer p.leave()
		p.next()
		if !p.grow(t.Pos) {
			return &BadExpr{Pos: t.Pos}
		}
		return &Unary{Pos: t.Pos, Op: t.Text, X: p.parseUnary()}
	}
	x := p.parsePostfix()
	if op := p.tok(); op.isOp("^") {
		p.next()
		return &Binary{Pos: exprPos(x), Op: "^", Left: x, Right: p.parseUnary()}
	}
	return x
}

// parsePostfix parses a primary followed by calls, indexes and members.
func (p *parser) parsePostfix() Expr {
	x := p.parsePrimary()
	for {
		t := p.tok()
		if (t.isOp("(") || t.isOp("[") || t.isOp(".") || t.isOp("?.")) && !p.grow(t.Pos) {
			return x
		}
		switch {
		case t.isOp("("):
			p.next()
			args := p.parseDelimited(")", "argument")
			x = &Call{Pos: exprPos(x), Fn: x, Args: args}
		case t.isOp("[") && p.adjacent():
			p.next()
			saved := p.brackets
			p.brackets++
			idx := p.parseExpr()
			p.restoreBrackets(saved)
			if !p.acceptOp("]") {
				p.expected("] after the index")
			}
			x = &Index{Pos: exprPos(x), X: x, Index: idx}
		case t.isOp(".") || t.isOp("?."):
			n := p.peek(1)
			if n.Kind != tokIdent {
				p.next()
				p.expected("a member name after " + t.Text)
				return x
			}
			p.next()
			p.next()
			x = &Member{Pos: exprPos(x), X: x, Name: n.Text, Optional: t.Text == "?."}
		default:
			return x
		}
	}
}

// adjacent reports whether the current token touches the previous one.
func (p *parser) adjacent() bool {
	return p.i > 0 && p.toks[p.i-1].End == p.toks[p.i].Off
}

func (p *parser) restoreBrackets(saved int) {
	if p.brackets > 0 {
		p.brackets = saved
	}
}

// parseDelimited parses a comma-separated list after an opening bracket up
// to the closing one, newlines allowed; a trailing comma is accepted.
func (p *parser) parseDelimited(closer, what string) []Expr {
	saved := p.brackets
	p.brackets++
	list := []Expr{}
	for !p.atOp(closer) {
		if p.at(tokEOF) || p.brackets == 0 {
			break
		}
		list = append(list, p.parseExpr())
		if !p.acceptOp(",") {
			break
		}
	}
	p.restoreBrackets(saved)
	if !p.acceptOp(closer) {
		p.expected(", or " + closer + " in the " + what + " list")
		p.sync()
	}
	return list
}

// parsePrimary parses a literal, a name, a bracketed expression, a map or
// an array.
func (p *parser) parsePrimary() Expr {
	t := p.tok()
	if !p.grow(t.Pos) {
		return &BadExpr{Pos: t.Pos}
	}
	switch t.Kind {
	case tokNumber:
		p.next()
		return &Number{Pos: t.Pos, Value: t.Text}
	case tokString:
		p.next()
		s := &String{Pos: t.Pos, Value: t.Text}
		if strings.Contains(t.Text, "${") {
			s.Parts = p.interpolate(t.Text, Pos{t.Pos.Line, t.Pos.Col + 1}, true)
		}
		return s
	case tokIdent:
		return p.parseName()
	case tokOp:
		switch t.Text {
		case "(":
			p.next()
			saved := p.brackets
			p.brackets++
			x := p.parseExpr()
			p.restoreBrackets(saved)
			if !p.acceptOp(")") {
				p.expected(") to close the ( at " + t.Pos.String())
				p.sync()
			}
			return x
		case "#{", "{":
			return p.parseMap()
		case "[":
			p.next()
			return &ArrayLit{Pos: t.Pos, Elems: p.parseDelimited("]", "array")}
		case "$":
			if n := p.peek(1); n.isOp("{") && n.Off == t.End {
				p.next()
				p.next()
				saved := p.brackets
				p.brackets++
				x := p.parseExpr()
				p.restoreBrackets(saved)
				if !p.acceptOp("}") {
					p.expected("} to close the ${ at " + t.Pos.String())
					p.sync()
				}
				return &Interp{Pos: t.Pos, X: x}
			}
		case ".":
			if n := p.peek(1); n.Kind == tokIdent {
				p.next()
				p.next()
				return &Member{Pos: t.Pos, Name: n.Text}
			}
		}
	}
	p.expected("an expression")
	if !t.atEOL() && !t.isOp(")") && !t.isOp("]") && !t.isOp("}") && !t.isOp(",") {
		p.next()
	}
	return &BadExpr{Pos: t.Pos}
}

// parseName parses an identifier, a literal keyword, or a multi-word
// keyword used as a value (GET BOT MEMORY("k"), NEW OBJECT).
func (p *parser) parseName() Expr {
	t := p.tok()
	if notOperand[t.Upper] {
		// `IF x = THEN`: the operand is missing. A clause word (THEN,
		// ELSE) is left for its statement; an operator is skipped, so one
		// mistake is one diagnostic.
		p.expected("an expression")
		if t.Upper != "THEN" && t.Upper != "ELSE" {
			p.next()
		}
		return &BadExpr{Pos: t.Pos}
	}
	switch t.Upper {
	case "TRUE", "FALSE":
		p.next()
		return &Bool{Pos: t.Pos, Value: t.Upper == "TRUE"}
	case "NULL", "NOTHING":
		p.next()
		return &Null{Pos: t.Pos}
	}
	if phrase, n := p.matchWords(funcPhrases, true); n >= 2 {
		p.i += n
		p.next() // (
		return &CommandExpr{Pos: t.Pos, Name: phrase, Args: p.parseDelimited(")", "argument")}
	}
	if phrase, n := p.matchValuePhrase(); n >= 2 {
		p.i += n
		c := &CommandExpr{Pos: t.Pos, Name: phrase, Args: []Expr{}}
		switch {
		case p.atOp("("):
			p.next()
			c.Args = p.parseDelimited(")", "argument")
		case startsJuxtaposed(p.tok()):
			c.Args = []Expr{p.parseUnary()}
		}
		return c
	}
	if _, n := p.matchPhrase(knownStatements); n > 0 && startsJuxtaposed(p.peek(n)) {
		// A keyword used as a value inside an expression: (GET "k" OR "x"),
		// "k": GET SESSION "user", … — its arguments end at a comma.
		name, _ := p.commandName(knownStatements)
		p.warnBookOnly(t.Pos, name)
		return &CommandExpr{Pos: t.Pos, Name: name, Args: p.parseArgs(p.nestedStop)}
	}
	p.next()
	return &Ident{Pos: t.Pos, Name: t.Text}
}

// parseMap parses #{ key: value, … } or { key: value, … }.
func (p *parser) parseMap() Expr {
	open := p.next()
	m := &MapLit{Pos: open.Pos, Hash: open.Text == "#{", Entries: []MapEntry{}}
	saved := p.brackets
	p.brackets++
	for !p.atOp("}") && p.brackets > 0 {
		k := p.tok()
		if k.Kind != tokString && k.Kind != tokIdent && k.Kind != tokNumber {
			p.expected("a key (a name or a string) in the map literal")
			break
		}
		p.next()
		if !p.acceptOp(":") && !p.acceptOp("=") && !p.acceptOp("=>") {
			p.expected(": after the map key " + k.describe())
			break
		}
		m.Entries = append(m.Entries, MapEntry{Pos: k.Pos, Key: k.Text, Value: p.parseExpr()})
		if !p.acceptOp(",") {
			break
		}
	}
	ok := p.brackets > 0
	p.restoreBrackets(saved)
	if !ok || !p.acceptOp("}") {
		if ok {
			p.expected(", or } in the map literal opened at " + open.Pos.String())
		}
		p.sync()
	}
	return m
}

// exprPos is the position of an expression (its first token).
func exprPos(x Expr) Pos {
	if x == nil {
		return Pos{}
	}
	return x.Position()
}
