package lexical

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/hungarian"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/norwegian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
	"github.com/blevesearch/snowballstem/swedish"
	"github.com/blevesearch/snowballstem/turkish"
)

// BM25 parameters: the usual defaults (Lucene, Elasticsearch, Qdrant's
// examples).
const (
	K1 = 1.2
	B  = 0.75
)

// MaxTermLen is the longest term kept, in bytes; a longer run of letters
// (a hash, a base64 blob) is cut to its first MaxTermLen bytes.
const MaxTermLen = 64

// DefaultLanguage is the language of a bot that names none.
const DefaultLanguage = "english"

// ErrLanguage: a language no stemmer is known for.
var ErrLanguage = errors.New("unknown language")

// stemmers by language name; ISO 639-1 codes map to the names.
var stemmers = map[string]func(*snowballstem.Env) bool{
	"danish": danish.Stem, "dutch": dutch.Stem, "english": english.Stem, "finnish": finnish.Stem,
	"french": french.Stem, "german": german.Stem, "hungarian": hungarian.Stem, "italian": italian.Stem,
	"norwegian": norwegian.Stem, "portuguese": portuguese.Stem, "romanian": romanian.Stem,
	"russian": russian.Stem, "spanish": spanish.Stem, "swedish": swedish.Stem, "turkish": turkish.Stem,
}

var codes = map[string]string{
	"da": "danish", "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
	"hu": "hungarian", "it": "italian", "no": "norwegian", "nb": "norwegian", "pt": "portuguese",
	"ro": "romanian", "ru": "russian", "es": "spanish", "sv": "swedish", "tr": "turkish",
}

// Languages lists the language names New accepts (ISO 639-1 codes such
// as "pt" and region tags such as "pt-BR" are accepted too).
func Languages() []string {
	out := make([]string, 0, len(stemmers))
	for l := range stemmers {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Analyzer turns text into index terms: words (maximal runs of Unicode
// letters, digits and combining marks), lower-cased, cut to MaxTermLen
// bytes, then stemmed by the Snowball stemmer of one language. Nothing is
// dropped as a stop word: BM25's IDF gives words found everywhere almost no
// weight. Safe for concurrent use.
type Analyzer struct {
	lang string
	stem func(*snowballstem.Env) bool
}

// New returns the analyzer of a language: a Snowball language name
// ("portuguese"), an ISO 639-1 code ("pt") or a tag starting with one
// ("pt-BR"), in any case; "" is DefaultLanguage.
func New(language string) (*Analyzer, error) {
	l := strings.ToLower(strings.TrimSpace(language))
	if l == "" {
		l = DefaultLanguage
	}
	if _, ok := stemmers[l]; !ok {
		code, _, _ := strings.Cut(strings.ReplaceAll(l, "_", "-"), "-")
		if name, ok := codes[code]; ok {
			l = name
		}
	}
	stem, ok := stemmers[l]
	if !ok {
		return nil, fmt.Errorf("%w %q: want one of %s (or its two-letter code)", ErrLanguage, language, strings.Join(Languages(), ", "))
	}
	return &Analyzer{lang: l, stem: stem}, nil
}

// English is the default analyzer.
var English, _ = New(DefaultLanguage)

// Language is the analyzer's language name.
func (a *Analyzer) Language() string { return a.lang }

// ID names the analyzer's terms ("snowball-english"): terms of analyzers
// with different IDs must never be compared.
func (a *Analyzer) ID() string { return "snowball-" + a.lang }

// Token is one word of a text: its term and where the word is.
type Token struct {
	Term       string
	Start, End int // byte offsets of the word in the text
}

// inWord reports whether r belongs to a word.
func inWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Tokens returns the words of text in order, with their terms.
func (a *Analyzer) Tokens(text string) []Token {
	var out []Token
	env := snowballstem.NewEnv("")
	var b strings.Builder
	start := -1
	flush := func(end int) {
		w := b.String()
		b.Reset()
		if len(w) > MaxTermLen {
			w = w[:MaxTermLen]
			for !utf8.ValidString(w) {
				w = w[:len(w)-1]
			}
		}
		out = append(out, Token{Term: a.term(env, w), Start: start, End: end})
		start = -1
	}
	for i, r := range text {
		if !inWord(r) {
			if start >= 0 {
				flush(i)
			}
			continue
		}
		if start < 0 {
			start = i
		}
		b.WriteRune(unicode.ToLower(r))
	}
	if start >= 0 {
		flush(len(text))
	}
	return out
}

// term stems one lower-cased word; words with a digit are kept as they are.
func (a *Analyzer) term(env *snowballstem.Env, w string) string {
	if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
		return w
	}
	env.SetCurrent(w)
	a.stem(env)
	if s := env.Current(); s != "" {
		return s
	}
	return w
}

// Terms counts the terms of text; their sum is the text's length in terms.
// The same as counting Tokens' terms, but each distinct word is lower-cased
// and stemmed once, and a word already in lower case is not copied: the
// keys may share text's memory.
func (a *Analyzer) Terms(text string) map[string]int {
	ws := wordPool.Get().(*wordCounts)
	defer ws.release()
	buf := ws.buf[:0]
	start, same := -1, true // the word's start; whether it is its own lower case
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case inWord(r):
			if start < 0 {
				start, same = i, true
			}
			if len(buf) >= MaxTermLen+utf8.UTFMax {
				break // cut needs no more
			}
			if r < utf8.RuneSelf {
				lr := r
				if 'A' <= r && r <= 'Z' {
					lr += 'a' - 'A'
				}
				same = same && lr == r
				buf = append(buf, byte(lr))
			} else {
				lr := unicode.ToLower(r)
				same = same && lr == r
				buf = utf8.AppendRune(buf, lr)
			}
		case start >= 0:
			ws.add(text[start:i], buf, same)
			buf, start = buf[:0], -1
		}
		i += size
	}
	if start >= 0 {
		ws.add(text[start:], buf, same)
	}
	ws.buf = buf
	out := make(map[string]int, len(ws.words))
	env := snowballstem.NewEnv("")
	for i, w := range ws.words {
		out[a.term(env, w)] += ws.counts[i]
	}
	return out
}

