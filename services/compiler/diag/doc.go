// Package diag defines the diagnostic reported by every part of the
// compiler: the BASIC parser, the analysis of a dialog, and the config.csv
// reader. A diagnostic has a severity, a 1-based line and column, and a
// message that says what was expected and what was found.
package diag
