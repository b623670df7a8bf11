package extract

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// skipped elements hold no visible text.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Head: false, atom.Svg: true, atom.Iframe: true, atom.Object: true,
}

// blocks end a paragraph.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true,
	atom.Header: true, atom.Footer: true, atom.Main: true, atom.Nav: true,
	atom.Aside: true, atom.Blockquote: true, atom.Pre: true, atom.Table: true,
	atom.Tr: true, atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dt: true,
	atom.Dd: true, atom.Figure: true, atom.Figcaption: true, atom.Form: true,
	atom.Hr: true, atom.Title: true, atom.Body: true, atom.Address: true,
}

var headings = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}

// extractHTML writes the visible text token by token, stopping at the
// text limit.
func extractHTML(data []byte, b *textWriter) error {
	z := html.NewTokenizer(bytes.NewReader(data))
	skip := 0
	pre := 0
	para := func() { b.WriteString("\n\n") }
	for {
		if err := b.Err(); err != nil {
			return err
		}
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return nil
			}
			return fmt.Errorf("%w: %w", ErrMalformed, z.Err())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped[a] && tt == html.StartTagToken {
				skip++
				continue
			}
			switch {
			case headings[a] > 0:
				para()
				b.WriteString(strings.Repeat("#", headings[a]))
				b.WriteByte(' ')
			case a == atom.Li:
				b.WriteString("\n- ")
			case a == atom.Br:
				b.WriteByte('\n')
			case a == atom.Td || a == atom.Th:
				b.WriteString(" | ")
			case a == atom.Pre && tt == html.StartTagToken:
				pre++
				para()
			case blocks[a]:
				para()
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipped[a] {
				if skip > 0 {
					skip--
				}
				continue
			}
			if a == atom.Pre && pre > 0 {
				pre--
			}
			if headings[a] > 0 || blocks[a] {
				para()
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if pre == 0 {
				t = collapseSpace(t)
			}
			b.WriteString(t)
		}
	}
}

// collapseSpace turns every run of white space into one space, as browsers
// render it.
func collapseSpace(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		if s != "" {
			return " "
		}
		return ""
	}
	out := strings.Join(f, " ")
	if isSpace(s[0]) {
		out = " " + out
	}
	if isSpace(s[len(s)-1]) {
		out += " "
	}
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }
