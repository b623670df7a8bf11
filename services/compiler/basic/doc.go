// Package basic is the lexer and recursive-descent parser for the General
// Bots BASIC dialect used by the .gbdialog scripts of a bot package.
//
// Parse turns a source file into a typed AST (see File) in which every node
// carries its 1-based line and column, plus the list of every diagnostic the
// file produced. The parser never stops at the first error: it reports each
// problem with what it expected and what it found, resynchronises at the end
// of the line or block, and goes on. Statements it does not know, of the
// shape `WORDS args`, become Generic nodes rather than errors, because the
// runtime knows far more keywords than any parser can list.
//
// Hostile input is bounded by Limits (file size, token count, nesting
// depth): exceeding one yields a diagnostic, never a hang, a panic or a
// stack overflow.
//
// The AST marshals to stable JSON: each node is an object whose first field
// is "type", followed by "line" and "col" and then the node's own fields in
// a fixed order.
package basic
