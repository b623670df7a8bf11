package botpkg

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name         string
		src          string
		want         []Entry
		wantProblems []string // "line:severity"
	}{
		{
			name: "header, comments, blanks and lone commas are skipped",
			src:  "name,value\n# comment\n\n,\n  ,  \n,,,\ntheme-color1,#0d2b55\n",
			want: []Entry{{"theme-color1", "#0d2b55", 7}},
		},
		{
			name: "key,value header in any case",
			src:  "Key,Value\nbot-name,Office\n",
			want: []Entry{{"bot-name", "Office", 2}},
		},
		{
			name: "header after comments is still the first line",
			src:  "# settings\n\nname,value\nk,v\n",
			want: []Entry{{"k", "v", 4}},
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
			name:         "line without comma is an error",
			src:          "a,1\njust text\nb,2\n",
			want:         []Entry{{"a", "1", 1}, {"b", "2", 3}},
			wantProblems: []string{"2:error"},
		},
		{
			name:         "empty key is an error",
			src:          ",orphan\n",
			want:         []Entry{},
			wantProblems: []string{"1:error"},
		},
		{
			name:         "duplicate key warns and the last wins at its position",
			src:          "a,1\nb,2\nA,3\n",
			want:         []Entry{{"b", "2", 2}, {"A", "3", 3}},
			wantProblems: []string{"3:warning"},
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
		{name: "empty file", src: "", want: []Entry{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, problems := Parse([]byte(tc.src))
			if !reflect.DeepEqual(cfg.Entries, tc.want) {
				t.Errorf("entries = %+v, want %+v", cfg.Entries, tc.want)
			}
			var got []string
			for _, p := range problems {
				got = append(got, strconv.Itoa(p.Line)+":"+string(p.Severity))
			}
			if !reflect.DeepEqual(got, tc.wantProblems) {
				t.Errorf("problems = %v (%v), want %v", got, problems, tc.wantProblems)
			}
		})
	}
}

func TestParseColumn(t *testing.T) {
	_, problems := Parse([]byte("a,1\n\t  no comma here\n"))
	if len(problems) != 1 || problems[0].String() != `2:4: error: expected `+"`name,value`"+`, found no comma in "no comma here"` {
		t.Fatalf("problems = %v", problems)
	}
}

func TestViews(t *testing.T) {
	cfg, _ := Parse([]byte("name,value\ntheme-color1,#fff\nTheme-Title,Bot, Inc.\ntheme-custom,x\nparam-city,Rio\nparam-,empty\nllm-model,gpt\n"))
	if got, want := cfg.Theme(), map[string]string{"theme-color1": "#fff", "theme-title": "Bot, Inc."}; !reflect.DeepEqual(got, want) {
		t.Errorf("Theme() = %v, want %v", got, want)
	}
	if got, want := cfg.Params(), map[string]string{"city": "Rio"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Params() = %v, want %v", got, want)
	}
	if v, ok := cfg.Get("LLM-MODEL"); !ok || v != "gpt" {
		t.Errorf("Get = %q %v", v, ok)
	}
	if _, ok := cfg.Get("llm-url"); ok {
		t.Error("Get found a key that is not set")
	}
	var none *Config
	if len(none.Theme()) != 0 || len(none.Params()) != 0 || len(none.Map()) != 0 {
		t.Error("a nil config has settings")
	}
}

func TestEmbedding(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		want  Embedding
		lines []int // lines of the errors
	}{
		{
			name: "every key",
			src: "embedding-url,http://localhost:8082/v1\nEmbedding-Model,bge\nembedding-key,s3cret\n" +
				"embedding-dimensions,384\nembedding-batch-size,16\nembedding-batch-tokens,512\n",
			want: Embedding{URL: "http://localhost:8082/v1", Model: "bge", Key: "s3cret", Dimensions: 384, BatchSize: 16, BatchTokens: 512},
		},
		{name: "nothing set", src: "llm-model,x\n", want: Embedding{}},
		{name: "batch tokens not a number", src: "embedding-batch-tokens,lots\n", lines: []int{1}},
		{name: "numbers at the limit: 1 passes, 0 and -1 fail", src: "embedding-batch-size,1\nembedding-dimensions,0\nembedding-batch-tokens,-1\n",
			want: Embedding{BatchSize: 1}, lines: []int{2, 3}},
		{name: "url without scheme or host", src: "embedding-url,localhost:8082\n", lines: []int{1}},
		{name: "url of another scheme", src: "embedding-url,ftp://host/x\n", lines: []int{1}},
		{name: "https url", src: "embedding-url,https://api.example.com\n", want: Embedding{URL: "https://api.example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _ := Parse([]byte(tc.src))
			got, problems := cfg.Embedding()
			if got != tc.want {
				t.Errorf("Embedding() = %+v, want %+v", got, tc.want)
			}
			var lines []int
			for _, p := range problems {
				if p.Severity != Error {
					t.Errorf("problem %v is not an error", p)
				}
				lines = append(lines, p.Line)
			}
			if !reflect.DeepEqual(lines, tc.lines) {
				t.Errorf("problem lines = %v (%v), want %v", lines, problems, tc.lines)
			}
		})
	}
	cfg, _ := Parse([]byte("embedding-batch-tokens,lots\n"))
	if _, p := cfg.Embedding(); len(p) != 1 || p[0].Message != `embedding-batch-tokens: expected a positive whole number, found "lots"` {
		t.Errorf("problem = %v", p)
	}
}

