package basic

// Node is any AST node. Every node knows its source position.
type Node interface {
	// Position is where the node starts.
	Position() Pos
	// NodeType is the value of the node's "type" field in JSON.
	NodeType() string
}

// Stmt is a statement node.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Position returns p; embedding Pos gives every node its position.
func (p Pos) Position() Pos { return p }

// File is the root of a parsed script.
type File struct {
	Pos
	Body []Stmt `json:"body"`
}

// ---- statements ----

// Assign is `target = value`, `LET target = value` or `SET target = value`;
// Op is "=" or a compound operator such as "+=".
type Assign struct {
	Pos
	Keyword string `json:"keyword,omitempty"` // "", "LET" or "SET"
	Target  Expr   `json:"target"`
	Op      string `json:"op"`
	Value   Expr   `json:"value"`
}

// ExprStmt is an expression used as a statement, such as a call `f(x)`.
type ExprStmt struct {
	Pos
	X Expr `json:"expr"`
}

// If is IF…THEN…[ELSEIF…][ELSE…]END IF, or the single-line form
// `IF cond THEN stmt [ELSE stmt]`.
type If struct {
	Pos
	Cond       Expr     `json:"cond"`
	Then       []Stmt   `json:"then"`
	ElseIfs    []ElseIf `json:"elseifs,omitempty"`
	Else       []Stmt   `json:"else,omitempty"`
	SingleLine bool     `json:"singleLine,omitempty"`
}

// ElseIf is one ELSEIF (or ELSE IF) branch.
type ElseIf struct {
	Pos
	Cond Expr   `json:"cond"`
	Body []Stmt `json:"body"`
}

// ForEach is FOR EACH var IN expr … NEXT.
type ForEach struct {
	Pos
	Var string `json:"var"`
	In  Expr   `json:"in"`
	// Options are extra clauses after the collection (FOR m IN h LAST 10 DO).
	Options []Expr `json:"options,omitempty"`
	Body    []Stmt `json:"body"`
}

// For is FOR var = from TO to [STEP step] … NEXT [var].
type For struct {
	Pos
	Var  string `json:"var"`
	From Expr   `json:"from"`
	To   Expr   `json:"to"`
	Step Expr   `json:"step,omitempty"`
	Body []Stmt `json:"body"`
}

// While is WHILE cond … WEND.
type While struct {
	Pos
	Cond Expr   `json:"cond"`
	Body []Stmt `json:"body"`
}

// DoLoop is DO [WHILE|UNTIL cond] … LOOP [WHILE|UNTIL cond]. Kind is
// "WHILE", "UNTIL" or "" (an endless loop); PostTest tells whether the
// condition is on the LOOP line.
type DoLoop struct {
	Pos
	Kind     string `json:"kind,omitempty"`
	Cond     Expr   `json:"cond,omitempty"`
	PostTest bool   `json:"postTest,omitempty"`
	Body     []Stmt `json:"body"`
}

// Select is SELECT CASE subject … CASE … CASE ELSE … END SELECT.
type Select struct {
	Pos
	Subject Expr   `json:"subject"`
	Cases   []Case `json:"cases"`
	Else    []Stmt `json:"else,omitempty"`
}

// Switch is SWITCH subject … CASE … DEFAULT … END SWITCH.
type Switch struct {
	Pos
	Subject Expr   `json:"subject"`
	Cases   []Case `json:"cases"`
	Default []Stmt `json:"default,omitempty"`
}

// Case is one CASE branch with the values it matches.
type Case struct {
	Pos
	Values []Expr `json:"values"`
	Body   []Stmt `json:"body"`
}

// With is WITH object … END WITH; inside, `.field` refers to the object.
type With struct {
	Pos
	Object Expr   `json:"object"`
	Body   []Stmt `json:"body"`
}

// Routine is SUB name(params) … END SUB or FUNCTION name(params) … END
// FUNCTION. Kind is "SUB" or "FUNCTION".
type Routine struct {
	Pos
	Kind    string         `json:"kind"`
	Name    string         `json:"name"`
	Params  []RoutineParam `json:"params"`
	Returns string         `json:"returns,omitempty"`
	Body    []Stmt         `json:"body"`
}

// RoutineParam is one formal parameter of a SUB or FUNCTION.
type RoutineParam struct {
	Pos
	Name string `json:"name"`
	Type string `json:"as,omitempty"`
}

