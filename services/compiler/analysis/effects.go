package analysis

import (
	"strings"

	"github.com/drivemon/drivemon/services/compiler/basic"
)

// Effects are the compile-time side effects a dialog declares. They must be
// reconciled when the file is recompiled or deleted.
type Effects struct {
	Schedules []Schedule `json:"schedules"`
	Webhooks  []Ref      `json:"webhooks"`
	KBs       []Ref      `json:"kbs"`
	Tools     []Ref      `json:"tools"`
	Websites  []Ref      `json:"websites"`
	Tables    []Table    `json:"tables"`
}

func (e *Effects) init() {
	e.Schedules, e.Webhooks, e.KBs, e.Tools, e.Websites, e.Tables =
		[]Schedule{}, []Ref{}, []Ref{}, []Ref{}, []Ref{}, []Table{}
}

// Ref is a reference to a named thing (a KB, a tool, a website, a webhook
// endpoint). Dynamic references (a variable instead of a literal) have an
// empty Name and Dynamic set.
type Ref struct {
	Keyword string `json:"keyword"` // the statement, e.g. "USE KB"
	Name    string `json:"name"`
	Dynamic bool   `json:"dynamic,omitempty"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
}

// Table is a TABLE definition.
type Table struct {
	Name        string        `json:"name"`
	Columns     []TableColumn `json:"columns"`
	Constraints []string      `json:"constraints,omitempty"`
	Line        int           `json:"line"`
	Col         int           `json:"col"`
}

// TableColumn is one column of a Table.
type TableColumn struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	TypeArgs    []string `json:"typeArgs,omitempty"`
	Constraints string   `json:"constraints,omitempty"`
}

// command records the effect of a keyword statement, if it has one.
func (a *analyzer) command(at basic.Pos, name string, args []basic.Expr) {
	switch name {
	case "SET SCHEDULE":
		a.schedule(at, args)
	case "WEBHOOK":
		a.effects.Webhooks = append(a.effects.Webhooks, ref(at, name, args))
	case "USE KB", "ADD KB":
		r := ref(at, name, args)
		a.effects.KBs = append(a.effects.KBs, r)
		if a.inv != nil && !r.Dynamic && r.Name != "" && !a.inv.HasKB(r.Name) {
			a.warnf(at, "%s %q: the bot has no knowledge base %q (no folder %s under .gbkb)", name, r.Name, r.Name, r.Name)
		}
	case "USE TOOL", "ADD TOOL":
		r := ref(at, name, args)
		a.effects.Tools = append(a.effects.Tools, r)
		if a.inv != nil && !r.Dynamic && r.Name != "" && !a.inv.HasTool(r.Name) {
			a.warnf(at, "%s %q: the bot has no tool %q (no %s.bas with PARAMs)", name, r.Name, r.Name, strings.TrimSuffix(r.Name, ".bas"))
		}
	case "USE WEBSITE", "ADD WEBSITE":
		a.effects.Websites = append(a.effects.Websites, ref(at, name, args))
	}
}

// ref builds a reference from the first argument of a statement.
func ref(at basic.Pos, keyword string, args []basic.Expr) Ref {
	r := Ref{Keyword: keyword, Line: at.Line, Col: at.Col}
	if len(args) == 0 {
		r.Dynamic = true
		return r
	}
	if s, ok := args[0].(*basic.String); ok && s.Parts == nil {
		r.Name = s.Value
		r.Line, r.Col = s.Line, s.Col
		return r
	}
	r.Dynamic = true
	return r
}

// table records a TABLE definition.
func (a *analyzer) table(t *basic.Table) {
	def := Table{Name: t.Name, Columns: []TableColumn{}, Constraints: t.Constraints, Line: t.Line, Col: t.Col}
	seen := map[string]basic.Pos{}
	for _, c := range t.Columns {
		key := strings.ToLower(c.Name)
		if first, dup := seen[key]; dup {
			a.errorf(c.Pos, "column %s of TABLE %s is already defined at %s", c.Name, t.Name, first)
			continue
		}
		seen[key] = c.Pos
		def.Columns = append(def.Columns, TableColumn{Name: c.Name, Type: c.Type, TypeArgs: c.TypeArgs, Constraints: c.Constraints})
	}
	for _, other := range a.effects.Tables {
		if strings.EqualFold(other.Name, t.Name) {
			a.errorf(t.Pos, "TABLE %s is already defined at %d:%d", t.Name, other.Line, other.Col)
			return
		}
	}
	a.effects.Tables = append(a.effects.Tables, def)
}
