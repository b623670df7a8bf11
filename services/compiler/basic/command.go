package basic

import "strings"

// parseCommand parses a keyword statement `WORDS args`, known or not. A
// command whose arguments end in DO opens a block closed by END <first
// word>; one ending in WITH opens a block closed by END WITH.
func (p *parser) parseCommand() Stmt {
	start := p.tok().Pos
	name, known := p.commandName(knownStatements)
	if known {
		p.warnBookOnly(start, name)
	}
	cmd := &Command{Pos: start, Known: known, Name: name, Args: []Expr{}}
	if p.atOp("(") && p.adjacent() {
		// NAME(args) written like a call: USE_WEBSITE("url", "30d").
		if j, ok := matchBracket(p.toks, p.i); ok && p.toks[j+1].atEOL() {
			p.next()
			cmd.Args = p.parseDelimited(")", "argument")
		}
	}
	if !p.atEnd() {
		cmd.Args = append(cmd.Args, p.parseArgs(nil)...)
	}
	if n := len(cmd.Args); n > 0 && p.tok().atEOL() {
		end := ""
		switch wordName(cmd.Args[n-1]) {
		case "DO":
			end, _, _ = strings.Cut(name, " ")
		case "WITH":
			end = "WITH"
		}
		if end == "WITH" && !p.endWithFollows() {
			if m := p.withPairs(); m != nil {
				cmd.Args = append(cmd.Args, m)
				p.endStmt(name)
				return cmd
			}
		}
		if end != "" {
			cmd.Args = cmd.Args[:n-1]
			p.endStmt(name)
			cmd.Body, _ = p.parseBlock(end, start)
			p.expectEnd(end, name, start)
			return cmd
		}
	}
	p.endStmt(name)
	return cmd
}

// commandName consumes the name of a command and reports whether it is in
// the known table. A known phrase is matched longest first; otherwise the
// name is the first word plus the capitalised words that follow it the way
// keywords do (`CREATE INDEX idx ON t(c)` is named CREATE INDEX).
func (p *parser) commandName(known map[string]bool) (string, bool) {
	if phrase, n := p.matchPhrase(known); n > 0 {
		p.i += n
		return phrase, true
	}
	first := p.next()
	words := []string{first.Upper}
	for {
		t := p.tok()
		if t.Kind != tokIdent || !isUpperWord(t.Text) || operatorWords[t.Upper] || connectorWords[t.Upper] || exprKeywords[t.Upper] || !nameWordFollows(p.peek(1)) {
			break
		}
		words = append(words, t.Upper)
		p.next()
	}
	return strings.Join(words, " "), false
}

// matchPhrase finds the longest phrase of the table made of the identifiers
// at the current position; it returns the phrase and its length in tokens.
func (p *parser) matchPhrase(table map[string]bool) (string, int) {
	p.tok()
	var words []string
	for j := p.i; j < len(p.toks) && len(words) < maxPhraseWords; j++ {
		t := p.toks[j]
		if t.Kind != tokIdent {
			break
		}
		// A word after the first must read as a keyword, not as a value
		// (`SEND MAIL to, s, b` is SEND MAIL with the variable to).
		if n := p.toks[j+1]; len(words) > 0 && !nameWordFollows(n) && !n.isOp("(") {
			break
		}
		words = append(words, t.Upper)
	}
	for n := len(words); n > 0; n-- {
		phrase := strings.Join(words[:n], " ")
		if n == 1 {
			phrase = strings.ReplaceAll(phrase, "_", " ")
		}
		if table[phrase] {
			return phrase, n
		}
	}
	return "", 0
}

// matchValuePhrase finds the longest value keyword of two or more words
// (exprPhrases) at the current position; its words are taken whatever
// follows them, since a value may be followed by anything an operand may
// (INSTR(ERROR MESSAGE, "x")).
func (p *parser) matchValuePhrase() (string, int) {
	return p.matchWords(exprPhrases, false)
}

// matchWords finds the longest phrase of two or more words of table at the
// current position, followed by a bracket when call is set.
func (p *parser) matchWords(table map[string]bool, call bool) (string, int) {
	p.tok()
	var words []string
	for j := p.i; j < len(p.toks) && len(words) < maxPhraseWords && p.toks[j].Kind == tokIdent; j++ {
		words = append(words, p.toks[j].Upper)
	}
	for n := len(words); n >= 2; n-- {
		if phrase := strings.Join(words[:n], " "); table[phrase] && (!call || p.peek(n).isOp("(")) {
			return phrase, n
		}
	}
	return "", 0
}

// nameWordFollows reports whether a token may follow a keyword word: a
// value, a word, or the end of the statement, but not an operator, a call,
// a member access or a comma.
func nameWordFollows(n token) bool {
	switch n.Kind {
	case tokIdent, tokString, tokNumber, tokNewline, tokEOF:
		return true
	case tokOp:
		return n.Text == "#{" || n.Text == "{" || n.Text == ":"
	}
	return false
}

// parseArgs parses the arguments of a command: expressions separated by
// commas or simply juxtaposed, with connector words (AS, TO, WITH, …) kept
// as Word nodes. stop, if set, ends the list at a given token.
func (p *parser) parseArgs(stop func(token) bool) []Expr {
	args := []Expr{}
	for !p.atEnd() {
		t := p.tok()
		if stop != nil && stop(t) {
			break
		}
		if t.isOp(",") || t.isOp(";") {
			p.next()
			continue
		}
		if t.Kind == tokIdent && connectorWords[t.Upper] && p.startsExpr(p.peek(1)) {
			p.next()
			args = append(args, &Word{Pos: t.Pos, Name: t.Upper})
			continue
		}
		if !p.startsExpr(t) {
			p.errs.errorf(t.Pos, "expected an argument, found %s", t.describe())
			p.sync()
			break
		}
		args = append(args, p.parseExpr())
	}
	return args
}