// Return is RETURN [values]. Values holds the returned expression, or the
// argument list of forms such as `RETURN WITH a AS b`.
type Return struct {
	Pos
	Values []Expr `json:"values"`
}

// Exit is EXIT [FOR|SUB|FUNCTION|DO|WHILE|SELECT].
type Exit struct {
	Pos
	What string `json:"what,omitempty"`
}

// Label is a line `name:` that GOTO and ON ERROR GOTO jump to (upstream's
// botbasic_compiler/src/goto_transform.rs: a name of letters, digits and
// underscores, starting with a letter or _, alone on its line).
type Label struct {
	Pos
	Name string `json:"name"`
}

// TextBlock is BEGIN TALK, BEGIN SYSTEM PROMPT or BEGIN MAIL … END: verbatim
// text in which ${expr} is interpolated. Kind is "TALK", "SYSTEM PROMPT" or
// "MAIL"; Args are the header arguments (the recipient of a MAIL).
type TextBlock struct {
	Pos
	Kind  string `json:"kind"`
	Args  []Expr `json:"args"`
	Text  string `json:"text"`
	Parts []Part `json:"parts"`
}

// Table is TABLE name [ON connection] … END TABLE.
type Table struct {
	Pos
	Name       string   `json:"name"`
	Connection Expr     `json:"connection,omitempty"`
	Columns    []Column `json:"columns"`
	// Constraints are table-level lines such as UNIQUE(a, b).
	Constraints []string `json:"constraints,omitempty"`
}

// Column is one column line of a TABLE: name, type, type arguments (such
// as the 255 of VARCHAR(255)) and the rest of the line (constraints).
type Column struct {
	Pos
	Name        string   `json:"name"`
	Type        string   `json:"dataType"`
	TypeArgs    []string `json:"typeArgs,omitempty"`
	Constraints string   `json:"constraints,omitempty"`
}

// On is an event handler block: ON trigger… DO … END ON, or
// ON trigger… … END ON. Trigger holds the words and arguments after ON.
type On struct {
	Pos
	Trigger []Expr `json:"trigger"`
	Body    []Stmt `json:"body"`
}

// Param declares a tool parameter:
// PARAM name [AS type] [LIKE example] [ENUM values] [DESCRIPTION "text"]
// [DEFAULT value] [OPTIONAL], clauses in any order.
type Param struct {
	Pos
	Name        string `json:"name"`
	Type        string `json:"as,omitempty"`
	Like        Expr   `json:"like,omitempty"`
	Enum        []Expr `json:"enum,omitempty"`
	Description string `json:"description,omitempty"`
	Default     Expr   `json:"default,omitempty"`
	Optional    bool   `json:"optional"`
}

// Description is the tool-level DESCRIPTION "text" (or DESCRIPTION text
// without quotes, taken verbatim to the end of the line).
type Description struct {
	Pos
	Text string `json:"text"`
}

// Hear is HEAR target [AS type | AS options…] [WITH prompt] [DEFAULT value].
type Hear struct {
	Pos
	Target  Expr   `json:"target"`
	Type    string `json:"as,omitempty"`
	Options []Expr `json:"options,omitempty"`
	Prompt  Expr   `json:"prompt,omitempty"`
	Default Expr   `json:"default,omitempty"`
}

// Talk is TALK args.
type Talk struct {
	Pos
	Args []Expr `json:"args"`
}

// Command is a keyword statement `WORDS args`. Known commands (SET BOT
// MEMORY, USE KB, SEND MAIL, …) have type "Keyword" in JSON, commands the
// parser does not know have type "Generic". Name is the canonical keyword
// (upper case, words separated by one space). A command ending in DO or
// WITH opens a block, held in Body.
type Command struct {
	Pos
	Known bool   `json:"-"`
	Name  string `json:"name"`
	Args  []Expr `json:"args"`
	Body  []Stmt `json:"body,omitempty"`
}

// Bad stands for a statement that could not be parsed; the error is in the
// diagnostics.
type Bad struct {
	Pos
}

// ---- expressions ----

// Ident is a variable or function name.
type Ident struct {
	Pos
	Name string `json:"name"`
}

// Word is a connector keyword inside a command's arguments, such as the AS
// of `ADD SUGGESTION "x" AS "y"` or the WITH of `SEND TEMPLATE t WITH d`.
type Word struct {
	Pos
	Name string `json:"name"`
}

// Number is a numeric literal, kept as written.
type Number struct {
	Pos
	Value string `json:"value"`
}

