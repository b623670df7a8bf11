package deps

import (
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// fileImports lists the import paths of one Go file.
func fileImports(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
	if err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	var out []string
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		if err != nil {
			t.Fatalf("%s: import %s: %v", path, im.Path.Value, err)
		}
		out = append(out, p)
	}
	return out
}
