package check

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/basic"
)

// inventoryFor returns the inventory of the bot package (<bot>.gbai) that
// holds path, or nil when the file is not inside one. Inventories are
// cached by package folder.
func inventoryFor(path string, cache map[string]*analysis.Inventory) (*analysis.Inventory, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", path, err)
	}
	pkg := ""
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		if strings.HasSuffix(strings.ToLower(filepath.Base(dir)), ".gbai") {
			pkg = dir
			break
		}
		if filepath.Dir(dir) == dir {
			return nil, nil
		}
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

// BuildInventory lists what a bot package folder holds: its tools (stems of
// .bas files that declare PARAMs) and knowledge bases (folders directly
// under a *.gbkb folder).
func BuildInventory(pkgDir string) (*analysis.Inventory, error) {
	inv := &analysis.Inventory{Tools: []string{}, KBs: []string{}}
	err := filepath.WalkDir(pkgDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walking %s: %w", p, err)
		}
		parent := filepath.Base(filepath.Dir(p))
		switch {
		case d.IsDir() && p != pkgDir && strings.HasSuffix(strings.ToLower(parent), ".gbkb"):
			inv.KBs = append(inv.KBs, d.Name())
		case !d.IsDir() && kindOf(p) == KindDialog:
			src, err := readLimited(p)
			if err != nil {
				return err
			}
			if declaresParams(src) {
				inv.Tools = append(inv.Tools, analysis.ToolName(p))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading bot package %s: %w", pkgDir, err)
	}
	slices.Sort(inv.Tools)
	inv.Tools = slices.Compact(inv.Tools)
	slices.Sort(inv.KBs)
	inv.KBs = slices.Compact(inv.KBs)
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