// String is a string literal. Parts is set when it contains ${…}.
type String struct {
	Pos
	Value string `json:"value"`
	Parts []Part `json:"parts,omitempty"`
}

// Bool is TRUE or FALSE.
type Bool struct {
	Pos
	Value bool `json:"value"`
}

// Null is NULL (also NOTHING).
type Null struct {
	Pos
}

// Binary is left op right. Op is upper case for word operators (AND, OR,
// MOD, IS, IS NOT) and as written otherwise.
type Binary struct {
	Pos
	Op    string `json:"op"`
	Left  Expr   `json:"left"`
	Right Expr   `json:"right"`
}

// Unary is op x (NOT, -, +).
type Unary struct {
	Pos
	Op string `json:"op"`
	X  Expr   `json:"x"`
}

// Ternary is cond ? then : else.
type Ternary struct {
	Pos
	Cond Expr `json:"cond"`
	Then Expr `json:"then"`
	Else Expr `json:"else"`
}

// Call is fn(args).
type Call struct {
	Pos
	Fn   Expr   `json:"fn"`
	Args []Expr `json:"args"`
}

// Index is x[index].
type Index struct {
	Pos
	X     Expr `json:"x"`
	Index Expr `json:"index"`
}

// Member is x.name or x?.name; X is nil for `.name` inside WITH.
type Member struct {
	Pos
	X        Expr   `json:"x"`
	Name     string `json:"name"`
	Optional bool   `json:"optional,omitempty"`
}

// MapLit is #{ key: value, … } (Hash) or a JSON-style { key: value, … }.
type MapLit struct {
	Pos
	Hash    bool       `json:"hash"`
	Entries []MapEntry `json:"entries"`
}

// MapEntry is one key: value pair of a map literal.
type MapEntry struct {
	Pos
	Key   string `json:"key"`
	Value Expr   `json:"value"`
}

// ArrayLit is [a, b, …].
type ArrayLit struct {
	Pos
	Elems []Expr `json:"elems"`
}

// CommandExpr is a keyword used as a value: `LLM "prompt"`,
// `GET BOT MEMORY("k")`, `FIND "file", filter`, `NEW OBJECT`.
type CommandExpr struct {
	Pos
	Name string `json:"name"`
	Args []Expr `json:"args"`
}

// Interp is ${expr} written outside a string.
type Interp struct {
	Pos
	X Expr `json:"x"`
}

// Range is `from TO to` in a CASE.
type Range struct {
	Pos
	From Expr `json:"from"`
	To   Expr `json:"to"`
}

// BadExpr stands for an expression that could not be parsed.
type BadExpr struct {
	Pos
}

// Part is a piece of interpolated text: literal Text, or an Expr from ${…}.
type Part struct {
	Pos
	Text string `json:"text,omitempty"`
	Expr Expr   `json:"expr,omitempty"`
}

func (*Assign) stmtNode()      {}
func (*ExprStmt) stmtNode()    {}
func (*If) stmtNode()          {}
func (*ForEach) stmtNode()     {}
func (*For) stmtNode()         {}
func (*While) stmtNode()       {}
func (*DoLoop) stmtNode()      {}
func (*Select) stmtNode()      {}
func (*Switch) stmtNode()      {}
func (*With) stmtNode()        {}
func (*Routine) stmtNode()     {}
func (*Return) stmtNode()      {}
func (*Exit) stmtNode()        {}
func (*Label) stmtNode()       {}
func (*TextBlock) stmtNode()   {}
func (*Table) stmtNode()       {}
func (*On) stmtNode()          {}
func (*Param) stmtNode()       {}
func (*Description) stmtNode() {}
func (*Hear) stmtNode()        {}
func (*Talk) stmtNode()        {}
func (*Command) stmtNode()     {}
func (*Bad) stmtNode()         {}

func (*Ident) exprNode()       {}
func (*Word) exprNode()        {}
func (*Number) exprNode()      {}
func (*String) exprNode()      {}
func (*Bool) exprNode()        {}
func (*Null) exprNode()        {}
func (*Binary) exprNode()      {}
func (*Unary) exprNode()       {}
func (*Ternary) exprNode()     {}
func (*Call) exprNode()        {}
func (*Index) exprNode()       {}
func (*Member) exprNode()      {}
func (*MapLit) exprNode()      {}
func (*ArrayLit) exprNode()    {}
func (*CommandExpr) exprNode() {}
func (*Range) exprNode()       {}
func (*Interp) exprNode()      {}
func (*BadExpr) exprNode()     {}
