package events

import "github.com/drivemon/drivemon/pkg/botpkg"

// Kind says which service cares about a file (botpkg.Kind: the layout of a
// bot package is defined there, once).
type Kind = botpkg.Kind

// Kinds of files in a bot package.
const (
	KindDialog  = botpkg.KindDialog
	KindKB      = botpkg.KindKB
	KindConfig  = botpkg.KindConfig
	KindTheme   = botpkg.KindTheme
	KindDrive   = botpkg.KindDrive
	KindData    = botpkg.KindData
	KindOther   = botpkg.KindOther
	KindPackage = botpkg.KindPackage
)

// Kinds lists the file kinds in a fixed order.
var Kinds = botpkg.Kinds

// Class is what Classify says of a path: its Kind, and the KB of a
// knowledge-base document.
type Class = botpkg.Class

// DefaultKB is the knowledge base of documents placed directly in a .gbkb
// folder rather than in a named sub-folder.
const DefaultKB = botpkg.DefaultKB

// Classify gives the kind of a canonical path inside a bot package (see
// CleanPath); it is botpkg.Classify.
func Classify(path string) Class { return botpkg.Classify(path) }
