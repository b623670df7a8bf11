package analysis

import (
	"path"
	"strings"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/services/compiler/basic"
	"github.com/drivemon/drivemon/services/compiler/diag"
)

// Inventory is what a bot package contains, for checking references: the
// names of its tools (stems of .bas files with PARAMs) and of its knowledge
// bases (folders under <bot>.gbkb/). Names compare case-insensitively.
type Inventory struct {
	Tools []string `json:"tools"`
	KBs   []string `json:"kbs"`
}

// HasTool reports whether the bot has a tool of that name; a trailing .bas
// is ignored.
func (inv *Inventory) HasTool(name string) bool {
	return containsFold(inv.Tools, strings.TrimSuffix(strings.TrimSuffix(name, ".bas"), ".BAS"))
}

// HasKB reports whether the bot has a knowledge base of that name. A name
// ending in .gbkb names the package's whole knowledge-base folder, present
// when the bot has any knowledge base.
func (inv *Inventory) HasKB(name string) bool {
	if botpkg.FolderKind(name) == botpkg.KindKB {
		return len(inv.KBs) > 0
	}
	return containsFold(inv.KBs, name)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// Result is the outcome of compiling one dialog.
type Result struct {
	// Path is the path the file was compiled under.
	Path string `json:"path"`
	// AST is the parsed file (partial when there are errors).
	AST *basic.File `json:"ast"`
	// Diagnostics are the parse and analysis findings, sorted by position.
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
	// Tool is the tool the file defines, or nil if it has no PARAM.
	Tool *Tool `json:"tool"`
	// Effects are the side effects the file declares.
	Effects Effects `json:"effects"`
}

// HasErrors reports whether any diagnostic is an error.
func (r *Result) HasErrors() bool { return diag.HasErrors(r.Diagnostics) }

// Compile parses and analyses the dialog src found at filePath (a slash or
// OS path; its stem names the tool). inv describes the bot for reference
// warnings; nil disables them.
func Compile(filePath string, src []byte, inv *Inventory) Result {
	file, diags := basic.Parse(src)
	a := &analyzer{inv: inv, diags: diags}
	a.effects.init()
	a.collect(file)
	res := Result{
		Path:        filePath,
		AST:         file,
		Diagnostics: a.diags,
		Tool:        a.tool(ToolName(filePath)),
		Effects:     a.effects,
	}
	res.Diagnostics = append(res.Diagnostics, a.toolDiags...)
	diag.Sort(res.Diagnostics)
	return res
}

// ToolName is the name of the tool a dialog defines: its file stem.
func ToolName(filePath string) string {
	base := path.Base(strings.ReplaceAll(filePath, "\\", "/"))
	return strings.TrimSuffix(base, path.Ext(base))
}

// analyzer walks one AST.
type analyzer struct {
	inv       *Inventory
	diags     []diag.Diagnostic
	toolDiags []diag.Diagnostic
	params    []*basic.Param
	descs     []*basic.Description
	effects   Effects
}

func (a *analyzer) errorf(p basic.Pos, format string, args ...any) {
	a.diags = append(a.diags, diag.Errorf(p.Line, p.Col, format, args...))
}

func (a *analyzer) warnf(p basic.Pos, format string, args ...any) {
	a.diags = append(a.diags, diag.Warningf(p.Line, p.Col, format, args...))
}

// collect gathers PARAMs, DESCRIPTIONs and effects from the whole tree.
func (a *analyzer) collect(file *basic.File) {
	basic.Walk(file, func(n basic.Node) bool {
		switch n := n.(type) {
		case *basic.Param:
			a.params = append(a.params, n)
		case *basic.Description:
			a.descs = append(a.descs, n)
		case *basic.Command:
			a.command(n.Pos, n.Name, n.Args)
		case *basic.Table:
			a.table(n)
		}
		return true
	})
}
