// Package check is the core of `drivemon check [--json] PATH...`, a linter
// bot authors can run in their own CI: it walks files and folders, compiles
// every .bas dialog and every config.csv, and prints each diagnostic as
// file:line:col: severity: message, or one JSON object per file.
//
// Inside a bot package (a <bot>.gbai folder) dialogs are checked against
// the package's inventory, so a USE TOOL or USE KB naming something the bot
// does not have is reported.
package check
