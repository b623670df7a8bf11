package check

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/basic"
)

// inventoryFor returns the inventory of the bot package (<bot>.gbai) that
// holds path, or nil when the file is not inside one. Inventories are
// cached by package folder.
func inventoryFor(path string, cache map[string]*analysis.Inventory) (*analysis.Inventory, error) {
	pkg, _, err := packageDir(path)
	if err != nil || pkg == "" {
		return nil, err
	}
	if inv, ok := cache[pkg]; ok {
		return inv, nil
	}
	inv, err := BuildInventory(pkg)
	if err != nil {
		return nil, err
	}
	cache[pkg] = inv
	return inv, nil
}

// packageDir returns the bot package folder (<bot>.gbai) holding path, ""
// when there is none, and path made absolute.
func packageDir(path string) (pkg, abs string, err error) {
	abs, err = filepath.Abs(path)
	if err != nil {
		return "", "", fmt.Errorf("resolving %s: %w", path, err)
	}
	for dir := filepath.Dir(abs); filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
		if strings.HasSuffix(strings.ToLower(filepath.Base(dir)), botpkg.PackageExt) {
			return dir, abs, nil
		}
	}
	return "", abs, nil
}

// BuildInventory lists what a bot package folder holds: its tools (stems of
// dialogs that declare PARAMs) and knowledge bases (botpkg.KBNames: the
// KBs its documents belong to), both as the services see them.
func BuildInventory(pkgDir string) (*analysis.Inventory, error) {
	inv := &analysis.Inventory{Tools: []string{}}
	var paths []string
	err := filepath.WalkDir(pkgDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walking %s: %w", p, err)
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(pkgDir, p)
		if err != nil {
			return fmt.Errorf("walking %s: %w", p, err)
		}
		rel = filepath.ToSlash(rel)
		paths = append(paths, rel)
		if botpkg.Classify(rel).Kind != botpkg.KindDialog {
			return nil
		}
		src, err := readLimited(p)
		if err != nil {
			return err
		}
		if declaresParams(src) {
			inv.Tools = append(inv.Tools, analysis.ToolName(p))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading bot package %s: %w", pkgDir, err)
	}
	slices.Sort(inv.Tools)
	inv.Tools = slices.Compact(inv.Tools)
	inv.KBs = botpkg.KBNames(paths)
	return inv, nil
}

// declaresParams reports whether a dialog declares at least one PARAM.
func declaresParams(src []byte) bool {
	file, _ := basic.Parse(src)
	found := false
	basic.Walk(file, func(n basic.Node) bool {
		if _, ok := n.(*basic.Param); ok {
			found = true
		}
		return !found
	})
	return found
}
