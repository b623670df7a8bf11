package store

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/services/compiler/analysis"
)

// decodeAs decodes b into a T and returns it.
func decodeAs[T any](b []byte) (T, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return v, err
}

// Every store type with a path writes "path_b64" only for a path that is
// not UTF-8, shows it with U+FFFD, and reads its exact bytes back, with
// its other (embedded) fields.
func TestPathJSON(t *testing.T) {
	tests := []struct {
		name  string
		value func(path string) any
		// decode returns every path of the decoded value and one other
		// field, which must be "x".
		decode func(b []byte) ([]string, string, error)
	}{
		{"Script", func(p string) any { return Script{Bot: "x", Path: p, Tool: &Tool{Path: p}} }, func(b []byte) ([]string, string, error) {
			v, err := decodeAs[Script](b)
			if v.Tool == nil {
				return nil, "", err
			}
			return []string{v.Path, v.Tool.Path}, v.Bot, err
		}},
		{"Tool", func(p string) any { return Tool{Name: "x", Path: p} }, func(b []byte) ([]string, string, error) {
			v, err := decodeAs[Tool](b)
			return []string{v.Path}, v.Name, err
		}},
		{"ScriptInfo", func(p string) any { return ScriptInfo{Bot: "x", Path: p} }, func(b []byte) ([]string, string, error) {
			v, err := decodeAs[ScriptInfo](b)
			return []string{v.Path}, v.Bot, err
		}},
		{"Config", func(p string) any { return Config{Bot: "x", Path: p} }, func(b []byte) ([]string, string, error) {
			v, err := decodeAs[Config](b)
			return []string{v.Path}, v.Bot, err
		}},
		{"ScheduleRow", func(p string) any { return ScheduleRow{Path: p, Schedule: analysis.Schedule{Expr: "x"}} }, func(b []byte) ([]string, string, error) {
			v, err := decodeAs[ScheduleRow](b)
			return []string{v.Path}, v.Expr, err
		}},
		{"RefRow", func(p string) any { return RefRow{Path: p, Ref: analysis.Ref{Name: "x"}} }, func(b []byte) ([]string, string, error) {
			v, err := decodeAs[RefRow](b)
			return []string{v.Path}, v.Name, err
		}},
		{"TableRow", func(p string) any { return TableRow{Path: p, Table: analysis.Table{Name: "x"}} }, func(b []byte) ([]string, string, error) {
			v, err := decodeAs[TableRow](b)
			return []string{v.Path}, v.Name, err
		}},
	}
	const latin = "harbor.gbdialog/caf\xe9\xe9.bas"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{latin, "harbor.gbdialog/café.bas"} {
				b, err := json.Marshal(tc.value(path))
				if err != nil {
					t.Fatal(err)
				}
				s := string(b)
				if path == latin && (!strings.Contains(s, "\"path\":\"harbor.gbdialog/caf\uFFFD.bas\"") || !strings.Contains(s, `"path_b64":"aGFyYm9yLmdiZGlhbG9nL2NhZunpLmJhcw=="`)) {
					t.Fatalf("%s: want the display path and the exact path_b64", s)
				}
				if path != latin && strings.Contains(s, "path_b64") {
					t.Fatalf("%s: a UTF-8 path has path_b64", s)
				}
				paths, other, err := tc.decode(b)
				if err != nil {
					t.Fatal(err)
				}
				if other != "x" || len(paths) == 0 {
					t.Fatalf("decoding %s lost fields: %q %q", s, paths, other)
				}
				for _, p := range paths {
					if p != path {
						t.Fatalf("decoded path %q, want %q", p, path)
					}
				}
			}
		})
	}
}

func TestPathJSONBadBase64(t *testing.T) {
	var s ScriptInfo
	err := json.Unmarshal([]byte(`{"path":"a.bas","path_b64":"%%%"}`), &s)
	if err == nil || !strings.Contains(err.Error(), "path_b64") {
		t.Fatalf("bad path_b64: err = %v", err)
	}
}
