// Package check is the core of `drivemon check [--json] PATH...`, a linter
// bot authors can run in their own CI: it walks files and folders, compiles
// every .bas dialog and every config.csv, and prints each diagnostic as
// file:line:col: severity: message, or one JSON object per file.
//
// Which files are dialogs and config.csv files, and which knowledge bases
// a package has, is decided by pkg/botpkg as for the services: inside a
// bot package (a <bot>.gbai folder) by the file's path in the package (a
// .bas under .gbkb is a document, not a dialog), elsewhere by its name. A
// config.csv is checked by botpkg.Validate, so check reports exactly the
// settings a service refuses (embedding-batch-tokens,lots among them).
// Dialogs are checked against the package's inventory, so a USE TOOL or
// USE KB naming something the bot does not have is reported.
package check
