package basic

import (
	_ "embed"
	"slices"
	"strings"
)

//go:embed keywords.tsv
var keywordTable string

// Form is one entry of the keyword table: a statement form of General Bots
// BASIC as upstream defines it.
type Form struct {
	// Tokens are the words, punctuation and holes ($expr$, $ident$,
	// $string$, $int$, $block$) of the form; a function is NAME ( $args$ ).
	Tokens []string
	// Source is the upstream file (or book chapter) that defines it.
	Source string
}

// Forms are the entries of the keyword table, in table order.
var Forms = parseForms(keywordTable)

// parseForms reads the table: one form a line, a tab, its source; lines
// starting with # are comments.
func parseForms(table string) []Form {
	var forms []Form
	for line := range strings.Lines(table) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		form, src, _ := strings.Cut(line, "\t")
		forms = append(forms, Form{Tokens: strings.Fields(form), Source: src})
	}
	return forms
}

// Phrase is the keyword that starts the form: its leading upper-case
// words, underscores read as spaces (SEND_SMS is SEND SMS).
func (f Form) Phrase() string {
	var words []string
	for _, t := range f.Tokens {
		if !isKeywordToken(t) {
			break
		}
		words = append(words, t)
	}
	return strings.ReplaceAll(strings.Join(words, " "), "_", " ")
}

// isKeywordToken reports whether a token of a form is a keyword word.
func isKeywordToken(t string) bool {
	if t == "" {
		return false
	}
	for _, r := range t {
		if !(r >= 'A' && r <= 'Z' || r == '_' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// IsFunction reports whether the form is a function of the runtime
// (NAME ( $args$ )) rather than a statement.
func (f Form) IsFunction() bool {
	return len(f.Tokens) > 1 && f.Tokens[1] == "(" && f.Tokens[len(f.Tokens)-1] == ")" && slices.Contains(f.Tokens, "$args$")
}

// structural are the first words of the forms the parser reads with a
// grammar of their own (blocks, declarations, TALK, HEAR): they are never
// a command name nor a keyword used as a value.
var structural = setOf(
	"IF", "ELSE", "ELSEIF", "END", "FOR", "NEXT", "WHILE", "WEND", "DO", "LOOP", "SELECT", "CASE",
	"SWITCH", "DEFAULT", "WITH", "SUB", "FUNCTION", "RETURN", "EXIT", "BEGIN", "TABLE", "ON", "PARAM",
	"DESCRIPTION", "TALK", "HEAR", "LET", "CONST", "GOTO", "TRY", "CATCH", "THROW", "BREAK", "CONTINUE",
)

func statementPhrases(forms []Form) map[string]bool {
	m := map[string]bool{}
	for _, f := range forms {
		ph := f.Phrase()
		first, _, _ := strings.Cut(ph, " ")
		if ph != "" && !f.IsFunction() && (!structural[first] || strings.Contains(ph, " ") && first == "HEAR") {
			m[ph] = true
		}
	}
	return m
}

func firstWords(forms []Form) map[string]bool {
	m := map[string]bool{}
	for _, f := range forms {
		if ph := f.Phrase(); ph != "" {
			first, _, _ := strings.Cut(ph, " ")
			m[first] = true
			m[strings.Fields(f.Tokens[0])[0]] = true
		}
	}
	return m
}

// knownStatements are the statement keywords of the runtime, the leading
// words of every form of the keyword table (keywords.tsv), matched longest
// first; an underscore spelling such as ADD_KB is the same as ADD KB.
var knownStatements = statementPhrases(Forms)

// bookOnly are the phrases only the book's code uses (forms PHRASE $book$
// of the table, found by cmd/keywords in botbook/src/), each with the
// chapter it comes from: they compile with a warning, since the runtime
// does not register them.
var bookOnly = func() map[string]string {
	m := map[string]string{}
	registered := map[string]bool{}
	for _, f := range Forms {
		if slices.Contains(f.Tokens, "$book$") {
			m[f.Phrase()] = f.Source
		} else {
			registered[f.Phrase()] = true
		}
	}
	for ph := range registered {
		delete(m, ph)
	}
	return m
}()

// statementStarts are the first words of the statement phrases.
var statementStarts = func() map[string]bool {
	m := map[string]bool{}
	for ph := range knownStatements {
		first, _, _ := strings.Cut(ph, " ")
		m[first] = true
	}
	return m
}()

// leadingWords are the words a statement may begin with: the first word of
// every form of the table (a statement, a block, a function of the
// runtime).
var leadingWords = firstWords(Forms)

// exprPhrases are multi-word keywords that produce a value and may appear
// anywhere in an expression, such as "Bearer " + GET BOT MEMORY("key") or
// INSTR(ERROR MESSAGE, "x"): a few by hand, and every form of the table
// made of two or more keywords and nothing else.
var exprPhrases = func() map[string]bool {
	m := setOf("GET BOT MEMORY", "GET USER MEMORY", "NEW OBJECT", "NEW ARRAY", "NEW MAP", "WEBSITE OF")
	for _, f := range Forms {
		first, _, _ := strings.Cut(f.Phrase(), " ")
		if len(f.Tokens) >= 2 && !structural[first] && !slices.ContainsFunc(f.Tokens, func(t string) bool { return !isKeywordToken(t) }) {
			m[f.Phrase()] = true
		}
	}
	return m
}()

// funcPhrases are the runtime's functions named with underscores, read
// with spaces (IS_NUMERIC is IS NUMERIC, as SEND_SMS is SEND SMS for a
// statement): the book writes IF IS NUMERIC(x) THEN. They are a call only
// when a bracket follows.
var funcPhrases = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range Forms {
		ph := f.Phrase()
		first, _, _ := strings.Cut(ph, " ")
		if f.IsFunction() && strings.Contains(ph, " ") && !structural[first] {
			m[ph] = true
		}
	}
	return m
}()

// connectorWords are the words that join the arguments of a command, such
// as AS in ADD SUGGESTION "x" AS "y".
var connectorWords = setOf(
	"AS", "AT", "BY", "DO", "FOR", "FROM", "IN", "INTO", "OF", "ON", "TO", "USING", "VIA", "WHERE", "WITH",
)

// operatorWords are identifiers that are operators or clause keywords, so
// they never start an argument.
var operatorWords = setOf("AND", "OR", "MOD", "IS", "XOR", "THEN", "ELSE", "STEP", "LIKE")

// notOperand are words that can never be an operand (a variable, a call):
// where an operand is expected, they mean it is missing.
var notOperand = setOf("THEN", "ELSE", "AND", "OR", "XOR", "MOD")

// exprKeywords are identifiers with a fixed meaning inside expressions.
var exprKeywords = setOf("TRUE", "FALSE", "NULL", "NOTHING", "NOT")

const maxPhraseWords = 4

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// isKnownStatement reports whether a single-word statement name is known.
func isKnownStatement(w string) bool {
	return knownStatements[w] || knownStatements[strings.ReplaceAll(w, "_", " ")]
}

// isUpperWord reports whether an identifier is written in capitals (it has
// a letter and no lower-case letter), the way keywords are written.
func isUpperWord(s string) bool {
	letter := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			return false
		case r >= 'A' && r <= 'Z':
			letter = true
		case r == '_' || r >= '0' && r <= '9':
		default:
			if r > 127 {
				return false
			}
		}
	}
	return letter
}
