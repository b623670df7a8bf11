package basic

// Walk calls fn for n and, while fn returns true, for every node below it,
// depth first in source order. Absent (nil) children are skipped.
func Walk(n Node, fn func(Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	exprs := func(xs ...Expr) {
		for _, x := range xs {
			Walk(x, fn)
		}
	}
	stmts := func(ss []Stmt) {
		for _, s := range ss {
			Walk(s, fn)
		}
	}
	parts := func(ps []Part) {
		for i := range ps {
			Walk(&ps[i], fn)
		}
	}
	switch n := n.(type) {
	case *File:
		stmts(n.Body)
	case *Assign:
		exprs(n.Target, n.Value)
	case *ExprStmt:
		exprs(n.X)
	case *If:
		exprs(n.Cond)
		stmts(n.Then)
		for i := range n.ElseIfs {
			Walk(&n.ElseIfs[i], fn)
		}
		stmts(n.Else)
	case *ElseIf:
		exprs(n.Cond)
		stmts(n.Body)
	case *ForEach:
		exprs(n.In)
		exprs(n.Options...)
		stmts(n.Body)
	case *For:
		exprs(n.From, n.To, n.Step)
		stmts(n.Body)
	case *While:
		exprs(n.Cond)
		stmts(n.Body)
	case *DoLoop:
		exprs(n.Cond)
		stmts(n.Body)
	case *Select:
		exprs(n.Subject)
		for i := range n.Cases {
			Walk(&n.Cases[i], fn)
		}
		stmts(n.Else)
	case *Switch:
		exprs(n.Subject)
		for i := range n.Cases {
			Walk(&n.Cases[i], fn)
		}
		stmts(n.Default)
	case *Case:
		exprs(n.Values...)
		stmts(n.Body)
	case *With:
		exprs(n.Object)
		stmts(n.Body)
	case *Routine:
		for i := range n.Params {
			Walk(&n.Params[i], fn)
		}
		stmts(n.Body)
	case *Return:
		exprs(n.Values...)
	case *TextBlock:
		exprs(n.Args...)
		parts(n.Parts)
	case *Table:
		exprs(n.Connection)
		for i := range n.Columns {
			Walk(&n.Columns[i], fn)
		}
	case *On:
		exprs(n.Trigger...)
		stmts(n.Body)
	case *Param:
		exprs(n.Like, n.Default)
		exprs(n.Enum...)
	case *Hear:
		exprs(n.Target, n.Prompt, n.Default)
		exprs(n.Options...)
	case *Talk:
		exprs(n.Args...)
	case *Command:
		exprs(n.Args...)
		stmts(n.Body)
	case *String:
		parts(n.Parts)
	case *Binary:
		exprs(n.Left, n.Right)
	case *Unary:
		exprs(n.X)
	case *Ternary:
		exprs(n.Cond, n.Then, n.Else)
	case *Call:
		exprs(n.Fn)
		exprs(n.Args...)
	case *Index:
		exprs(n.X, n.Index)
	case *Member:
		exprs(n.X)
	case *MapLit:
		for i := range n.Entries {
			Walk(&n.Entries[i], fn)
		}
	case *MapEntry:
		exprs(n.Value)
	case *ArrayLit:
		exprs(n.Elems...)
	case *CommandExpr:
		exprs(n.Args...)
	case *Range:
		exprs(n.From, n.To)
	case *Interp:
		exprs(n.X)
	case *Part:
		exprs(n.Expr)
	}
}
