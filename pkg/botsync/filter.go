package botsync

import (
	"fmt"
	"regexp"
	"strings"

	gitignore "github.com/sabhiram/go-gitignore"
)

// DefaultExcludes are never synced: upstream's desktop defaults plus the
// sync's own state folder.
var DefaultExcludes = []string{".DS_Store", "Thumbs.db", "*.tmp", ".git/**", ".drivemon/"}

// IgnoreFile is LOCAL's file of gitignore patterns a sync leaves alone
// (read at the start of every pass; itself synced like any file).
const IgnoreFile = ".drivemonignore"

// Filter says which paths a sync leaves alone.
type Filter struct {
	globs  []string
	res    []*regexp.Regexp
	ignore *gitignore.GitIgnore // IgnoreFile's patterns, or nil
}

// WithIgnore returns a copy of f that also leaves alone what the gitignore
// lines of an IgnoreFile match.
func (f *Filter) WithIgnore(content []byte) *Filter {
	g := *f
	g.ignore = gitignore.CompileIgnoreLines(strings.Split(strings.ReplaceAll(string(content), "\r\n", "\n"), "\n")...)
	return &g
}

// NewFilter compiles exclude globs (rclone-like): "*" and "?" stay within
// one name, "**" crosses folders, "[…]" is a class; a glob matches the
// end of a path at any depth ("a/b" matches "x/a/b"), a leading "/"
// anchors it at the root; a trailing "/" matches a folder and everything
// in it.
func NewFilter(globs []string) (*Filter, error) {
	f := &Filter{}
	for _, g := range globs {
		re, err := globRegexp(g)
		if err != nil {
			return nil, fmt.Errorf("exclude %q: %w", g, err)
		}
		f.globs = append(f.globs, g)
		f.res = append(f.res, re)
	}
	return f, nil
}

// Excluded says whether path matches an exclude glob.
func (f *Filter) Excluded(path string) bool {
	for _, re := range f.res {
		if re.MatchString(path) {
			return true
		}
	}
	return f.ignore != nil && f.ignore.MatchesPath(path)
}

func globRegexp(g string) (*regexp.Regexp, error) {
	if g == "" || g == "/" {
		return nil, fmt.Errorf("empty pattern")
	}
	folder := strings.HasSuffix(g, "/")
	body := strings.TrimSuffix(g, "/")
	var b strings.Builder
	if strings.HasPrefix(body, "/") {
		body = body[1:]
		b.WriteString("^")
	} else {
		b.WriteString("(^|/)")
	}
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '*':
			if i+1 < len(body) && body[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			end := strings.IndexByte(body[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ at offset %d", i)
			}
			class := body[i+1 : i+1+end]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + class + "]")
			i += end + 1
		case '\\':
			if i+1 < len(body) {
				i++
				b.WriteString(regexp.QuoteMeta(body[i : i+1]))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if folder {
		b.WriteString("/")
	} else {
		b.WriteString("$")
	}
	return regexp.Compile(b.String())
}
