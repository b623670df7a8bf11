package basic

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// EncodeJSON encodes n and everything below it as JSON in one pass over
// the tree into one buffer, so the work is linear in the size of the tree.
// Every node is an object whose first field is "type", then "line" and
// "col", then the node's own fields in declaration order (the names of
// their json tags; omitempty fields are left out when empty). Strings are
// escaped as encoding/json escapes them, so the bytes are those
// json.Marshal gives. ctx is checked every few thousand nodes: an encoding
// that outlives its caller stops with ctx's error.
func EncodeJSON(ctx context.Context, n Node) ([]byte, error) {
	e := &encoder{ctx: ctx, buf: make([]byte, 0, 4096)}
	e.node(n)
	if e.err != nil {
		return nil, fmt.Errorf("encoding the AST: %w", e.err)
	}
	return e.buf, nil
}

// ctxCheckEvery is how many nodes are encoded between two looks at the
// context.
const ctxCheckEvery = 4096

// encoder writes JSON into buf; after an error it writes nothing more.
type encoder struct {
	ctx   context.Context
	buf   []byte
	nodes int
	err   error
}

// open writes `{"type":typ,"line":…,"col":…` and counts the node.
func (e *encoder) open(typ string, p Pos) {
	e.nodes++
	if e.nodes%ctxCheckEvery == 0 && e.err == nil {
		e.err = e.ctx.Err()
	}
	e.buf = append(e.buf, `{"type":"`...)
	e.buf = append(e.buf, typ...)
	e.buf = append(e.buf, `","line":`...)
	e.buf = strconv.AppendInt(e.buf, int64(p.Line), 10)
	e.buf = append(e.buf, `,"col":`...)
	e.buf = strconv.AppendInt(e.buf, int64(p.Col), 10)
}

func (e *encoder) close() { e.buf = append(e.buf, '}') }

func (e *encoder) key(k string) {
	e.buf = append(e.buf, ',', '"')
	e.buf = append(e.buf, k...)
	e.buf = append(e.buf, '"', ':')
}

func (e *encoder) str(k, s string) {
	e.key(k)
	e.buf = appendString(e.buf, s)
}

func (e *encoder) strOmit(k, s string) {
	if s != "" {
		e.str(k, s)
	}
}

func (e *encoder) boolean(k string, b bool) {
	e.key(k)
	e.buf = strconv.AppendBool(e.buf, b)
}

func (e *encoder) boolOmit(k string, b bool) {
	if b {
		e.boolean(k, b)
	}
}

func (e *encoder) child(k string, n Node) {
	e.key(k)
	e.node(n)
}

// childOmit writes a child unless it is absent (a nil interface).
func (e *encoder) childOmit(k string, x Expr) {
	if x != nil {
		e.child(k, x)
	}
}

// list writes a JSON array of n elements (null for a nil slice).
func (e *encoder) list(k string, isNil bool, n int, elem func(int)) {
	e.key(k)
	if isNil {
		e.buf = append(e.buf, "null"...)
		return
	}
	e.buf = append(e.buf, '[')
	for i := range n {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		elem(i)
	}
	e.buf = append(e.buf, ']')
}

func (e *encoder) exprs(k string, xs []Expr) {
	e.list(k, xs == nil, len(xs), func(i int) { e.node(xs[i]) })
}

func (e *encoder) exprsOmit(k string, xs []Expr) {
	if len(xs) > 0 {
		e.exprs(k, xs)
	}
}

func (e *encoder) stmts(k string, ss []Stmt) {
	e.list(k, ss == nil, len(ss), func(i int) { e.node(ss[i]) })
}

func (e *encoder) stmtsOmit(k string, ss []Stmt) {
	if len(ss) > 0 {
		e.stmts(k, ss)
	}
}

func (e *encoder) parts(k string, ps []Part) {
	e.list(k, ps == nil, len(ps), func(i int) { e.node(&ps[i]) })
}

func (e *encoder) strings(k string, ss []string) {
	if len(ss) > 0 {
		e.list(k, false, len(ss), func(i int) { e.buf = appendString(e.buf, ss[i]) })
	}
}

// node writes one node and its subtree; nil (or a nil pointer) is null.
func (e *encoder) node(n Node) {
	if e.err != nil {
		return
	}
	if n == nil || reflect.ValueOf(n).IsNil() {
		e.buf = append(e.buf, "null"...)
		return
	}
	e.open(n.NodeType(), n.Position())
	if isStmtNode(n) {
		e.stmtFields(n)
	} else {
		e.exprFields(n)
	}
	e.close()
}

func isStmtNode(n Node) bool {
	switch n.(type) {
	case Stmt, *File, *ElseIf, *Case, *RoutineParam, *Column:
		return true
	}
	return false
}

