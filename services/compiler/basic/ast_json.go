package basic

import (
	"encoding/json"
	"fmt"
)

// marshalNode encodes v (a node's fields) as a JSON object whose first
// field is "type": typ, so every node serialises as {"type":…,"line":…,…}.
func marshalNode(typ string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s node: %w", typ, err)
	}
	out := make([]byte, 0, len(b)+len(typ)+12)
	out = append(out, `{"type":"`...)
	out = append(out, typ...)
	out = append(out, '"')
	if len(b) > 2 {
		out = append(out, ',')
		out = append(out, b[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

// NodeType is "Keyword" for a known command and "Generic" otherwise.
func (n *Command) NodeType() string {
	if n.Known {
		return "Keyword"
	}
	return "Generic"
}

// MarshalJSON encodes the node with its "type" first.
func (n *Command) MarshalJSON() ([]byte, error) {
	type plain Command
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "File".
func (n *File) NodeType() string { return "File" }

// MarshalJSON encodes the node with its "type" first.
func (n *File) MarshalJSON() ([]byte, error) {
	type plain File
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Assign".
func (n *Assign) NodeType() string { return "Assign" }

// MarshalJSON encodes the node with its "type" first.
func (n *Assign) MarshalJSON() ([]byte, error) {
	type plain Assign
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "ExprStmt".
func (n *ExprStmt) NodeType() string { return "ExprStmt" }

// MarshalJSON encodes the node with its "type" first.
func (n *ExprStmt) MarshalJSON() ([]byte, error) {
	type plain ExprStmt
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "If".
func (n *If) NodeType() string { return "If" }

// MarshalJSON encodes the node with its "type" first.
func (n *If) MarshalJSON() ([]byte, error) {
	type plain If
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "ElseIf".
func (n *ElseIf) NodeType() string { return "ElseIf" }

// MarshalJSON encodes the node with its "type" first.
func (n *ElseIf) MarshalJSON() ([]byte, error) {
	type plain ElseIf
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "ForEach".
func (n *ForEach) NodeType() string { return "ForEach" }

// MarshalJSON encodes the node with its "type" first.
func (n *ForEach) MarshalJSON() ([]byte, error) {
	type plain ForEach
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "For".
func (n *For) NodeType() string { return "For" }

// MarshalJSON encodes the node with its "type" first.
func (n *For) MarshalJSON() ([]byte, error) {
	type plain For
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "While".
func (n *While) NodeType() string { return "While" }

// MarshalJSON encodes the node with its "type" first.
func (n *While) MarshalJSON() ([]byte, error) {
	type plain While
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "DoLoop".
func (n *DoLoop) NodeType() string { return "DoLoop" }

// MarshalJSON encodes the node with its "type" first.
func (n *DoLoop) MarshalJSON() ([]byte, error) {
	type plain DoLoop
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Select".
func (n *Select) NodeType() string { return "Select" }

// MarshalJSON encodes the node with its "type" first.
func (n *Select) MarshalJSON() ([]byte, error) {
	type plain Select
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Switch".
func (n *Switch) NodeType() string { return "Switch" }

// MarshalJSON encodes the node with its "type" first.
func (n *Switch) MarshalJSON() ([]byte, error) {
	type plain Switch
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Case".
func (n *Case) NodeType() string { return "Case" }

// MarshalJSON encodes the node with its "type" first.
func (n *Case) MarshalJSON() ([]byte, error) {
	type plain Case
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "With".
func (n *With) NodeType() string { return "With" }

// MarshalJSON encodes the node with its "type" first.
func (n *With) MarshalJSON() ([]byte, error) {
	type plain With
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Routine".
func (n *Routine) NodeType() string { return "Routine" }

// MarshalJSON encodes the node with its "type" first.
func (n *Routine) MarshalJSON() ([]byte, error) {
	type plain Routine
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "RoutineParam".
func (n *RoutineParam) NodeType() string { return "RoutineParam" }

// MarshalJSON encodes the node with its "type" first.
func (n *RoutineParam) MarshalJSON() ([]byte, error) {
	type plain RoutineParam
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Return".
func (n *Return) NodeType() string { return "Return" }

// MarshalJSON encodes the node with its "type" first.
func (n *Return) MarshalJSON() ([]byte, error) {
	type plain Return
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Exit".
func (n *Exit) NodeType() string { return "Exit" }

// MarshalJSON encodes the node with its "type" first.
func (n *Exit) MarshalJSON() ([]byte, error) {
	type plain Exit
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "TextBlock".
func (n *TextBlock) NodeType() string { return "TextBlock" }

// MarshalJSON encodes the node with its "type" first.
func (n *TextBlock) MarshalJSON() ([]byte, error) {
	type plain TextBlock
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Table".
func (n *Table) NodeType() string { return "Table" }

// MarshalJSON encodes the node with its "type" first.
func (n *Table) MarshalJSON() ([]byte, error) {
	type plain Table
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Column".
func (n *Column) NodeType() string { return "Column" }

// MarshalJSON encodes the node with its "type" first.
func (n *Column) MarshalJSON() ([]byte, error) {
	type plain Column
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "On".
func (n *On) NodeType() string { return "On" }

// MarshalJSON encodes the node with its "type" first.
func (n *On) MarshalJSON() ([]byte, error) {
	type plain On
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Param".
func (n *Param) NodeType() string { return "Param" }

// MarshalJSON encodes the node with its "type" first.
func (n *Param) MarshalJSON() ([]byte, error) {
	type plain Param
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Description".
func (n *Description) NodeType() string { return "Description" }

// MarshalJSON encodes the node with its "type" first.
func (n *Description) MarshalJSON() ([]byte, error) {
	type plain Description
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Hear".
func (n *Hear) NodeType() string { return "Hear" }

// MarshalJSON encodes the node with its "type" first.
func (n *Hear) MarshalJSON() ([]byte, error) {
	type plain Hear
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Talk".
func (n *Talk) NodeType() string { return "Talk" }

// MarshalJSON encodes the node with its "type" first.
func (n *Talk) MarshalJSON() ([]byte, error) {
	type plain Talk
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Bad".
func (n *Bad) NodeType() string { return "Bad" }

// MarshalJSON encodes the node with its "type" first.
func (n *Bad) MarshalJSON() ([]byte, error) {
	type plain Bad
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Ident".
func (n *Ident) NodeType() string { return "Ident" }

// MarshalJSON encodes the node with its "type" first.
func (n *Ident) MarshalJSON() ([]byte, error) {
	type plain Ident
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Word".
func (n *Word) NodeType() string { return "Word" }

// MarshalJSON encodes the node with its "type" first.
func (n *Word) MarshalJSON() ([]byte, error) {
	type plain Word
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Number".
func (n *Number) NodeType() string { return "Number" }

// MarshalJSON encodes the node with its "type" first.
func (n *Number) MarshalJSON() ([]byte, error) {
	type plain Number
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "String".
func (n *String) NodeType() string { return "String" }

// MarshalJSON encodes the node with its "type" first.
func (n *String) MarshalJSON() ([]byte, error) {
	type plain String
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Bool".
func (n *Bool) NodeType() string { return "Bool" }

// MarshalJSON encodes the node with its "type" first.
func (n *Bool) MarshalJSON() ([]byte, error) {
	type plain Bool
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Null".
func (n *Null) NodeType() string { return "Null" }

// MarshalJSON encodes the node with its "type" first.
func (n *Null) MarshalJSON() ([]byte, error) {
	type plain Null
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Binary".
func (n *Binary) NodeType() string { return "Binary" }

// MarshalJSON encodes the node with its "type" first.
func (n *Binary) MarshalJSON() ([]byte, error) {
	type plain Binary
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Unary".
func (n *Unary) NodeType() string { return "Unary" }

// MarshalJSON encodes the node with its "type" first.
func (n *Unary) MarshalJSON() ([]byte, error) {
	type plain Unary
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Ternary".
func (n *Ternary) NodeType() string { return "Ternary" }

// MarshalJSON encodes the node with its "type" first.
func (n *Ternary) MarshalJSON() ([]byte, error) {
	type plain Ternary
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Call".
func (n *Call) NodeType() string { return "Call" }

// MarshalJSON encodes the node with its "type" first.
func (n *Call) MarshalJSON() ([]byte, error) {
	type plain Call
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Index".
func (n *Index) NodeType() string { return "Index" }

// MarshalJSON encodes the node with its "type" first.
func (n *Index) MarshalJSON() ([]byte, error) {
	type plain Index
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Member".
func (n *Member) NodeType() string { return "Member" }

// MarshalJSON encodes the node with its "type" first.
func (n *Member) MarshalJSON() ([]byte, error) {
	type plain Member
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "MapLit".
func (n *MapLit) NodeType() string { return "MapLit" }

// MarshalJSON encodes the node with its "type" first.
func (n *MapLit) MarshalJSON() ([]byte, error) {
	type plain MapLit
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "MapEntry".
func (n *MapEntry) NodeType() string { return "MapEntry" }

// MarshalJSON encodes the node with its "type" first.
func (n *MapEntry) MarshalJSON() ([]byte, error) {
	type plain MapEntry
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "ArrayLit".
func (n *ArrayLit) NodeType() string { return "ArrayLit" }

// MarshalJSON encodes the node with its "type" first.
func (n *ArrayLit) MarshalJSON() ([]byte, error) {
	type plain ArrayLit
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "CommandExpr".
func (n *CommandExpr) NodeType() string { return "CommandExpr" }

// MarshalJSON encodes the node with its "type" first.
func (n *CommandExpr) MarshalJSON() ([]byte, error) {
	type plain CommandExpr
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Range".
func (n *Range) NodeType() string { return "Range" }

// MarshalJSON encodes the node with its "type" first.
func (n *Range) MarshalJSON() ([]byte, error) {
	type plain Range
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "BadExpr".
func (n *BadExpr) NodeType() string { return "BadExpr" }

// MarshalJSON encodes the node with its "type" first.
func (n *BadExpr) MarshalJSON() ([]byte, error) {
	type plain BadExpr
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Part".
func (n *Part) NodeType() string { return "Part" }

// MarshalJSON encodes the node with its "type" first.
func (n *Part) MarshalJSON() ([]byte, error) {
	type plain Part
	return marshalNode(n.NodeType(), (*plain)(n))
}

// NodeType returns "Interp".
func (n *Interp) NodeType() string { return "Interp" }

// MarshalJSON encodes the node with its "type" first.
func (n *Interp) MarshalJSON() ([]byte, error) {
	type plain Interp
	return marshalNode(n.NodeType(), (*plain)(n))
}
