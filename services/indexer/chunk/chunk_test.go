package chunk

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// doc is a Markdown document of sections of paragraphs of distinct words.
func doc(sections, paras int) string {
	var b strings.Builder
	b.WriteString("# Manual\n\n")
	for s := range sections {
		fmt.Fprintf(&b, "## Section %d\n\n", s)
		for p := range paras {
			for w := range 45 {
				fmt.Fprintf(&b, "s%dp%dw%d ", s, p, w)
			}
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

func checkInvariants(t *testing.T, text string, o Options, got []Chunk) {
	t.Helper()
	o = o.WithDefaults()
	all := strings.Builder{}
	for i, c := range got {
		if c.Index != i {
			t.Fatalf("chunk %d has index %d", i, c.Index)
		}
		if len(c.Text) > o.Size {
			t.Fatalf("chunk %d is %d bytes, more than %d", i, len(c.Text), o.Size)
		}
		if !utf8.ValidString(c.Text) {
			t.Fatalf("chunk %d is not valid UTF-8", i)
		}
		if strings.TrimSpace(c.Text) == "" {
			t.Fatalf("chunk %d is blank", i)
		}
		if c.Hash != Hash(c.Text) || len(c.Hash) != 32 {
			t.Fatalf("chunk %d hash %q", i, c.Hash)
		}
		all.WriteString(c.Text + " ")
	}
	joined := all.String()
	for _, w := range strings.Fields(text) {
		if len(w) <= o.Size-o.Overlap && !strings.Contains(joined, w) {
			t.Fatalf("word %q lost", w)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tt := range []struct {
		name  string
		text  string
		o     Options
		count int      // -1: any
		first []string // expected prefixes of chunks, in order
	}{
		{name: "empty", text: "", count: 0},
		{name: "blank", text: " \n\n\t\n", count: 0},
		{name: "one paragraph", text: "Hello world.", count: 1, first: []string{"Hello world."}},
		{name: "headings start chunks", text: strings.Repeat("x ", 150) + "\n\n# Next\n\nbody", o: Options{Size: 400, Overlap: 50}, count: 2, first: []string{"x x", "# Next\n\nbody"}},
		{name: "tiny sections merge", text: "# A\n\none\n\n# B\n\ntwo", count: 1, first: []string{"# A\n\none\n\n# B\n\ntwo"}},
		{name: "code fence kept whole", text: "intro\n\n```\n# not a heading\n\nstill code\n```\n\nafter", count: 1, first: []string{"intro\n\n```\n# not a heading\n\nstill code\n```\n\nafter"}},
		{name: "long word cut at a rune boundary", text: strings.Repeat("é", 300), o: Options{Size: 100, Overlap: 0}, count: -1},
		{name: "many sections", text: doc(20, 4), count: -1},
		{name: "no overlap when zero", text: doc(2, 6), o: Options{Size: 500}, count: -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.o)
			if tt.count >= 0 && len(got) != tt.count {
				t.Fatalf("Split gave %d chunks, want %d: %+v", len(got), tt.count, got)
			}
			for i, p := range tt.first {
				if !strings.HasPrefix(got[i].Text, p) {
					t.Fatalf("chunk %d = %q, want prefix %q", i, got[i].Text, p)
				}
			}
			checkInvariants(t, tt.text, tt.o, got)
		})
	}
}

func TestSplitOverlap(t *testing.T) {
	text := strings.Repeat("alpha beta gamma delta ", 200) // one paragraph, no headings
	o := Options{Size: 300, Overlap: 80}
	got := Split(text, o)
	if len(got) < 5 {
		t.Fatalf("%d chunks", len(got))
	}
	for i := 1; i < len(got); i++ {
		prevTail := got[i-1].Text[len(got[i-1].Text)-20:]
		head, _, ok := strings.Cut(got[i].Text, "\n")
		if !ok || len(head) > o.Overlap || !strings.HasSuffix(head, strings.TrimSpace(prevTail)) {
			t.Fatalf("chunk %d does not start with the previous chunk's tail:\nprev …%q\ncur %q", i, prevTail, got[i].Text[:60])
		}
	}
	if got := Split(text, Options{Size: 300}); strings.Contains(got[1].Text, "\n") {
		t.Fatalf("overlap 0 still overlapped: %q", got[1].Text[:40])
	}
}

// TestSplitEditStability: editing one paragraph of a 50+ chunk document
// changes at most 3 chunk hashes.
func TestSplitEditStability(t *testing.T) {
	text := doc(25, 4)
	before := Split(text, Options{})
	if len(before) < 50 {
		t.Fatalf("%d chunks, want 50+", len(before))
	}
	for _, tt := range []struct{ name, old, new string }{
		{"same length", "s12p2w7 ", "EDITED1 "},
		{"longer", "s12p2w7 ", "a much longer replacement sentence for this word "},
		{"shorter", "s7p1w3 s7p1w4 s7p1w5 s7p1w6 ", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			edited := strings.Replace(text, tt.old, tt.new, 1)
			after := Split(edited, Options{})
			old := map[string]bool{}
			for _, c := range before {
				old[c.Hash] = true
			}
			changed := 0
			for _, c := range after {
				if !old[c.Hash] {
					changed++
				}
			}
			if changed == 0 || changed > 3 {
				t.Fatalf("%d chunks changed, want 1 to 3", changed)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		o    Options
		ok   bool
	}{
		{"defaults", Options{}.WithDefaults(), true},
		{"too small", Options{Size: 10}, false},
		{"negative overlap", Options{Size: 100, Overlap: -1}, false},
		{"overlap over half", Options{Size: 100, Overlap: 51}, false},
		{"explicit zero overlap", Options{Size: 1000}.WithDefaults(), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.o.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate(%+v) = %v", tt.o, err)
			}
		})
	}
	if o := (Options{Size: 1000}).WithDefaults(); o.Overlap != 0 {
		t.Fatalf("explicit size with zero overlap got overlap %d", o.Overlap)
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("# T\n\nsome text here\n\n```\ncode\n```", 100, 20)
	f.Add(strings.Repeat("ü ", 100), 64, 10)
	f.Fuzz(func(t *testing.T, text string, size, overlap int) {
		o := Options{Size: size, Overlap: overlap}
		if o.Validate() != nil || size > 4096 || !utf8.ValidString(text) {
			return
		}
		checkInvariants(t, text, o, Split(text, o))
	})
}
