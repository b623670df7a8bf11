package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/diag"
)

// bookBlock is one ```basic block of a book page, named as in
// ../shared/corpus/botbook: <chapter>__<page>__NNN.bas.
type bookBlock struct {
	Name, Page string
	Src        []byte
}

var basicBlockRE = regexp.MustCompile("(?ms)^[ \t]*```basic[^\n]*\n(.*?)^[ \t]*```")

// bookBlocks reads every ```basic block of the pages under
// <upstream>/botbook/src/ that sit in a chapter folder.
func bookBlocks(upstream string) ([]bookBlock, error) {
	root := filepath.Join(upstream, filepath.FromSlash(bookDir))
	var out []bookBlock
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		parts := strings.Split(filepath.ToSlash(strings.TrimSuffix(rel, ".md")), "/")
		if len(parts) < 2 {
			return nil // the book's front pages, not a chapter's
		}
		md, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		page := strings.Join(parts, "__")
		for i, m := range basicBlockRE.FindAllSubmatch(md, -1) {
			out = append(out, bookBlock{Name: fmt.Sprintf("%s__%03d.bas", page, i+1), Page: page, Src: m[1]})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the book under %s: %w", root, err)
	}
	return out, nil
}

// pageOf is the page of a block's file name.
func pageOf(name string) string {
	i := strings.LastIndex(name, "__")
	if i < 0 {
		return name
	}
	return name[:i]
}

// checkBook compiles every block of the book but those of the pages that
// have a block in except (a folder of <page>__NNN.bas files, such as
// ../shared/corpus/botbook: what is left is the held-out half), prints
// each block with an error and its first error, then the share clean.
func checkBook(w io.Writer, upstream, except string) (clean, total int, err error) {
	blocks, err := bookBlocks(upstream)
	if err != nil {
		return 0, 0, err
	}
	skip := map[string]bool{}
	if except != "" {
		entries, err := os.ReadDir(except)
		if err != nil {
			return 0, 0, fmt.Errorf("reading %s: %w", except, err)
		}
		for _, e := range entries {
			skip[pageOf(e.Name())] = true
		}
	}
	slices.SortFunc(blocks, func(a, b bookBlock) int { return strings.Compare(a.Name, b.Name) })
	for _, b := range blocks {
		if skip[b.Page] {
			continue
		}
		total++
		res := analysis.Compile(b.Name, b.Src, nil)
		i := slices.IndexFunc(res.Diagnostics, func(d diag.Diagnostic) bool { return d.Severity == diag.Error })
		if i < 0 {
			clean++
			continue
		}
		fmt.Fprintf(w, "%s:%s\n", b.Name, res.Diagnostics[i])
	}
	if total == 0 {
		return 0, 0, fmt.Errorf("no BASIC block in the book under %s", upstream)
	}
	fmt.Fprintf(w, "%d of %d blocks compile with no error (%.1f%%)\n", clean, total, 100*float64(clean)/float64(total))
	return clean, total, nil
}
