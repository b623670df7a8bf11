// Package basic is the lexer and recursive-descent parser for the General
// Bots BASIC dialect used by the .gbdialog scripts of a bot package.
//
// Parse turns a source file into a typed AST (see File) in which every node
// carries its 1-based line and column, plus the list of every diagnostic the
// file produced. The parser never stops at the first error: it reports each
// problem with what it expected and what it found, resynchronises at the end
// of the line or block, and goes on.
//
// The statement keywords are data: keywords.tsv holds every statement form
// General Bots registers (each register_custom_syntax call under
// botserver/crates/ upstream, and each upper-case function it registers),
// the forms its compiler rewrites (PARAM, DESCRIPTION, BEGIN TALK, …) and
// a few the book documents, each with the upstream file it comes from
// (Forms). services/compiler/cmd/keywords regenerates or diffs the table
// against an upstream checkout. A statement `WORDS args` whose phrase is
// in the table is a Keyword node; one the table does not name but whose
// first word it knows is a Generic node; one whose first word is neither a
// keyword, a SUB or FUNCTION of the file, an assignment nor a call is an
// error, as upstream's compiler would reject the file: `TLAK "hi"` gives
// "unknown statement TLAK; did you mean TALK?". Keywords are also names
// where the grammar allows (`x = step + 1`).
//
// Upstream's registrations and its book together define the dialect: a
// form the book documents but the runtime does not register compiles with
// a warning saying so. These are TRY … CATCH … END TRY, HEAR AS v, HEAR AS
// type v, HEAR v AS type "prompt", SUB and FUNCTION heads of several
// words with parameters without brackets (SUB SEND HELP MENU TO NUMBER$),
// and every phrase of two or more upper-case words that starts a line or
// an assignment's value in the book's BASIC code blocks and that no other
// entry starts with (TRACK EVENT, PROCESS MESSAGE, RESET REPORT, x =
// SPEECH TO TEXT y, …): the table holds those as PHRASE $book$ with the
// chapter, found by cmd/keywords. A single unknown word (LABEL x) or a
// typo of a book phrase (TRAK EVENT) stays an error.
//
// Three rules of upstream's compiler are grammar rather than table: a line
// `name:` alone is a label for GOTO and ON ERROR GOTO (a Label node; its
// goto_transform.rs, not CASE:, DEFAULT: or ELSE:); a function the table
// names with underscores may be written with spaces before its bracket
// (IS NUMERIC(x) is IS_NUMERIC(x), as SEND SMS is SEND_SMS); and a
// single-line IF may end with END IF on its line.
//
// Hostile input is bounded by Limits (file size, token count, nesting
// depth, nodes per file, expression nodes per statement): exceeding one
// yields a diagnostic saying which limit, where and what to do, never a
// hang, a panic or a stack overflow. Nesting depth does not bound a chain
// such as a+a+a…, whose tree is as deep as it is long; the per-statement
// node limit does (16 384 nodes: about 8 000 terms).
//
// The AST encodes to stable JSON (EncodeJSON, also each node's
// MarshalJSON): each node is an object whose first field is "type",
// followed by "line" and "col" and then the node's own fields in a fixed
// order. One encoder walks the tree into one buffer, so encoding is linear
// in the size of the tree (the former per-node encoding through
// encoding/json re-compacted every subtree at each level above it:
// quadratic, 28 s for 8 000 terms), and it stops when its context ends.
//
// FuzzParse (parse, then encode: the JSON must be valid; a diagnostic must
// have a position and a message; no input may take 2 s) ran 5 minutes on
// 30 November 2026, one worker on a loaded 2-core machine: 625 431 inputs,
// 537 in its corpus, no crash and no hang; again after the rules above
// (731 716 inputs, 715 in its corpus, none):
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 5m -parallel 1 ./services/compiler/basic/
package basic
