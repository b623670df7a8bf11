package lexical

import (
	"errors"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/internal/testinfra"
)

func TestTokensUnicodeAndStems(t *testing.T) {
	a, err := New("en")
	if err != nil {
		t.Fatal(err)
	}
	text := "What is the penalty? Departments' running-costs: 2024, café Ünïcode"
	var got []string
	for _, tok := range a.Tokens(text) {
		got = append(got, tok.Term)
	}
	want := []string{"what", "is", "the", "penalti", "depart", "run", "cost", "2024", "café", "ünïcode"}
	if !slices.Equal(got, want) {
		t.Fatalf("terms = %q, want %q", got, want)
	}
	toks := a.Tokens(text)
	// Non-ASCII letters are lower-cased and kept in the word (Snowball's
	// English treats them as consonants, so "ünïcode" keeps its e).
	if w := text[toks[4].Start:toks[4].End]; w != "Departments" {
		t.Fatalf("offsets of token 4 give %q, want Departments", w)
	}
}

func TestPortuguese(t *testing.T) {
	a, err := New("pt-BR")
	if err != nil {
		t.Fatal(err)
	}
	if a.Language() != "portuguese" || a.ID() != "snowball-portuguese" {
		t.Fatalf("language %q id %q", a.Language(), a.ID())
	}
	// Snowball's Portuguese known answers: plural and gender collapse.
	for w, want := range map[string]string{"certificados": "certific", "médicas": "médic", "funcionários": "funcionári"} {
		if got := a.QueryTerms(w); len(got) != 1 || got[0] != want {
			t.Errorf("%s: %q, want %q", w, got, want)
		}
	}
}

func TestNewUnknown(t *testing.T) {
	for _, l := range []string{"klingon", "xx", "pt_"} {
		if _, err := New(l); (l == "pt_") != (err == nil) {
			t.Errorf("New(%q) = %v", l, err)
		} else if err != nil && !errors.Is(err, ErrLanguage) {
			t.Errorf("New(%q) = %v, want ErrLanguage", l, err)
		}
	}
	if a, err := New(""); err != nil || a.Language() != "english" {
		t.Fatalf("New(\"\") = %v, %v", a, err)
	}
}

func TestMaxTermLen(t *testing.T) {
	long := ""
	for range MaxTermLen + 1 {
		long += "é"
	}
	toks := English.Tokens(long[:MaxTermLen] + " " + long)
	if len(toks) != 2 {
		t.Fatalf("%d tokens", len(toks))
	}
	// A word of exactly MaxTermLen bytes is kept whole; a longer one is cut
	// at a rune boundary at or below the limit.
	if len(toks[0].Term) > MaxTermLen || len(toks[1].Term) > MaxTermLen || len(toks[1].Term) < MaxTermLen-1 {
		t.Fatalf("term lengths %d, %d", len(toks[0].Term), len(toks[1].Term))
	}
}

func TestQueryTermsAndHighlights(t *testing.T) {
	q := English.QueryTerms("penalty penalties for late payment")
	if !slices.Equal(q, []string{"penalti", "for", "late", "payment"}) {
		t.Fatalf("query terms %q", q)
	}
	h := English.Highlights("Late payments carry a Penalty; the penalty doubles.", q)
	if !slices.Equal(h, []string{"Late", "payments", "Penalty", "penalty"}) {
		t.Fatalf("highlights %q", h)
	}
}

func TestBM25Factors(t *testing.T) {
	// Known answers: ln(1 + (10-1+0.5)/(1+0.5)) = ln(7.333…).
	if got, want := IDF(10, 1), math.Log(1+9.5/1.5); math.Abs(got-want) > 1e-12 {
		t.Fatalf("IDF = %v, want %v", got, want)
	}
	if IDF(10, 10) <= 0 || IDF(10, 10) > 0.05 {
		t.Fatalf("IDF of a term everywhere = %v, want small and positive", IDF(10, 10))
	}
	// tf 1 in a document of average length: (1*2.2)/(1+1.2) = 1.
	if got := TF(1, 100, 100); math.Abs(got-1) > 1e-12 {
		t.Fatalf("TF = %v, want 1", got)
	}
	// tf 2, length twice the average: 2*2.2/(2+1.2*(0.25+1.5)) = 4.4/4.1.
	if got := TF(2, 200, 100); math.Abs(got-4.4/4.1) > 1e-12 {
		t.Fatalf("TF = %v", got)
	}
}

func TestTermsKnownAnswer(t *testing.T) {
	long := "x" + strings.Repeat("é", MaxTermLen/2) // 65 bytes: cut to 64 inside an é, then to 63
	text := "Running runs RUNNING ran; Café café CAFÉ. 2024 2024 B2B b2b " +
		"\u212Aelvin kelvin İstanbul naïve nai\u0308ve \xff\xfeok ok " + long + " " + long
	want := map[string]int{
		"run": 3, "ran": 1, "café": 3, "2024": 2, "b2b": 2, "kelvin": 2,
		"istanbul": 1, "naïv": 1, "nai\u0308v": 1, "ok": 2,
		"x" + strings.Repeat("é", MaxTermLen/2-1): 2,
	}
	if got := English.Terms(text); !maps.Equal(got, want) {
		t.Fatalf("Terms = %v\nwant    %v", got, want)
	}
	if got := English.Terms(""); len(got) != 0 {
		t.Fatalf("Terms of nothing = %v", got)
	}
}

// tokenCounts counts the terms of Tokens, word by word: the reference Terms
// must equal.
func tokenCounts(a *Analyzer, text string) map[string]int {
	out := map[string]int{}
	for _, t := range a.Tokens(text) {
		out[t.Term]++
	}
	return out
}

func TestTermsMatchTokensOnCorpus(t *testing.T) {
	root := testinfra.CorpusDir(t)
	pt, err := New("pt")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, a := range []*Analyzer{English, pt} {
			if got, want := a.Terms(string(b)), tokenCounts(a, string(b)); !maps.Equal(got, want) {
				t.Errorf("%s, %s: Terms gives %d terms, Tokens %d", p, a.Language(), len(got), len(want))
			}
		}
		return nil
	})
	if err != nil || files < 100 {
		t.Fatalf("%d corpus files read: %v", files, err)
	}
}

func FuzzTermsMatchTokens(f *testing.F) {
	for _, s := range []string{"", "Running RUNS ran", "\u212Aelvin İ nai\u0308ve \xff\xfe", "a1b2 ÉÉ", "Ⱥ ȺȺ ⱥ", strings.Repeat("é", 40) + "x", "X" + strings.Repeat("é", 40) + "Y", strings.Repeat("ab", 40) + "C"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := English.Terms(s), tokenCounts(English, s); !maps.Equal(got, want) {
			t.Fatalf("Terms(%q) = %v, Tokens count %v", s, got, want)
		}
	})
}
