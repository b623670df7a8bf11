package basic

// Limits bound the work the parser does on one file, so that hostile or
// broken input yields a diagnostic instead of a hang or a stack overflow.
type Limits struct {
	// MaxFileSize is the largest source accepted, in bytes.
	MaxFileSize int
	// MaxTokens is the largest number of tokens lexed from one file.
	MaxTokens int
	// MaxDepth is the deepest nesting of blocks and expressions.
	MaxDepth int
	// MaxNodes is the most syntax nodes (statements, operands, operators)
	// built for one file.
	MaxNodes int
	// MaxStmtNodes is the most expression nodes in one statement. Nesting
	// does not bound a chain such as a+a+a…, whose tree is as deep as it
	// is long; this does, with the work and the JSON size of the tree.
	MaxStmtNodes int
	// MaxErrors stops reporting after this many errors.
	MaxErrors int
}

// DefaultLimits are the limits used by Parse: 1 MiB, 250 000 tokens,
// 64 levels of nesting, 250 000 nodes in a file, 16 384 expression nodes
// in a statement (a chain of at most about 8 000 operators, so the AST's
// JSON nests less than the 10 000 levels that decoders such as Go's
// encoding/json accept), 200 errors.
var DefaultLimits = Limits{
	MaxFileSize: 1 << 20, MaxTokens: 250_000, MaxDepth: 64,
	MaxNodes: 250_000, MaxStmtNodes: 16_384, MaxErrors: 200,
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if l.MaxTokens <= 0 {
		l.MaxTokens = DefaultLimits.MaxTokens
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultLimits.MaxNodes
	}
	if l.MaxStmtNodes <= 0 {
		l.MaxStmtNodes = DefaultLimits.MaxStmtNodes
	}
	if l.MaxErrors <= 0 {
		l.MaxErrors = DefaultLimits.MaxErrors
	}
	return l
}

// startStmt counts a statement node and starts counting the expression
// nodes of the statement that begins at at.
func (p *parser) startStmt(at Pos) {
	p.stmtStart, p.stmtNodes, p.stmtTooBig = at, 0, false
	p.count(at)
}

// grow counts one expression node made at at. It returns false once the
// statement or the file has too many; the rest of the line is then
// skipped, so the expression being parsed ends.
func (p *parser) grow(at Pos) bool {
	p.stmtNodes++
	if !p.count(at) {
		return false
	}
	if p.stmtNodes <= p.lim.MaxStmtNodes {
		return true
	}
	if !p.stmtTooBig {
		p.stmtTooBig = true
		p.errs.errorf(at, "the statement at %s is too large: more than %d operands and operators; split it into several statements (so large an expression nests too deeply to store and read back)", p.stmtStart, p.lim.MaxStmtNodes)
	}
	p.sync()
	return false
}

// count counts one node of the file; past MaxNodes it reports once and
// stops the parse.
func (p *parser) count(at Pos) bool {
	p.nodes++
	if p.nodes <= p.lim.MaxNodes {
		return true
	}
	if !p.errs.stopped {
		p.errs.errorf(at, "the file is too large: more than %d syntax nodes, the most the parser builds; the rest is not parsed", p.lim.MaxNodes)
		p.errs.stopped = true
	}
	p.sync()
	return false
}