// startsExpr reports whether t can begin an expression.
func (p *parser) startsExpr(t token) bool {
	switch t.Kind {
	case tokIdent:
		// STEP is a clause word of FOR and an ordinary name elsewhere.
		return !operatorWords[t.Upper] || t.Upper == "STEP"
	case tokNumber, tokString:
		return true
	case tokOp:
		switch t.Text {
		case "(", "[", "{", "#{", "-", "+", ".", "$":
			return true
		}
	}
	return false
}

// startsJuxtaposed reports whether t, right after an identifier, begins an
// argument of that identifier used as a command (`LLM "prompt"`, `GET url`).
func startsJuxtaposed(t token) bool {
	switch t.Kind {
	case tokIdent:
		return !operatorWords[t.Upper] && !connectorWords[t.Upper]
	case tokNumber, tokString:
		return true
	case tokOp:
		return t.Text == "#{" || t.Text == "{"
	}
	return false
}

// exprStop ends the arguments of a command used inside an expression at
// the clause keywords of the enclosing statement.
func exprStop(t token) bool {
	if t.Kind == tokOp {
		return t.Text == ")" || t.Text == "]" || t.Text == "}"
	}
	return t.isWord("THEN") || t.isWord("TO") || t.isWord("STEP") || t.isWord("DO") || t.isWord("ELSE")
}

// valueStop ends the arguments of a command used as the value of an
// assignment: at a closing bracket, or at THEN, ELSE or DO of an enclosing
// single-line statement. TO is a connector here (COMPRESS f TO "a.zip").
func valueStop(t token) bool {
	if t.Kind == tokOp {
		return t.Text == ")" || t.Text == "]" || t.Text == "}"
	}
	return t.isWord("THEN") || t.isWord("DO") || t.isWord("ELSE")
}

// nestedStop ends the arguments of a command used inside a larger
// expression; inside brackets (a map value, a call argument) a comma ends
// them too.
func (p *parser) nestedStop(t token) bool { return exprStop(t) || p.brackets > 0 && t.isOp(",") }

// parseValue parses the right-hand side of an assignment, where a keyword
// may be used as a value: `x = LLM "prompt"`, `rows = FIND "t", filter`.
func (p *parser) parseValue() Expr {
	t := p.tok()
	if t.Kind != tokIdent || exprKeywords[t.Upper] || operatorWords[t.Upper] {
		return p.parseExpr()
	}
	if _, n := p.matchValuePhrase(); n >= 2 {
		return p.parseExpr()
	}
	_, n := p.matchPhrase(knownStatements)
	// GENERATE FROM TEMPLATE t WITH d: a statement keyword, then a connector.
	connected := statementStarts[t.Upper] && connectorWords[p.peek(1).Upper] && p.startsExpr(p.peek(2))
	if startsJuxtaposed(p.peek(1)) || connected || n > 1 && (startsJuxtaposed(p.peek(n)) || p.peek(n).atEOL()) {
		name, _ := p.commandName(knownStatements)
		p.warnBookOnly(t.Pos, name)
		c := &CommandExpr{Pos: t.Pos, Name: name, Args: []Expr{}}
		if !p.atEnd() {
			c.Args = p.parseArgs(valueStop)
		}
		if n := len(c.Args); n > 0 && wordName(c.Args[n-1]) == "WITH" && p.at(tokNewline) {
			if m := p.withPairs(); m != nil {
				c.Args = append(c.Args, m)
			}
		}
		return c
	}
	return p.parseExpr()
}

// endWithFollows reports whether the logical line after the current one
// is END WITH: then a WITH at the end of the line opens a block.
func (p *parser) endWithFollows() bool {
	j := p.i + 1
	for j < len(p.toks) && !p.toks[j].atEOL() {
		j++
	}
	return j+2 < len(p.toks) && p.toks[j+1].isWord("END") && p.toks[j+2].isWord("WITH")
}

// withPairs parses the book's continuation form of WITH in a value,
// `r = POST url WITH` followed by a line of `name = value` pairs (a line
// ending in a comma continues on the next): the pairs as a map, or nil
// when the next line is not such a pair.
func (p *parser) withPairs() *MapLit {
	if n := p.peek(1); n.Kind != tokIdent || !p.peek(2).isOp("=") {
		return nil
	}
	p.next() // the newline after WITH
	m := &MapLit{Pos: p.tok().Pos, Entries: []MapEntry{}}
	for p.tok().Kind == tokIdent && p.peek(1).isOp("=") {
		k := p.next()
		p.next()
		m.Entries = append(m.Entries, MapEntry{Pos: k.Pos, Key: k.Text, Value: p.parseExpr()})
		if !p.acceptOp(",") {
			break
		}
	}
	return m
}

// warnBookOnly warns when a keyword phrase is one only the book's code
// uses (bookOnly).
func (p *parser) warnBookOnly(at Pos, name string) {
	if src, ok := bookOnly[name]; ok {
		p.errs.warnf(at, "%s is documented in the book (%s) but not registered by General Bots' runtime, whose compiler would reject the line", name, src)
	}
}
