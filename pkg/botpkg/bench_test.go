package botpkg

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkValidate: the corpus' largest config.csv (default.gbot, 232
// lines, 105 settings) parsed and checked, as the compiler and `drivemon
// check` do.
func BenchmarkValidate(b *testing.B) {
	src := corpusConfig(b)
	for b.Loop() {
		if _, problems := Validate(src); len(problems) > 0 {
			b.Fatal(problems)
		}
	}
}

// BenchmarkClassify: ten paths of every kind.
func BenchmarkClassify(b *testing.B) {
	paths := []string{"harbor.gbdialog/start.bas", "harbor.gbkb/faq/berthing.md", "harbor.gbkb/loose.md",
		"harbor.gbot/config.csv", "harbor.gbtheme/css/style.css", "harbor.gbdrive/in/report.xlsx",
		"harbor.gbdata/t.csv", "notes.txt", "marketing.gbdialog/sub/x.bas", "harbor.gbot/other.csv"}
	for b.Loop() {
		for _, p := range paths {
			_ = Classify(p)
		}
	}
}

func corpusConfig(b *testing.B) []byte {
	src, err := os.ReadFile(filepath.Join(corpusDir(b), "bots", "core", "default.gbai", "default.gbot", "config.csv"))
	if err != nil {
		b.Fatal(err)
	}
	return src
}
