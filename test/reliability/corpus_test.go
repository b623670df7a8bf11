package reliability

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Generated package content: small, valid files of every kind the
// consumers act on, different for every version v.

func dialog(name string, v int) []byte {
	return fmt.Appendf(nil, "PARAM city AS STRING DESCRIPTION \"City %d\"\nDESCRIPTION \"Tool %s version %d\"\nTALK \"Weather in \" + city\nSET SCHEDULE \"%d 8 * * *\"\n",
		v, name, v, v%60)
}

func document(name string, v int, paragraphs int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s, version %d\n\n", name, v)
	for i := range paragraphs {
		fmt.Fprintf(&b, "Paragraph %d of %s in version %d tells about berths, tides, lanterns and keepers; ", i, name, v)
		b.WriteString(strings.Repeat("the harbour master logs every vessel that enters or leaves. ", 3))
		b.WriteString("\n\n")
	}
	return []byte(b.String())
}

func stylesheet(v int) []byte {
	return fmt.Appendf(nil, ":root { --accent: #%06x; }\nbody { color: var(--accent); }\n", v*7919%0xffffff)
}

func config(v int) []byte {
	return fmt.Appendf(nil, "name,value\ntheme-color1,#%06x\ntheme-title,Harbor %d\nAnswer Mode,direct, with commas\n", v*104729%0xffffff, v)
}

// seed writes a small complete package: n dialogs, n KB documents, a
// config.csv, a stylesheet and a drive file.
func (r *rig) seed(n int) {
	r.t.Helper()
	for i := range n {
		r.write(fmt.Sprintf("%s.gbdialog/tool%d.bas", r.bot, i), dialog(fmt.Sprint(i), 1))
		r.write(fmt.Sprintf("%s.gbkb/faq/doc%d.md", r.bot, i), document(fmt.Sprint(i), 1, 3+i%4))
	}
	r.write(r.bot+".gbot/config.csv", config(1))
	r.write(r.bot+".gbtheme/css/main.css", stylesheet(1))
	r.write(r.bot+".gbdrive/notes.txt", []byte("not for any consumer"))
}

// TestIntegrationConvergenceCheck: the check passes on a converged stack
// and names each consumer that lags behind the storage: changes made while
// the detector is down, points removed behind the indexer's back.
func TestIntegrationConvergenceCheck(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.stack(1, 1)
	r.seed(3)
	c := r.converge(60 * time.Second)
	if c.Dialogs != 3 || c.KBDocs != 3 || c.Configs != 1 || c.Theme != 1 || c.Other != 1 || c.Chunks == 0 {
		t.Fatalf("converged on %+v, want 3 dialogs, 3 documents, 1 config, 1 theme file, 1 other", c)
	}

	r.replicas[0].stop(t) // the detector
	r.write(r.bot+".gbdialog/tool0.bas", dialog("0", 2))
	r.write(r.bot+".gbkb/faq/doc0.md", document("0", 2, 9))
	r.write(r.bot+".gbtheme/css/main.css", stylesheet(2))
	r.remove(r.bot + ".gbdialog/tool2.bas")
	diffs, _ := r.diff()
	for _, want := range []string{`compiler: "` + r.bot + `.gbdialog/tool0.bas" row has etag`, `compiler: row for "` + r.bot + `.gbdialog/tool2.bas"`,
		`indexer: "` + r.bot + `.gbkb/faq/doc0.md" is indexed at etag`, `themer: theme file "css/main.css" at`} {
		if !containsPrefix(diffs, want) {
			t.Errorf("the check misses %q in:\n%s", want, strings.Join(diffs, "\n"))
		}
	}
	r.startDetector("detector-2")
	r.converge(60 * time.Second)

	doc := r.bot + ".gbkb/faq/doc1.md"
	if err := r.index.DeleteDocument(r.ctx, collection(r.bot, doc), doc); err != nil {
		t.Fatal(err)
	}
	diffs, _ = r.diff()
	if !containsPrefix(diffs, `indexer: "`+doc+`" has`) {
		t.Errorf("the check misses the lost points of %s in:\n%s", doc, strings.Join(diffs, "\n"))
	}
}

func containsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
