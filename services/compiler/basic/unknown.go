package basic

import (
	"slices"
	"strings"
)

// checkStatements reports every command whose first word General Bots
// does not know: not a leading word of the keyword table, nor a SUB or
// FUNCTION of the file. Upstream's compiler would reject such a line, so
// it is an error, with the closest keyword as a suggestion.
func checkStatements(file *File, errs *reporter) {
	routines := map[string]bool{}
	var unknown []*Command
	Walk(file, func(n Node) bool {
		switch n := n.(type) {
		case *Routine:
			routines[strings.ToUpper(n.Name)] = true
		case *Command:
			if !n.Known && n.Name != "" {
				unknown = append(unknown, n)
			}
		}
		return true
	})
	for _, c := range unknown {
		first, _, _ := strings.Cut(c.Name, " ")
		first = strings.ToUpper(first)
		if leadingWords[first] || routines[first] {
			continue
		}
		if s := suggest(first); s != "" {
			errs.errorf(c.Pos, "unknown statement %s; did you mean %s?", first, s)
		} else {
			errs.errorf(c.Pos, "unknown statement %s: not a keyword of General Bots BASIC, an assignment or a call", first)
		}
	}
}

// suggest returns the statement keyword closest to word, if one is close
// enough: at most one edit (a swap of two letters is one) for words up to
// five letters, two beyond.
func suggest(word string) string {
	limit := 1
	if len(word) > 5 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, k := range sortedLeadingWords {
		if d := editDistance(word, k, bestD); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// sortedLeadingWords are the first words of the statement forms (not the
// functions) in a fixed order, so a tie always suggests the same word.
var sortedLeadingWords = func() []string {
	var ws []string
	for _, f := range Forms {
		if ph := f.Phrase(); ph != "" && !f.IsFunction() {
			first, _, _ := strings.Cut(ph, " ")
			ws = append(ws, first)
		}
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}()

// editDistance is the optimal string alignment distance of a and b
// (insertions, deletions, substitutions and transpositions of adjacent
// letters), or max when it is at least max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], max)
}
