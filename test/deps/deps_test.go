package deps

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const root = "github.com/drivemon/drivemon/"

// pkgInfo is the part of `go list -json` the rules read.
type pkgInfo struct {
	ImportPath string
	Dir        string
	Standard   bool
	Imports    []string
	Deps       []string
	GoFiles    []string
}

// goList runs `go list -json` with args from the workspace root.
func goList(t *testing.T, args ...string) []pkgInfo {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.work above the test directory")
		}
	}
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkgInfo
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatalf("go list %s: no packages", strings.Join(args, " "))
	}
	return pkgs
}

// service is the service a package belongs to ("compiler" for
// .../services/compiler/check), or "".
func service(importPath string) string {
	rest, ok := strings.CutPrefix(importPath, root+"services/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	// A service's test packages (files_test, indexer.test) are its own.
	return strings.TrimSuffix(strings.TrimSuffix(name, ".test"), "_test")
}

// TestNoServiceImportsAnother: every package of a service, with its tests
// (go list -test), depends on no package of another service.
func TestNoServiceImportsAnother(t *testing.T) {
	pkgs := goList(t, "-test", root+"services/...")
	checked := map[string]bool{}
	for _, p := range pkgs {
		own := service(strings.Fields(p.ImportPath)[0])
		if own == "" {
			continue
		}
		checked[own] = true
		for _, d := range p.Deps {
			if s := service(strings.Fields(d)[0]); s != "" && s != own {
				t.Errorf("%s (service %s) depends on %s (service %s)", p.ImportPath, own, d, s)
			}
		}
	}
	if len(checked) < 5 {
		t.Fatalf("checked services %v, want the five", checked)
	}
}

// TestSharedCodeDependsOnNoServiceOrCommand: pkg/ and internal/ point
// nowhere up.
func TestSharedCodeDependsOnNoServiceOrCommand(t *testing.T) {
	for _, p := range goList(t, root+"pkg/...", root+"internal/...") {
		for _, d := range p.Deps {
			if strings.HasPrefix(d, root+"services/") || strings.HasPrefix(d, root+"cmd/") || strings.HasPrefix(d, root+"test/") {
				t.Errorf("%s depends on %s", p.ImportPath, d)
			}
		}
	}
}

// TestBotpkgIsPure: the bot package model needs nothing but the standard
// library, so the contract can build on it without a transport.
func TestBotpkgIsPure(t *testing.T) {
	for _, p := range goList(t, "-deps", root+"pkg/botpkg/...") {
		if !p.Standard && !strings.HasPrefix(p.ImportPath, root+"pkg/botpkg") {
			t.Errorf("pkg/botpkg depends on %s", p.ImportPath)
		}
	}
}

// TestContractImportsNoBus: the contract (pkg/events, its root package)
// depends on no NATS package; the transport is package bus.
func TestContractImportsNoBus(t *testing.T) {
	pkgs := goList(t, "-deps", root+"pkg/events")
	for _, p := range pkgs {
		if isNATS(p.ImportPath) {
			t.Errorf("pkg/events depends on %s", p.ImportPath)
		}
	}
	if !slices.ContainsFunc(pkgs, func(p pkgInfo) bool { return p.ImportPath == root+"pkg/botpkg" }) {
		t.Errorf("pkg/events no longer depends on pkg/botpkg: is the listing complete?")
	}
	bus := goList(t, "-deps", root+"pkg/events/bus")
	if !slices.ContainsFunc(bus, func(p pkgInfo) bool { return isNATS(p.ImportPath) }) {
		t.Errorf("pkg/events/bus lists no NATS package: the check cannot see NATS")
	}
}

func isNATS(path string) bool {
	return strings.HasPrefix(path, "github.com/nats-io/")
}
