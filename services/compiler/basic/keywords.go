package basic

import "strings"

// knownStatements are the keyword statements of the runtime that the parser
// recognises by name (multi-word forms are matched longest first; the
// underscore spelling ADD_KB is the same as ADD KB). Statements not listed
// here still parse, as Generic commands.
var knownStatements = setOf(
	"ADD BOT", "ADD KB", "ADD MEMBER", "ADD NOTE", "ADD SUGGESTION", "ADD TOOL", "ADD WEBSITE",
	"AGGREGATE", "APPEND", "BOOK", "CALL", "CLEAR", "CLEAR HEADERS", "CLEAR KB", "CLEAR SUGGESTIONS",
	"CLEAR TOOLS", "CLEAR WEBSITES", "COMPRESS", "COPY", "CREATE", "CREATE DRAFT", "CREATE FOLDER",
	"CREATE SITE", "CREATE TASK", "DELETE", "DELETE FILE", "DELETE HTTP", "DELETE POST", "DOWNLOAD",
	"EXTRACT", "FILL", "FILTER", "FIND", "FORMAT", "GENERATE PDF", "GET", "GET BOT MEMORY", "GET USER MEMORY",
	"GRAPHQL", "GROUP BY", "INSERT", "JOIN", "LIST", "LIST TOOLS", "LLM", "LOG", "MAP", "MERGE",
	"MERGE PDF", "MOVE", "PATCH", "PAUSE", "PIVOT", "PLAY", "POST", "POST TO", "PRINT", "PUT", "READ",
	"REMEMBER", "REMOVE KB", "REMOVE TOOL", "RUN", "SAVE", "SAVE FROM UNSTRUCTURED", "SCORE LEAD",
	"SEND EMAIL", "SEND FILE", "SEND MAIL", "SEND MESSAGE", "SEND SMS", "SEND TEMPLATE", "SET",
	"SET BOT MEMORY", "SET CONTEXT", "SET HEADER", "SET KB", "SET LANGUAGE", "SET SCHEDULE",
	"SET SESSION", "SET USER", "SET USER MEMORY", "SOAP", "SYNCHRONIZE", "TRANSFER TO HUMAN",
	"UPDATE", "UPLOAD", "USE KB", "USE TOOL", "USE WEBSITE", "WAIT", "WEATHER", "WEBHOOK", "WRITE",
)

// exprPhrases are multi-word keywords that produce a value and may appear
// anywhere in an expression, such as "Bearer " + GET BOT MEMORY("key").
var exprPhrases = setOf(
	"GET BOT MEMORY", "GET USER MEMORY", "NEW OBJECT", "NEW ARRAY", "NEW MAP", "WEBSITE OF",
)

// connectorWords are the words that join the arguments of a command, such
// as AS in ADD SUGGESTION "x" AS "y".
var connectorWords = setOf(
	"AS", "AT", "BY", "DO", "FOR", "FROM", "IN", "INTO", "OF", "ON", "TO", "USING", "VIA", "WHERE", "WITH",
)

// operatorWords are identifiers that are operators or clause keywords, so
// they never start an argument.
var operatorWords = setOf("AND", "OR", "MOD", "IS", "XOR", "THEN", "ELSE", "STEP", "LIKE")

// notOperand are words that can never be an operand (a variable, a call):
// where an operand is expected, they mean it is missing.
var notOperand = setOf("THEN", "ELSE", "AND", "OR", "XOR", "MOD")

// exprKeywords are identifiers with a fixed meaning inside expressions.
var exprKeywords = setOf("TRUE", "FALSE", "NULL", "NOTHING", "NOT")

const maxPhraseWords = 4

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// isKnownStatement reports whether a single-word statement name is known.
func isKnownStatement(w string) bool {
	return knownStatements[w] || knownStatements[strings.ReplaceAll(w, "_", " ")]
}

// isUpperWord reports whether an identifier is written in capitals (it has
// a letter and no lower-case letter), the way keywords are written.
func isUpperWord(s string) bool {
	letter := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			return false
		case r >= 'A' && r <= 'Z':
			letter = true
		case r == '_' || r >= '0' && r <= '9':
		default:
			if r > 127 {
				return false
			}
		}
	}
	return letter
}
