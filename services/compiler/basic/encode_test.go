package basic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corpusDir is ../shared/corpus next to the repository, or
// $DRIVEMON_CORPUS. This package does not import internal/testinfra (which
// has the same rule), so that its fuzzing binary stays small.
func corpusDir(t *testing.T) string {
	dir := os.Getenv("DRIVEMON_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the corpus is not at %s: %v", dir, err)
		}
		t.Skipf("corpus not found at %s: %v", dir, err)
	}
	return dir
}

// chain is the dialog of issue 19: one assignment of n terms a+a+a….
func chain(n int) []byte {
	return []byte("x = a" + strings.Repeat("+a", n-1) + "\n")
}

func TestEncodeJSONKnownAnswer(t *testing.T) {
	file, _ := Parse([]byte("x = a + \"<b>&\u2028\"\nTALK y.z\n"))
	got, err := EncodeJSON(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"File","line":1,"col":1,"body":[` +
		`{"type":"Assign","line":1,"col":1,"target":{"type":"Ident","line":1,"col":1,"name":"x"},"op":"=",` +
		`"value":{"type":"Binary","line":1,"col":5,"op":"+","left":{"type":"Ident","line":1,"col":5,"name":"a"},` +
		`"right":{"type":"String","line":1,"col":9,"value":"\u003cb\u003e\u0026\u2028"}}},` +
		`{"type":"Talk","line":2,"col":1,"args":[{"type":"Member","line":2,"col":6,"x":{"type":"Ident","line":2,"col":6,"name":"y"},"name":"z"}]}]}`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A label and a function written with spaces, as the AST stores them.
func TestEncodeLabelAndSpacedFunction(t *testing.T) {
	file, diags := Parse([]byte("retry_1:\nIF IS NUMERIC(v) THEN GOTO retry_1\n"))
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	got, err := EncodeJSON(context.Background(), file.Body[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"Label","line":1,"col":1,"name":"retry_1"}`; string(got) != want {
		t.Errorf("label: got %s, want %s", got, want)
	}
	cond, err := EncodeJSON(context.Background(), file.Body[1].(*If).Cond)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"CommandExpr","line":2,"col":4,"name":"IS NUMERIC","args":[{"type":"Ident","line":2,"col":15,"name":"v"}]}`; string(cond) != want {
		t.Errorf("condition: got %s, want %s", cond, want)
	}
}

// TestEncodeJSONMatchesLegacy checks that the one-pass encoder writes the
// bytes the former per-node encoder wrote, on every construct of the
// golden cases, on hand-made trees with nils and odd strings, and on every
// dialog of the corpus.
func TestEncodeJSONMatchesLegacy(t *testing.T) {
	same := func(name string, n Node) {
		t.Helper()
		got, err := EncodeJSON(context.Background(), n)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := json.Marshal(legacy{n})
		if err != nil {
			t.Fatalf("%s: legacy: %v", name, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: encodings differ\n new: %s\n old: %s", name, got, want)
		}
		if viaMarshal, _ := json.Marshal(n); string(viaMarshal) != string(want) {
			t.Errorf("%s: json.Marshal differs from the former encoding: %s", name, viaMarshal)
		}
	}
	for _, tc := range goldenCases {
		file, _ := Parse([]byte(tc.src))
		same(tc.name, file)
	}
	odd := "\x00\t\r\n\"\\<>&\u2028\u2029\xff\xfeé"
	same("odd strings and nils", &File{Body: []Stmt{
		&Assign{Target: &Ident{Name: odd}, Op: "=", Value: (*Ident)(nil)},
		&Talk{},
		&Command{Known: true, Name: odd, Args: []Expr{nil, &String{Value: odd, Parts: []Part{{Text: odd}, {Expr: &Null{}}}}}},
		&If{ElseIfs: []ElseIf{{}}, Else: []Stmt{}},
		&Table{Columns: []Column{{TypeArgs: []string{odd}}}, Constraints: []string{""}},
		&Routine{Params: []RoutineParam{{Name: "p", Type: "X"}}},
		&Param{Optional: true, Enum: []Expr{}},
		&Select{Cases: []Case{{Values: []Expr{&Range{}}}}},
		&ExprStmt{X: &MapLit{Entries: []MapEntry{{Key: odd}}}},
	}})
	dir := corpusDir(t)
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".bas") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		file, _ := Parse(src)
		same(p, file)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no dialogs in the corpus")
	}
}

func TestEncodeJSONHonoursContext(t *testing.T) {
	file, _ := Parse(chain(8000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := EncodeJSON(ctx, file); !errors.Is(err, context.Canceled) {
		t.Fatalf("encoding under a cancelled context: err = %v, want context.Canceled", err)
	}
}

// TestLongChainCompiles is issue 19's dialog: 8 000 terms parse and encode
// (what the compiler service does) without an error, in bounded time.
func TestLongChainCompiles(t *testing.T) {
	start := time.Now()
	file, diags := Parse(chain(8000))
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	b, err := EncodeJSON(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	var depth, maxDepth int
	for _, c := range b {
		switch c {
		case '{', '[':
			depth++
			maxDepth = max(maxDepth, depth)
		case '}', ']':
			depth--
		}
	}
	if maxDepth < 8000 || maxDepth >= 10_000 {
		t.Errorf("JSON nests %d levels, want 8000 ≤ depth < 10000", maxDepth)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Errorf("encoding/json cannot read the AST back: %v", err)
	}
	t.Logf("8 000 terms: %d bytes of JSON in %v", len(b), time.Since(start))
}

// BenchmarkEncodeAST compares the former per-node encoder (legacy) with
// EncodeJSON on issue 19's dialog.
func BenchmarkEncodeAST(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000, 8000} {
		file, _ := Parse(chain(n))
		b.Run(fmt.Sprintf("terms=%d/legacy", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := json.Marshal(legacy{file}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("terms=%d/linear", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := EncodeJSON(context.Background(), file); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseAndEncode is what the compiler does with the dialog: parse,
// then encode the AST.
func BenchmarkParseAndEncode(b *testing.B) {
	src := chain(8000)
	for b.Loop() {
		file, _ := Parse(src)
		if _, err := EncodeJSON(context.Background(), file); err != nil {
			b.Fatal(err)
		}
	}
}