// stmtFields writes the fields of the file and of statement nodes.
func (e *encoder) stmtFields(n Node) {
	switch n := n.(type) {
	case *File:
		e.stmts("body", n.Body)
	case *Assign:
		e.strOmit("keyword", n.Keyword)
		e.child("target", n.Target)
		e.str("op", n.Op)
		e.child("value", n.Value)
	case *ExprStmt:
		e.child("expr", n.X)
	case *If:
		e.child("cond", n.Cond)
		e.stmts("then", n.Then)
		if len(n.ElseIfs) > 0 {
			e.list("elseifs", false, len(n.ElseIfs), func(i int) { e.node(&n.ElseIfs[i]) })
		}
		e.stmtsOmit("else", n.Else)
		e.boolOmit("singleLine", n.SingleLine)
	case *ElseIf:
		e.child("cond", n.Cond)
		e.stmts("body", n.Body)
	case *ForEach:
		e.str("var", n.Var)
		e.child("in", n.In)
		e.exprsOmit("options", n.Options)
		e.stmts("body", n.Body)
	case *For:
		e.str("var", n.Var)
		e.child("from", n.From)
		e.child("to", n.To)
		e.childOmit("step", n.Step)
		e.stmts("body", n.Body)
	case *While:
		e.child("cond", n.Cond)
		e.stmts("body", n.Body)
	case *DoLoop:
		e.strOmit("kind", n.Kind)
		e.childOmit("cond", n.Cond)
		e.boolOmit("postTest", n.PostTest)
		e.stmts("body", n.Body)
	case *Select:
		e.child("subject", n.Subject)
		e.cases(n.Cases)
		e.stmtsOmit("else", n.Else)
	case *Switch:
		e.child("subject", n.Subject)
		e.cases(n.Cases)
		e.stmtsOmit("default", n.Default)
	case *Case:
		e.exprs("values", n.Values)
		e.stmts("body", n.Body)
	case *With:
		e.child("object", n.Object)
		e.stmts("body", n.Body)
	case *Routine:
		e.str("kind", n.Kind)
		e.str("name", n.Name)
		e.list("params", n.Params == nil, len(n.Params), func(i int) { e.node(&n.Params[i]) })
		e.strOmit("returns", n.Returns)
		e.stmts("body", n.Body)
	case *RoutineParam:
		e.str("name", n.Name)
		e.strOmit("as", n.Type)
	case *Return:
		e.exprs("values", n.Values)
	case *Exit:
		e.strOmit("what", n.What)
	case *Label:
		e.str("name", n.Name)
	case *TextBlock:
		e.str("kind", n.Kind)
		e.exprs("args", n.Args)
		e.str("text", n.Text)
		e.parts("parts", n.Parts)
	default:
		e.declFields(n)
	}
}

func (e *encoder) cases(cs []Case) {
	e.list("cases", cs == nil, len(cs), func(i int) { e.node(&cs[i]) })
}

// declFields writes the fields of declarations and commands.
func (e *encoder) declFields(n Node) {
	switch n := n.(type) {
	case *Table:
		e.str("name", n.Name)
		e.childOmit("connection", n.Connection)
		e.list("columns", n.Columns == nil, len(n.Columns), func(i int) { e.node(&n.Columns[i]) })
		e.strings("constraints", n.Constraints)
	case *Column:
		e.str("name", n.Name)
		e.str("dataType", n.Type)
		e.strings("typeArgs", n.TypeArgs)
		e.strOmit("constraints", n.Constraints)
	case *On:
		e.exprs("trigger", n.Trigger)
		e.stmts("body", n.Body)
	case *Param:
		e.str("name", n.Name)
		e.strOmit("as", n.Type)
		e.childOmit("like", n.Like)
		e.exprsOmit("enum", n.Enum)
		e.strOmit("description", n.Description)
		e.childOmit("default", n.Default)
		e.boolean("optional", n.Optional)
	case *Description:
		e.str("text", n.Text)
	case *Hear:
		e.child("target", n.Target)
		e.strOmit("as", n.Type)
		e.exprsOmit("options", n.Options)
		e.childOmit("prompt", n.Prompt)
		e.childOmit("default", n.Default)
	case *Talk:
		e.exprs("args", n.Args)
	case *Command:
		e.str("name", n.Name)
		e.exprs("args", n.Args)
		e.stmtsOmit("body", n.Body)
	case *Bad:
	}
}

// exprFields writes the fields of expression nodes.
func (e *encoder) exprFields(n Node) {
	switch n := n.(type) {
	case *Ident:
		e.str("name", n.Name)
	case *Word:
		e.str("name", n.Name)
	case *Number:
		e.str("value", n.Value)
	case *String:
		e.str("value", n.Value)
		if len(n.Parts) > 0 {
			e.parts("parts", n.Parts)
		}
	case *Bool:
		e.boolean("value", n.Value)
	case *Null, *BadExpr:
	case *Binary:
		e.str("op", n.Op)
		e.child("left", n.Left)
		e.child("right", n.Right)
	case *Unary:
		e.str("op", n.Op)
		e.child("x", n.X)
	case *Ternary:
		e.child("cond", n.Cond)
		e.child("then", n.Then)
		e.child("else", n.Else)
	case *Call:
		e.child("fn", n.Fn)
		e.exprs("args", n.Args)
	case *Index:
		e.child("x", n.X)
		e.child("index", n.Index)
	case *Member:
		e.child("x", n.X)
		e.str("name", n.Name)
		e.boolOmit("optional", n.Optional)
	default:
		e.compositeFields(n)
	}
}

// compositeFields writes the fields of literals and expression parts.
func (e *encoder) compositeFields(n Node) {
	switch n := n.(type) {
	case *MapLit:
		e.boolean("hash", n.Hash)
		e.list("entries", n.Entries == nil, len(n.Entries), func(i int) { e.node(&n.Entries[i]) })
	case *MapEntry:
		e.str("key", n.Key)
		e.child("value", n.Value)
	case *ArrayLit:
		e.exprs("elems", n.Elems)
	case *CommandExpr:
		e.str("name", n.Name)
		e.exprs("args", n.Args)
	case *Range:
		e.child("from", n.From)
		e.child("to", n.To)
	case *Interp:
		e.child("x", n.X)
	case *Part:
		e.strOmit("text", n.Text)
		e.childOmit("expr", n.Expr)
	}
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string escaped exactly as encoding/json
// escapes it (HTML-safe: <, >, & as \u00XX; U+2028, U+2029 escaped;
// invalid UTF-8 as \ufffd).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
