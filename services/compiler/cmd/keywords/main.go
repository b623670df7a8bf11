// Command keywords regenerates or checks the BASIC keyword table
// (services/compiler/basic/keywords.tsv) against a checkout of General
// Bots: every register_custom_syntax call under botserver/crates/ is one
// statement form, written as its tokens ($expr$, $ident$, … for the
// holes) with the file it is registered in, and every function registered
// under an upper-case name (register_fn) is NAME ( $args$ ). Entries whose source is not a
// runtime file (the compiler's preprocessing, the book) are kept as they
// are. The book's BASIC code blocks (botbook/src/**/*.md) are scanned too:
// a leading phrase of two or more upper-case words that no other entry
// starts with (TRACK EVENT, PROCESS MESSAGE) is PHRASE $book$ with the
// chapter where it first appears; the parser compiles it with a warning
// (documented, not registered). Only facts (the keyword forms and where
// they are) are taken.
//
//	go run ./services/compiler/cmd/keywords -upstream ../generalbots          # diff
//	go run ./services/compiler/cmd/keywords -upstream ../generalbots -write   # rewrite
//
// With -check-book it compiles every ```basic block of the book's chapters
// instead (named <chapter>__<page>__NNN.bas, as in ../shared/corpus/
// botbook) and prints those with errors and the share clean; -except
// leaves out the pages the corpus has, so the figure is the held-out half:
//
//	go run ./services/compiler/cmd/keywords -upstream ../generalbots -check-book -except ../shared/corpus/botbook
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

const (
	runtimeDir = "botserver/crates/"
	bookDir    = "botbook/src/"
)

func main() {
	upstream := flag.String("upstream", "", "checkout of github.com/generalbots/generalbots")
	table := flag.String("table", "services/compiler/basic/keywords.tsv", "the keyword table")
	write := flag.Bool("write", false, "rewrite the table instead of printing the difference")
	book := flag.Bool("check-book", false, "compile every BASIC block of the book instead, and print those with errors and the share clean")
	except := flag.String("except", "", "with -check-book: leave out the pages with a block in this folder (../shared/corpus/botbook: the other half is what is left)")
	flag.Parse()
	if *upstream == "" {
		fmt.Fprintln(os.Stderr, "usage: keywords -upstream DIR [-table FILE] [-write] | -upstream DIR -check-book [-except DIR]")
		os.Exit(2)
	}
	if *book {
		if _, _, err := checkBook(os.Stdout, *upstream, *except); err != nil {
			fmt.Fprintln(os.Stderr, "keywords:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*upstream, *table, *write); err != nil {
		fmt.Fprintln(os.Stderr, "keywords:", err)
		os.Exit(1)
	}
}

func run(upstream, table string, write bool) error {
	found, err := scan(upstream)
	if err != nil {
		return err
	}
	header, old, err := readTable(table)
	if err != nil {
		return err
	}
	book, err := scanBook(upstream)
	if err != nil {
		return err
	}
	found = append(found, book...)
	var kept []string // entries written by hand: the compiler's forms, a few of the book's
	for _, e := range old {
		src := source(e)
		generated := strings.HasPrefix(src, runtimeDir) && !strings.HasPrefix(src, runtimeDir+"botbasic_compiler/") ||
			strings.HasPrefix(src, bookDir) && strings.HasSuffix(e, "\t"+src) && (strings.Contains(e, " $rest$\t") || strings.Contains(e, " $book$\t"))
		if !generated {
			kept = append(kept, e)
		}
	}
	next := append(slices.Clone(found), kept...)
	code, err := scanBookCode(upstream, next)
	if err != nil {
		return err
	}
	next = append(next, code...)
	slices.Sort(next)
	next = slices.Compact(next)
	if write {
		out := strings.Join(header, "\n") + "\n" + strings.Join(next, "\n") + "\n"
		return os.WriteFile(table, []byte(out), 0o644)
	}
	added, removed := difference(old, next), difference(next, old)
	for _, e := range added {
		fmt.Println("+", e)
	}
	for _, e := range removed {
		fmt.Println("-", e)
	}
	if len(added)+len(removed) > 0 {
		fmt.Fprintf(os.Stderr, "%d forms to add, %d to remove (run with -write)\n", len(added), len(removed))
		os.Exit(1)
	}
	return nil
}

func source(entry string) string {
	_, src, _ := strings.Cut(entry, "\t")
	return src
}

// difference lists the entries of b that are not in a.
func difference(a, b []string) []string {
	var out []string
	for _, e := range b {
		if !slices.Contains(a, e) {
			out = append(out, e)
		}
	}
	return out
}

// readTable splits the table into its comment header and its entries.
func readTable(name string) (header, entries []string, err error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the table: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#") || line == "":
			if len(entries) == 0 {
				header = append(header, line)
			}
		default:
			entries = append(entries, line)
		}
	}
	return header, entries, sc.Err()
}