// cut shortens a word to at most MaxTermLen bytes at a rune boundary.
func cut(w []byte) []byte {
	if len(w) > MaxTermLen {
		w = w[:MaxTermLen]
		for !utf8.Valid(w) {
			w = w[:len(w)-1]
		}
	}
	return w
}

// wordCounts counts distinct words in order of first appearance; reused
// through wordPool.
type wordCounts struct {
	index  map[string]int // position in words
	words  []string
	counts []int
	buf    []byte // the word being read, lower-cased
}

var wordPool = sync.Pool{New: func() any {
	return &wordCounts{index: make(map[string]int, 256), buf: make([]byte, 0, MaxTermLen)}
}}

// maxPooledWords: the counts of a text with more distinct words are not
// kept for reuse (clearing their map would cost every later text).
const maxPooledWords = 4096

// release empties c (holding nothing of the text) and returns it to wordPool.
func (c *wordCounts) release() {
	if len(c.words) > maxPooledWords {
		return
	}
	clear(c.index)
	clear(c.words)
	c.words, c.counts = c.words[:0], c.counts[:0]
	wordPool.Put(c)
}

// add counts a word, given as written and lower-cased (enough of it for
// cut); same: the lower-cased bytes are the word's own. The word is copied
// only when it is new and not in lower case already.
func (c *wordCounts) add(word string, lower []byte, same bool) {
	w := cut(lower)
	if i, ok := c.index[string(w)]; ok {
		c.counts[i]++
		return
	}
	var s string
	if same {
		s = word[:len(w)]
	} else {
		s = string(w)
	}
	c.index[s] = len(c.words)
	c.words = append(c.words, s)
	c.counts = append(c.counts, 1)
}

// QueryTerms returns the distinct terms of a query, in order of first
// appearance.
func (a *Analyzer) QueryTerms(q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range a.Tokens(q) {
		if !seen[t.Term] {
			seen[t.Term] = true
			out = append(out, t.Term)
		}
	}
	return out
}

// Highlights returns the distinct words of text (as written, in order of
// first appearance) whose terms are among terms: why a chunk matched.
func (a *Analyzer) Highlights(text string, terms []string) []string {
	want := make(map[string]bool, len(terms))
	for _, t := range terms {
		want[t] = true
	}
	out := []string{}
	seen := map[string]bool{}
	for _, t := range a.Tokens(text) {
		w := text[t.Start:t.End]
		if want[t.Term] && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// IDF is BM25's inverse document frequency of a term found in df of n
// documents, ln(1 + (n - df + 0.5) / (df + 0.5)): never negative, near 0
// for a term in every document. Qdrant's IDF modifier uses the same formula.
func IDF(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// TF is BM25's saturated term frequency of a term found tf times in a
// document of length dl, where documents average avgdl terms.
func TF(tf, dl int, avgdl float64) float64 {
	if avgdl <= 0 {
		avgdl = 1
	}
	f := float64(tf)
	return f * (K1 + 1) / (f + K1*(1-B+B*float64(dl)/avgdl))
}
