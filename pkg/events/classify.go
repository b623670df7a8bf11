package events

import "strings"

// Kind says which service cares about a file.
type Kind string

// Kinds of files in a bot package.
const (
	KindDialog Kind = "dialog" // a .bas file: dialogs and tools (compiler)
	KindKB     Kind = "kb"     // a document under <x>.gbkb/<kb>/ (indexer)
	KindConfig Kind = "config" // <x>.gbot/config.csv (compiler, themer)
	KindTheme  Kind = "theme"  // anything under <x>.gbtheme/ (themer)
	KindDrive  Kind = "drive"  // anything under <x>.gbdrive/
	KindData   Kind = "data"   // anything under <x>.gbdata/
	KindOther  Kind = "other"  // everything else
	// KindPackage is the kind of target_lost/target_found events about a
	// whole package or watched root rather than one file.
	KindPackage Kind = "package"
)

// Kinds lists the file kinds in a fixed order.
var Kinds = []Kind{KindDialog, KindKB, KindConfig, KindTheme, KindDrive, KindData, KindOther}

// Class is what Classify says of a path.
type Class struct {
	Kind Kind
	// KB is the knowledge base name for KindKB: the first folder under
	// the .gbkb folder. Files directly in the .gbkb folder belong to the KB
	// named DefaultKB.
	KB string
}

// DefaultKB is the knowledge base of documents placed directly in a .gbkb
// folder rather than in a named sub-folder.
const DefaultKB = "default"

// Classify is the one classifier from a canonical path inside a bot package
// (see CleanPath) to its kind. The package's inner folder names need not
// match the bot name (campaign-manager.gbai/marketing.gbdialog), so only
// their suffixes count, case-insensitively. A .bas file is a dialog wherever
// it sits except inside the kb, theme, drive and data folders, where it is
// content like any other file.
func Classify(path string) Class {
	top, rest, nested := strings.Cut(path, "/")
	switch {
	case nested && hasSuffixFold(top, ".gbkb"):
		kb, _, inFolder := strings.Cut(rest, "/")
		if !inFolder {
			kb = DefaultKB
		}
		return Class{Kind: KindKB, KB: kb}
	case nested && hasSuffixFold(top, ".gbtheme"):
		return Class{Kind: KindTheme}
	case nested && hasSuffixFold(top, ".gbdrive"):
		return Class{Kind: KindDrive}
	case nested && hasSuffixFold(top, ".gbdata"):
		return Class{Kind: KindData}
	case nested && hasSuffixFold(top, ".gbot") && strings.EqualFold(rest, "config.csv"):
		return Class{Kind: KindConfig}
	case hasSuffixFold(path, ".bas"):
		return Class{Kind: KindDialog}
	}
	return Class{Kind: KindOther}
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