var (
	callRE   = regexp.MustCompile(`register_custom_syntax\(\s*(?:&\s*)?(?:vec!\s*)?\[`)
	fnRE     = regexp.MustCompile(`register_fn\(\s*"([A-Z][A-Z0-9_ ]*)"`)
	stringRE = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
)

// scan finds every register_custom_syntax form under botserver/crates/.
func scan(upstream string) ([]string, error) {
	root := filepath.Join(upstream, filepath.FromSlash(runtimeDir))
	var forms []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".rs" {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(upstream, p)
		for _, m := range callRE.FindAllIndex(src, -1) {
			form, ok := formAt(src[m[1]:])
			if !ok {
				fmt.Fprintf(os.Stderr, "%s: a form built at run time, not a literal list; add it by hand\n", rel)
				continue
			}
			forms = append(forms, form+"\t"+filepath.ToSlash(rel))
		}
		for _, m := range fnRE.FindAllSubmatch(src, -1) {
			forms = append(forms, string(m[1])+" ( $args$ )\t"+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", root, err)
	}
	return forms, nil
}

var (
	headingRE = regexp.MustCompile(`^#{1,3} +(.+)$`)
	phraseRE  = regexp.MustCompile(`^[A-Z][A-Z_]*(?: [A-Z][A-Z_]*)*$`)
)

// scanBook finds the keywords the book's keyword chapters
// (botbook/src/**/keyword-*.md) are about: the upper-case phrases of their
// headings ("# START MEET / JOIN MEET Keywords"), each as PHRASE $rest$.
func scanBook(upstream string) ([]string, error) {
	root := filepath.Join(upstream, filepath.FromSlash(bookDir))
	var forms []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), "keyword-") || filepath.Ext(p) != ".md" {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(upstream, p)
		for _, line := range strings.Split(string(src), "\n") {
			m := headingRE.FindStringSubmatch(strings.TrimSpace(line))
			if m == nil {
				continue
			}
			for _, part := range strings.FieldsFunc(m[1], func(r rune) bool { return r == '/' || r == ',' }) {
				part = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(part), " Keywords"), " Keyword"))
				part = strings.Trim(part, "`")
				if phraseRE.MatchString(part) && len(part) > 1 && !strings.Contains(part, "EXAMPLE") {
					forms = append(forms, part+" $rest$\t"+filepath.ToSlash(rel))
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", root, err)
	}
	return forms, nil
}

// formAt reads the literal token list that starts after "[": the tokens
// joined by spaces, or false when an element is not a string literal.
func formAt(src []byte) (string, bool) {
	end := bytes.IndexByte(src, ']')
	if end < 0 {
		return "", false
	}
	list := src[:end]
	lits := stringRE.FindAllSubmatch(list, -1)
	rest := strings.TrimSpace(stringRE.ReplaceAllString(string(list), ""))
	if len(lits) == 0 || strings.Trim(rest, ", \n\t") != "" {
		return "", false
	}
	words := make([]string, len(lits))
	for i, l := range lits {
		words[i] = string(l[1])
	}
	return strings.Join(words, " "), true
}

