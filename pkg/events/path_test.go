package events

import (
	"errors"
	"strings"
	"testing"
)

func TestCleanPath(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"dialog", "harbor.gbdialog/start.bas", true},
		{"nested", "m.gbdialog/campaigns/q1/launch.bas", true},
		{"spaces and unicode", "h.gbkb/faq/Perguntas frequentes ção.md", true},
		{"dots inside names", "h.gbkb/a/v1..2.txt", true},
		{"hidden file", "h.gbtheme/.keep", true},
		{"not utf-8", "h.gbdrive/caf\xe9.txt", true},
		{"empty", "", false},
		{"absolute", "/etc/passwd", false},
		{"dotdot", "h.gbkb/../../etc/passwd", false},
		{"dotdot alone", "..", false},
		{"dot segment", "./a.bas", false},
		{"double slash", "a//b.bas", false},
		{"trailing slash", "h.gbkb/docs/", false},
		{"backslash traversal", `..\..\windows\system32`, false},
		{"backslash", `h.gbkb\a.md`, false},
		{"NUL", "a\x00.bas", false},
		{"newline", "a\nb.bas", false},
		{"DEL", "a\x7fb", false},
		{"drive letter", "C:/x.bas", false},
		{"segment too long", strings.Repeat("a", 256), false},
		{"path too long", strings.Repeat("abcdefgh/", 114) + "x.bas", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CleanPath(tt.in)
			if tt.ok {
				if err != nil || got != tt.in {
					t.Fatalf("CleanPath(%q) = %q, %v; want it unchanged", tt.in, got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CleanPath(%q) accepted; want an error", tt.in)
			}
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("error %v does not wrap ErrBadPath", err)
			}
		})
	}
}

func TestValidBotAndPackage(t *testing.T) {
	for _, tt := range []struct {
		name, dir, bot string
		ok             bool
	}{
		{"plain", "harbor.gbai", "harbor", true},
		{"dashes", "llm-server.gbai", "llm-server", true},
		{"upper suffix", "Harbor.GBAI", "Harbor", true},
		{"not a package", "harbor.gbdialog", "", false},
		{"bare suffix", ".gbai", "", false},
		{"dot in bot", "a.b.gbai", "", false},
		{"wildcard", "*.gbai", "", false},
		{"space", "my bot.gbai", "", false},
		{"leading dash", "-x.gbai", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bot, ok := BotFromPackage(tt.dir)
			if ok != tt.ok || (ok && bot != tt.bot) {
				t.Fatalf("BotFromPackage(%q) = %q, %v; want %q, %v", tt.dir, bot, ok, tt.bot, tt.ok)
			}
		})
	}
}

func TestKeyRoundTrip(t *testing.T) {
	k := Key("harbor", "harbor.gbkb/faq/a b.md")
	if k != "harbor/harbor.gbkb/faq/a b.md" {
		t.Fatalf("Key = %q", k)
	}
	bot, path, err := SplitKey(k)
	if err != nil || bot != "harbor" || path != "harbor.gbkb/faq/a b.md" {
		t.Fatalf("SplitKey(%q) = %q, %q, %v", k, bot, path, err)
	}
	if _, _, err := SplitKey("harbor/../x"); err == nil {
		t.Fatal("SplitKey accepted a traversal")
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		path string
		want Class
	}{
		{"harbor.gbdialog/start.bas", Class{Kind: KindDialog}},
		{"marketing.gbdialog/campaigns/launch.BAS", Class{Kind: KindDialog}},
		{"root-tool.bas", Class{Kind: KindDialog}},
		{"harbor.gbdialog/README.md", Class{Kind: KindOther}},
		{"harbor.gbkb/faq/shipping.md", Class{Kind: KindKB, KB: "faq"}},
		{"harbor.gbkb/faq/deep/er/a.pdf", Class{Kind: KindKB, KB: "faq"}},
		{"harbor.gbkb/loose.txt", Class{Kind: KindKB, KB: DefaultKB}},
		{"harbor.gbkb/faq/old.bas", Class{Kind: KindKB, KB: "faq"}},
		{"annoucements.gbot/config.csv", Class{Kind: KindConfig}},
		{"harbor.gbot/Config.CSV", Class{Kind: KindConfig}},
		{"harbor.gbot/other.csv", Class{Kind: KindOther}},
		{"harbor.gbot/nested/config.csv", Class{Kind: KindOther}},
		{"harbor.gbtheme/css/main.css", Class{Kind: KindTheme}},
		{"harbor.gbtheme/main.bas", Class{Kind: KindTheme}},
		{"harbor.gbdrive/report.docx", Class{Kind: KindDrive}},
		{"harbor.gbdata/products.csv", Class{Kind: KindData}},
		{"README.md", Class{Kind: KindOther}},
		{"package.json", Class{Kind: KindOther}},
		{"harbor.gbkb", Class{Kind: KindOther}},
	} {
		t.Run(tt.path, func(t *testing.T) {
			if got := Classify(tt.path); got != tt.want {
				t.Fatalf("Classify(%q) = %+v, want %+v", tt.path, got, tt.want)
			}
		})
	}
}
