package basic

import "context"

// NodeType is "Keyword" for a known command and "Generic" otherwise.
func (n *Command) NodeType() string {
	if n.Known {
		return "Keyword"
	}
	return "Generic"
}

// NodeType returns "File".
func (n *File) NodeType() string { return "File" }

// NodeType returns "Assign".
func (n *Assign) NodeType() string { return "Assign" }

// NodeType returns "ExprStmt".
func (n *ExprStmt) NodeType() string { return "ExprStmt" }

// NodeType returns "If".
func (n *If) NodeType() string { return "If" }

// NodeType returns "ElseIf".
func (n *ElseIf) NodeType() string { return "ElseIf" }

// NodeType returns "ForEach".
func (n *ForEach) NodeType() string { return "ForEach" }

// NodeType returns "For".
func (n *For) NodeType() string { return "For" }

// NodeType returns "While".
func (n *While) NodeType() string { return "While" }

// NodeType returns "DoLoop".
func (n *DoLoop) NodeType() string { return "DoLoop" }

// NodeType returns "Select".
func (n *Select) NodeType() string { return "Select" }

// NodeType returns "Switch".
func (n *Switch) NodeType() string { return "Switch" }

// NodeType returns "Case".
func (n *Case) NodeType() string { return "Case" }

// NodeType returns "With".
func (n *With) NodeType() string { return "With" }

// NodeType returns "Routine".
func (n *Routine) NodeType() string { return "Routine" }

// NodeType returns "RoutineParam".
func (n *RoutineParam) NodeType() string { return "RoutineParam" }

// NodeType returns "Return".
func (n *Return) NodeType() string { return "Return" }

// NodeType returns "Exit".
func (n *Exit) NodeType() string { return "Exit" }

// NodeType returns "Label".
func (n *Label) NodeType() string { return "Label" }

// NodeType returns "TextBlock".
func (n *TextBlock) NodeType() string { return "TextBlock" }

// NodeType returns "Table".
func (n *Table) NodeType() string { return "Table" }

// NodeType returns "Column".
func (n *Column) NodeType() string { return "Column" }

// NodeType returns "On".
func (n *On) NodeType() string { return "On" }

// NodeType returns "Param".
func (n *Param) NodeType() string { return "Param" }

// NodeType returns "Description".
func (n *Description) NodeType() string { return "Description" }

// NodeType returns "Hear".
func (n *Hear) NodeType() string { return "Hear" }

// NodeType returns "Talk".
func (n *Talk) NodeType() string { return "Talk" }

// NodeType returns "Bad".
func (n *Bad) NodeType() string { return "Bad" }

// NodeType returns "Ident".
func (n *Ident) NodeType() string { return "Ident" }

// NodeType returns "Word".
func (n *Word) NodeType() string { return "Word" }

// NodeType returns "Number".
func (n *Number) NodeType() string { return "Number" }

// NodeType returns "String".
func (n *String) NodeType() string { return "String" }

// NodeType returns "Bool".
func (n *Bool) NodeType() string { return "Bool" }

// NodeType returns "Null".
func (n *Null) NodeType() string { return "Null" }

// NodeType returns "Binary".
func (n *Binary) NodeType() string { return "Binary" }

// NodeType returns "Unary".
func (n *Unary) NodeType() string { return "Unary" }

// NodeType returns "Ternary".
func (n *Ternary) NodeType() string { return "Ternary" }

// NodeType returns "Call".
func (n *Call) NodeType() string { return "Call" }

// NodeType returns "Index".
func (n *Index) NodeType() string { return "Index" }

// NodeType returns "Member".
func (n *Member) NodeType() string { return "Member" }

// NodeType returns "MapLit".
func (n *MapLit) NodeType() string { return "MapLit" }

// NodeType returns "MapEntry".
func (n *MapEntry) NodeType() string { return "MapEntry" }

// NodeType returns "ArrayLit".
func (n *ArrayLit) NodeType() string { return "ArrayLit" }

// NodeType returns "CommandExpr".
func (n *CommandExpr) NodeType() string { return "CommandExpr" }

// NodeType returns "Range".
func (n *Range) NodeType() string { return "Range" }

// NodeType returns "BadExpr".
func (n *BadExpr) NodeType() string { return "BadExpr" }

// NodeType returns "Part".
func (n *Part) NodeType() string { return "Part" }

// NodeType returns "Interp".
func (n *Interp) NodeType() string { return "Interp" }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Command) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *File) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Assign) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *ExprStmt) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *If) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *ElseIf) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *ForEach) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *For) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *While) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *DoLoop) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Select) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Switch) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Case) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *With) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Routine) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *RoutineParam) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Return) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Exit) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Label) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *TextBlock) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Table) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Column) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *On) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Param) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Description) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Hear) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Talk) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Bad) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Ident) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Word) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Number) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *String) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Bool) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Null) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Binary) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Unary) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Ternary) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Call) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Index) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Member) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *MapLit) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *MapEntry) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *ArrayLit) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *CommandExpr) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Range) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *BadExpr) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Part) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }

// MarshalJSON encodes the node and its subtree with EncodeJSON.
func (n *Interp) MarshalJSON() ([]byte, error) { return EncodeJSON(context.Background(), n) }
