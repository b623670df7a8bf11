package check

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/basic"
	"github.com/drivemon/drivemon/services/compiler/diag"
)

// Kinds of checked files (botpkg's names).
const (
	KindDialog = string(botpkg.KindDialog)
	KindConfig = string(botpkg.KindConfig)
)

// ErrNotCheckable is returned for an explicit file argument that is neither
// a .bas dialog nor a config.csv.
var ErrNotCheckable = errors.New("not a .bas dialog or a config.csv")

// FileReport is the --json line for one file.
type FileReport struct {
	Path        string            `json:"path"`
	Kind        string            `json:"kind"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
	Tool        *analysis.Tool    `json:"tool"`
}

// Run checks every .bas and config.csv under paths (files or folders) and
// writes the findings to w: one `file:line:col: severity: message` line per
// diagnostic, or with asJSON one FileReport object per file per line. It
// reports whether any error was found; err is for files it could not read
// or arguments it cannot check.
func Run(ctx context.Context, w io.Writer, paths []string, asJSON bool) (errorsFound bool, err error) {
	files, err := collect(ctx, paths)
	if err != nil {
		return false, err
	}
	inventories := map[string]*analysis.Inventory{}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return errorsFound, fmt.Errorf("checking: %w", err)
		}
		rep, err := checkFile(f, inventories)
		if err != nil {
			return errorsFound, err
		}
		if diag.HasErrors(rep.Diagnostics) {
			errorsFound = true
		}
		if asJSON {
			if err := enc.Encode(rep); err != nil {
				return errorsFound, fmt.Errorf("writing report for %s: %w", f, err)
			}
			continue
		}
		for _, d := range rep.Diagnostics {
			if _, err := fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", rep.Path, d.Line, d.Col, d.Severity, d.Message); err != nil {
				return errorsFound, fmt.Errorf("writing report for %s: %w", f, err)
			}
		}
	}
	return errorsFound, nil
}

// kindOf tells which kind of file a path is, or "": inside a bot package
// (<bot>.gbai) botpkg.Classify of its path in the package decides, as it
// does for the services; outside one its name alone
// (botpkg.ClassifyName).
func kindOf(path string) string {
	k := botpkg.ClassifyName(filepath.Base(path))
	if pkg, abs, err := packageDir(path); err == nil && pkg != "" {
		if rel, err := filepath.Rel(pkg, abs); err == nil {
			k = botpkg.Classify(filepath.ToSlash(rel)).Kind
		}
	}
	switch k {
	case botpkg.KindDialog, botpkg.KindConfig:
		return string(k)
	}
	return ""
}

// collect expands the arguments into the files to check, in argument order
// and then lexical order inside folders, without repeats.
func collect(ctx context.Context, paths []string) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	add := func(p string) {
		if key := filepath.Clean(p); !seen[key] {
			seen[key] = true
			files = append(files, p)
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("checking %s: %w", root, err)
		}
		if !info.IsDir() {
			if kindOf(root) == "" {
				return nil, fmt.Errorf("checking %s: %w", root, ErrNotCheckable)
			}
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("walking %s: %w", p, err)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if !d.IsDir() && kindOf(p) != "" {
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("checking %s: %w", root, err)
		}
	}
	return files, nil
}

// checkFile compiles one file.
func checkFile(path string, inventories map[string]*analysis.Inventory) (FileReport, error) {
	src, err := readLimited(path)
	if err != nil {
		return FileReport{}, err
	}
	rep := FileReport{Path: path, Kind: kindOf(path)}
	switch rep.Kind {
	case KindConfig:
		_, problems := botpkg.Validate(src)
		rep.Diagnostics = diag.FromConfig(problems)
	default:
		inv, err := inventoryFor(path, inventories)
		if err != nil {
			return FileReport{}, err
		}
		res := analysis.Compile(path, src, inv)
		rep.Diagnostics, rep.Tool = res.Diagnostics, res.Tool
	}
	if rep.Diagnostics == nil {
		rep.Diagnostics = []diag.Diagnostic{}
	}
	return rep, nil
}

// readLimited reads a file, at most one byte more than the parser accepts
// (so an oversized file is reported, not loaded whole).
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, int64(basic.DefaultLimits.MaxFileSize)+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return src, nil
}