// structuralWords start forms the parser reads with a grammar of its own
// (blocks, declarations, TALK, HEAR): the book's lines starting with them
// are not new keyword forms.
var structuralWords = map[string]bool{
	"IF": true, "ELSE": true, "ELSEIF": true, "END": true, "FOR": true, "NEXT": true, "WHILE": true,
	"WEND": true, "DO": true, "LOOP": true, "SELECT": true, "CASE": true, "SWITCH": true, "DEFAULT": true,
	"WITH": true, "SUB": true, "FUNCTION": true, "RETURN": true, "EXIT": true, "BEGIN": true, "TABLE": true,
	"ON": true, "PARAM": true, "DESCRIPTION": true, "TALK": true, "HEAR": true, "LET": true, "CONST": true,
	"GOTO": true, "TRY": true, "CATCH": true, "THROW": true, "BREAK": true, "CONTINUE": true, "DIM": true,
	"AND": true, "OR": true, "NOT": true, "THEN": true, "REM": true,
}

// operators end a phrase: x = READY AND DONE is no keyword.
var operators = map[string]bool{"AND": true, "OR": true, "NOT": true, "XOR": true, "MOD": true, "IS": true, "THEN": true, "LIKE": true}

var (
	fenceRE    = regexp.MustCompile("^\\s*```(\\w*)\\s*$")
	bookWordRE = regexp.MustCompile(`^[A-Z][A-Z_]+$`)
	formWordRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
)

// scanBookCode finds the phrases the book's BASIC code blocks (```basic,
// ```bas) use and no entry of the table starts with: two or more
// upper-case words at the start of a line or of an assignment's value, not
// a structural word first, each as PHRASE $book$ with the first chapter (in path order)
// that uses it.
func scanBookCode(upstream string, entries []string) ([]string, error) {
	known := map[string]bool{}
	for _, e := range entries {
		if ph := phrase(strings.Fields(strings.SplitN(e, "\t", 2)[0])); ph != "" {
			known[ph] = true
		}
	}
	root := filepath.Join(upstream, filepath.FromSlash(bookDir))
	seen := map[string]bool{}
	var forms []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".md" {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(upstream, p)
		for _, ph := range codePhrases(string(src)) {
			if !seen[ph] && !startsWithKnown(ph, known) {
				seen[ph] = true
				forms = append(forms, ph+" $book$\t"+filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scanning the book's code in %s: %w", root, err)
	}
	return forms, nil
}

// codePhrases lists the phrases of two or more upper-case words that start
// a line of a chapter's BASIC code blocks or the value of an assignment.
func codePhrases(md string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			in = !in && (m[1] == "basic" || m[1] == "bas")
			continue
		}
		if !in {
			continue
		}
		if ph := leadingPhrase(line); ph != "" {
			out = append(out, ph)
		}
		if _, rhs, ok := strings.Cut(line, " = "); ok {
			if ph := leadingPhrase(rhs); ph != "" { // x = SPEECH TO TEXT y
				out = append(out, ph)
			}
		}
	}
	return out
}

// leadingPhrase is the phrase of two or more upper-case words that starts
// s, or "" (not for a structural word or a constant first; an operator
// ends it).
func leadingPhrase(s string) string {
	var words []string
	for i, w := range strings.Fields(s) {
		if !bookWordRE.MatchString(w) || i == 0 && (structuralWords[w] || w == "TRUE" || w == "FALSE" || w == "NULL") || operators[w] {
			break
		}
		words = append(words, w)
	}
	if len(words) < 2 {
		return ""
	}
	return strings.Join(words, " ")
}

// phrase is the leading keyword words of a form, underscores read as
// spaces, as the parser reads them.
func phrase(tokens []string) string {
	var words []string
	for _, t := range tokens {
		if !formWordRE.MatchString(t) {
			break
		}
		words = append(words, t)
	}
	return strings.ReplaceAll(strings.Join(words, " "), "_", " ")
}

// startsWithKnown reports whether ph, or a phrase it starts with, is known.
func startsWithKnown(ph string, known map[string]bool) bool {
	words := strings.Fields(ph)
	for n := len(words); n >= 1; n-- {
		if known[strings.Join(words[:n], " ")] {
			return true
		}
	}
	return false
}