func TestValidate(t *testing.T) {
	cfg, problems := Validate([]byte("embedding-batch-tokens,lots\nno comma\nembedding-url,x\na,1\nA,2\n"))
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		`1:1: error: embedding-batch-tokens: expected a positive whole number, found "lots"`,
		"2:1: error: expected `name,value`, found no comma in \"no comma\"",
		`3:1: error: embedding-url: expected an http(s) URL, found "x"`,
		"5:1: warning: A is already set on line 4; this later value wins",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Validate problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(cfg.Entries) != 3 {
		t.Errorf("Validate kept %d settings, want 3", len(cfg.Entries))
	}
}

func TestIsSecretKey(t *testing.T) {
	for name, want := range map[string]bool{
		"embedding-key": true, "llm-key": true, "API Key": true, "smtp_password": true,
		"github-token": true, "oauth-google-client-secret": true, "email-pass": true,
		"param-blingClientSecret": true, "DB-PASSWORD": true, " x-key ": true,
		"embedding-batch-tokens": false, "max-tokens": false, "key": false, "keyboard": false,
		"monkey": false, "param-blingClientID": false, "bypass": false, "secretary": false,
		"theme-color1": false, "": false,
	} {
		if got := IsSecretKey(name); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", name, got, want)
		}
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
	if got := ch.Keys(); !reflect.DeepEqual(got, []string{"b", "c", "theme-color1"}) {
		t.Errorf("Keys = %v", got)
	}
	if same := Diff(old, old); !same.Empty() || same.ThemeChanged() {
		t.Errorf("Diff(old, old) = %+v, want empty", same)
	}
	if all := Diff(nil, updated); len(all.Added) != 3 {
		t.Errorf("Diff(nil, c) = %+v, want everything added", all)
	}
	custom, _ := Parse([]byte("theme-custom,1\n"))
	if Diff(nil, custom).ThemeChanged() {
		t.Error("a theme-* key that is not a theme key counts as a theme change")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"name,value\na,1\n", "a,b,c\n", ",\n", "#x\n", "k\n", "a,1\nA,2\n", "\uFEFFk,v\r\n", "embedding-batch-tokens,lots\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		cfg, problems := Parse([]byte(src))
		seen := map[string]bool{}
		for _, e := range cfg.Entries {
			if e.Key == "" || strings.TrimFunc(e.Key, unicode.IsSpace) != e.Key || strings.TrimFunc(e.Value, unicode.IsSpace) != e.Value {
				t.Fatalf("entry not trimmed or empty key: %+v", e)
			}
			if strings.Contains(e.Key, ",") || strings.Contains(e.Key, "\n") {
				t.Fatalf("key %q holds a comma or a line break", e.Key)
			}
			if seen[strings.ToLower(e.Key)] {
				t.Fatalf("duplicate key %q kept", e.Key)
			}
			seen[strings.ToLower(e.Key)] = true
		}
		for _, p := range problems {
			if p.Line < 1 || p.Col < 1 || p.Message == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
		emb, ep := cfg.Embedding()
		if emb.BatchTokens < 0 || emb.BatchSize < 0 || emb.Dimensions < 0 || !HasErrors(ep) && len(ep) > 0 {
			t.Fatalf("embedding %+v with problems %v", emb, ep)
		}
		if !Diff(cfg, cfg).Empty() {
			t.Fatal("a config differs from itself")
		}
	})
}
