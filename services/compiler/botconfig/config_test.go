package botconfig

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/services/compiler/diag"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name      string
		src       string
		want      []Entry
		wantDiags []string // "line:severity"
	}{
		{
			name: "header, comments, blanks and lone commas are skipped",
			src:  "name,value\n# comment\n\n,\n  ,  \ntheme-color1,#0d2b55\n",
			want: []Entry{{"theme-color1", "#0d2b55", 6}},
		},
		{
			name: "key,value header",
			src:  "key,value\nbot-name,Office\n",
			want: []Entry{{"bot-name", "Office", 2}},
		},
		{
			name: "split at the first comma; values keep commas; both sides trimmed",
			src:  "welcome-message , Hello, world, again  \r\nAnswer Mode,direct\n",
			want: []Entry{{"welcome-message", "Hello, world, again", 1}, {"Answer Mode", "direct", 2}},
		},
		{
			name: "empty value",
			src:  "instagram-account,\n",
			want: []Entry{{"instagram-account", "", 1}},
		},
		{
			name:      "line without comma is an error",
			src:       "a,1\njust text\nb,2\n",
			want:      []Entry{{"a", "1", 1}, {"b", "2", 3}},
			wantDiags: []string{"2:error"},
		},
		{
			name:      "empty key is an error",
			src:       ",orphan\n",
			want:      []Entry{},
			wantDiags: []string{"1:error"},
		},
		{
			name:      "duplicate key warns and the last wins",
			src:       "a,1\nb,2\nA,3\n",
			want:      []Entry{{"b", "2", 2}, {"A", "3", 3}},
			wantDiags: []string{"3:warning"},
		},
		{
			name: "header only counts on the first line",
			src:  "x,1\nname,value\n",
			want: []Entry{{"x", "1", 1}, {"name", "value", 2}},
		},
		{
			name: "byte order mark",
			src:  "\uFEFFname,value\nk,v",
			want: []Entry{{"k", "v", 2}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := Parse([]byte(tc.src))
			if !reflect.DeepEqual(cfg.Entries, tc.want) {
				t.Errorf("entries = %+v, want %+v", cfg.Entries, tc.want)
			}
			var got []string
			for _, d := range diags {
				got = append(got, strconv.Itoa(d.Line)+":"+string(d.Severity))
			}
			if !reflect.DeepEqual(got, tc.wantDiags) {
				t.Errorf("diagnostics = %v (%v), want %v", got, diags, tc.wantDiags)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	cfg, _ := Parse([]byte("name,value\ntheme-color1,#fff\nTheme-Title,Bot, Inc.\ntheme-custom,x\nparam-city,Rio\nllm-model,gpt\nembedding-url,http://localhost:8080/v1\nembedding-dimensions,384\nembedding-batch-size,0\nembedding-key,secret\n"))
	if got, want := cfg.Theme(), map[string]string{"theme-color1": "#fff", "theme-title": "Bot, Inc.", "theme-custom": "x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Theme() = %v, want %v", got, want)
	}
	if got, want := cfg.Params(), map[string]string{"city": "Rio"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Params() = %v, want %v", got, want)
	}
	if v, ok := cfg.Get("LLM-MODEL"); !ok || v != "gpt" {
		t.Errorf("Get = %q %v", v, ok)
	}
	emb, diags := cfg.Embedding()
	if emb.URL != "http://localhost:8080/v1" || emb.Dimensions != 384 || emb.BatchSize != 0 || emb.Key != "secret" {
		t.Errorf("Embedding() = %+v", emb)
	}
	if len(diags) != 1 || diags[0].Line != 9 || !strings.Contains(diags[0].Message, "embedding-batch-size") {
		t.Errorf("embedding diagnostics = %v, want one for the batch size on line 9", diags)
	}
	bad, _ := Parse([]byte("embedding-url,localhost\nembedding-dimensions,abc\n"))
	if _, diags := bad.Embedding(); len(diags) != 2 {
		t.Errorf("invalid embedding settings: diagnostics = %v, want 2", diags)
	}
}

func TestDiff(t *testing.T) {
	old, _ := Parse([]byte("a,1\nb,2\ntheme-color1,#000\n"))
	updated, _ := Parse([]byte("A,1\nb,3\nc,4\n"))
	ch := Diff(old, updated)
	want := Changes{
		Added:   []Entry{{"c", "4", 3}},
		Changed: []Change{{"b", "2", "3"}},
		Removed: []Entry{{"theme-color1", "#000", 3}},
	}
	if !reflect.DeepEqual(ch, want) {
		t.Errorf("Diff = %+v, want %+v", ch, want)
	}
	if !ch.ThemeChanged() || ch.Empty() {
		t.Errorf("ThemeChanged = %v, Empty = %v", ch.ThemeChanged(), ch.Empty())
	}
	if same := Diff(old, old); !same.Empty() || same.ThemeChanged() {
		t.Errorf("Diff(old, old) = %+v, want empty", same)
	}
	if all := Diff(nil, updated); len(all.Added) != 3 {
		t.Errorf("Diff(nil, c) = %+v, want everything added", all)
	}
}

func TestCorpusConfigs(t *testing.T) {
	root := testinfra.CorpusDir(t)
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(d.Name(), "config.csv") {
			return err
		}
		n++
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		cfg, diags := Parse(src)
		if diag.HasErrors(diags) {
			t.Errorf("%s: %v", p, diags)
		}
		if len(cfg.Entries) == 0 {
			t.Errorf("%s: no settings", p)
		}
		for _, e := range cfg.Entries {
			if strings.EqualFold(e.Key, "name") && strings.EqualFold(e.Value, "value") {
				t.Errorf("%s: header stored as a setting", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no config.csv in the corpus")
	}
}

func FuzzConfig(f *testing.F) {
	for _, s := range []string{"name,value\na,1\n", "a,b,c\n", ",\n", "#x\n", "k\n", "a,1\nA,2\n", "\uFEFFk,v\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		cfg, diags := Parse([]byte(src))
		seen := map[string]bool{}
		for _, e := range cfg.Entries {
			if e.Key == "" || strings.TrimFunc(e.Key, unicode.IsSpace) != e.Key || strings.TrimFunc(e.Value, unicode.IsSpace) != e.Value {
				t.Fatalf("entry not trimmed or empty key: %+v", e)
			}
			if seen[strings.ToLower(e.Key)] {
				t.Fatalf("duplicate key %q kept", e.Key)
			}
			seen[strings.ToLower(e.Key)] = true
		}
		for _, d := range diags {
			if d.Line < 1 || d.Message == "" {
				t.Fatalf("bad diagnostic %+v", d)
			}
		}
		cfg.Embedding()
		Diff(cfg, cfg)
	})
}
