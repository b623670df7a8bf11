package botpkg

import (
	"path"
	"slices"
	"strings"
)

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

// folders is the one table from a package folder's suffix to its kind.
var folders = []struct {
	suffix string
	kind   Kind
}{
	{".gbdialog", KindDialog},
	{".gbkb", KindKB},
	{".gbot", KindConfig},
	{".gbtheme", KindTheme},
	{".gbdrive", KindDrive},
	{".gbdata", KindData},
}

// Names of files with a meaning of their own.
const (
	// ConfigFile is the settings file inside a <x>.gbot folder.
	ConfigFile = "config.csv"
	// DialogExt is the extension of dialogs.
	DialogExt = ".bas"
	// PackageExt is the suffix of a bot package folder or bucket.
	PackageExt = ".gbai"
)

// DefaultKB is the knowledge base of documents placed directly in a .gbkb
// folder rather than in a named sub-folder.
const DefaultKB = "default"

// Class is what Classify says of a path.
type Class struct {
	Kind Kind
	// KB is the knowledge base name for KindKB: the first folder under
	// the .gbkb folder, or DefaultKB.
	KB string
}

// FolderKind is the kind of a top-level folder of a package by its suffix
// (<x>.gbkb → kb), KindOther for any other name.
func FolderKind(folder string) Kind {
	for _, f := range folders {
		if hasSuffixFold(folder, f.suffix) {
			return f.kind
		}
	}
	return KindOther
}

// Classify is the one classifier from a canonical path inside a bot
// package to its kind. A .bas file is a dialog wherever it sits except
// inside the kb, theme, drive and data folders, where it is content like
// any other file.
func Classify(p string) Class {
	top, rest, nested := strings.Cut(p, "/")
	if nested {
		switch k := FolderKind(top); k {
		case KindKB:
			kb, _, inFolder := strings.Cut(rest, "/")
			if !inFolder {
				kb = DefaultKB
			}
			return Class{Kind: KindKB, KB: kb}
		case KindTheme, KindDrive, KindData:
			return Class{Kind: k}
		case KindConfig:
			if strings.EqualFold(rest, ConfigFile) {
				return Class{Kind: KindConfig}
			}
		}
	}
	if hasSuffixFold(p, DialogExt) {
		return Class{Kind: KindDialog}
	}
	return Class{Kind: KindOther}
}

// ClassifyName is the kind a file's name alone implies, for a file seen
// outside any package (`drivemon check file.bas`): dialog for a .bas file,
// config for a config.csv, other for the rest.
func ClassifyName(name string) Kind {
	switch base := path.Base(name); {
	case hasSuffixFold(base, DialogExt):
		return KindDialog
	case strings.EqualFold(base, ConfigFile):
		return KindConfig
	}
	return KindOther
}

// KBNames returns the sorted, distinct knowledge bases the given package
// paths hold documents of.
func KBNames(paths []string) []string {
	names := []string{}
	for _, p := range paths {
		if cl := Classify(p); cl.Kind == KindKB && !slices.Contains(names, cl.KB) {
			names = append(names, cl.KB)
		}
	}
	slices.Sort(names)
	return names
}

// ConfigPath is a bot's own config.csv: <bot>.gbot/config.csv.
func ConfigPath(bot string) string { return bot + ".gbot/" + ConfigFile }

// GoverningConfigs lists, most specific first, the config.csv files whose
// settings apply to path in bot's package: <x>.gbot/config.csv when path
// lies in a package folder <x>.gb… (the folder prefix taken as written),
// then <bot>.gbot/config.csv. The first that exists governs.
func GoverningConfigs(bot, p string) []string {
	var out []string
	if top, _, nested := strings.Cut(p, "/"); nested {
		if k := FolderKind(top); k != KindOther {
			out = append(out, top[:strings.LastIndexByte(top, '.')]+".gbot/"+ConfigFile)
		}
	}
	if own := ConfigPath(bot); len(out) == 0 || out[0] != own {
		out = append(out, own)
	}
	return out
}

// PrimaryConfig picks among a bot's config.csv paths (in a fixed order) the
// one that speaks for the whole bot: <bot>.gbot/config.csv in any case,
// else the first. It returns -1 for none.
func PrimaryConfig(bot string, paths []string) int {
	own := ConfigPath(bot)
	for i, p := range paths {
		if strings.EqualFold(p, own) {
			return i
		}
	}
	if len(paths) > 0 {
		return 0
	}
	return -1
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
