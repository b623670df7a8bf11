package basic

import "fmt"

// Pos is a 1-based source position. Col counts Unicode code points.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// String formats the position as line:col.
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// tokKind classifies a token.
type tokKind int

const (
	tokEOF     tokKind = iota
	tokNewline         // end of a logical line
	tokIdent           // identifier or keyword (keywords are contextual)
	tokNumber          // numeric literal
	tokString          // double-quoted string literal (Text holds the decoded value)
	tokOp              // operator or punctuation (Text holds it)
	tokRaw             // one verbatim line inside a BEGIN…END or TABLE…END TABLE block
	tokIllegal         // a character the lexer does not understand
)

func (k tokKind) String() string {
	switch k {
	case tokEOF:
		return "end of file"
	case tokNewline:
		return "end of line"
	case tokIdent:
		return "identifier"
	case tokNumber:
		return "number"
	case tokString:
		return "string"
	case tokOp:
		return "operator"
	case tokRaw:
		return "text line"
	default:
		return "illegal character"
	}
}

// token is one lexical unit.
type token struct {
	Kind tokKind
	Text string // source text; for strings the decoded value
	Pos  Pos
	Off  int // byte offset of the token in the source
	End  int // byte offset just past the token
	// Upper is Text in upper case, for identifiers only.
	Upper string
}

// describe renders the token for "found …" in error messages.
func (t token) describe() string {
	switch t.Kind {
	case tokEOF, tokNewline:
		return t.Kind.String()
	case tokString:
		s := t.Text
		if len(s) > 30 {
			s = s[:27] + "..."
		}
		return fmt.Sprintf("string %q", s)
	case tokRaw:
		return "text line"
	case tokIllegal:
		return fmt.Sprintf("illegal character %q", t.Text)
	default:
		s := t.Text
		if len(s) > 30 {
			s = s[:27] + "..."
		}
		return fmt.Sprintf("%q", s)
	}
}

func (t token) isOp(op string) bool { return t.Kind == tokOp && t.Text == op }

func (t token) isWord(w string) bool { return t.Kind == tokIdent && t.Upper == w }

func (t token) atEOL() bool { return t.Kind == tokNewline || t.Kind == tokEOF }
