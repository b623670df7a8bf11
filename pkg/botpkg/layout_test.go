package botpkg

import (
	"reflect"
	"testing"
)

func TestClassify(t *testing.T) {
	for path, want := range map[string]Class{
		"harbor.gbdialog/start.bas":        {Kind: KindDialog},
		"start.BAS":                        {Kind: KindDialog},
		"marketing.gbdialog/sub/x.bas":     {Kind: KindDialog},
		"marketing.gbdialog/readme.md":     {Kind: KindOther},
		"harbor.gbkb/faq/a.md":             {Kind: KindKB, KB: "faq"},
		"harbor.GBKB/faq/deep/b.pdf":       {Kind: KindKB, KB: "faq"},
		"harbor.gbkb/loose.txt":            {Kind: KindKB, KB: DefaultKB},
		"harbor.gbkb/faq/tool.bas":         {Kind: KindKB, KB: "faq"},
		".gbkb/faq/a.md":                   {Kind: KindOther},
		"harbor.gbot/config.csv":           {Kind: KindConfig},
		"marketing.gbot/CONFIG.CSV":        {Kind: KindConfig},
		"harbor.gbot/other.csv":            {Kind: KindOther},
		"harbor.gbot/sub/config.csv":       {Kind: KindOther},
		"config.csv":                       {Kind: KindOther},
		"harbor.gbtheme/style.css":         {Kind: KindTheme},
		"harbor.gbtheme/x.bas":             {Kind: KindTheme},
		"harbor.gbdrive/in/report.xlsx":    {Kind: KindDrive},
		"harbor.gbdata/t.csv":              {Kind: KindData},
		"harbor.gbtheme":                   {Kind: KindOther},
		"notes.txt":                        {Kind: KindOther},
		"harbor.gbdrive.old/a.bas":         {Kind: KindDialog},
		"harbor.gbai/harbor.gbkb/faq/a.md": {Kind: KindOther},
	} {
		if got := Classify(path); got != want {
			t.Errorf("Classify(%q) = %+v, want %+v", path, got, want)
		}
	}
}

func TestFolderKind(t *testing.T) {
	for folder, want := range map[string]Kind{
		"harbor.gbdialog": KindDialog, "x.gbkb": KindKB, "marketing.gbot": KindConfig,
		"H.GBTHEME": KindTheme, "a.gbdrive": KindDrive, "a.gbdata": KindData,
		".gbkb": KindOther, "docs": KindOther, "x.gbai": KindOther, "gbkb": KindOther,
	} {
		if got := FolderKind(folder); got != want {
			t.Errorf("FolderKind(%q) = %q, want %q", folder, got, want)
		}
	}
}

func TestClassifyName(t *testing.T) {
	for name, want := range map[string]Kind{
		"start.bas": KindDialog, "dir/x.Bas": KindDialog, "config.csv": KindConfig,
		"any/Config.CSV": KindConfig, "data.csv": KindOther, ".bas": KindOther,
	} {
		if got := ClassifyName(name); got != want {
			t.Errorf("ClassifyName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestKBNames(t *testing.T) {
	got := KBNames([]string{
		"h.gbkb/faq/a.md", "h.gbkb/faq/b.md", "h.gbkb/loose.md", "other.gbkb/prices/p.pdf",
		"h.gbdialog/start.bas", "h.gbkb/Faq/c.md",
	})
	if want := []string{"Faq", "default", "faq", "prices"}; !reflect.DeepEqual(got, want) {
		t.Errorf("KBNames = %v, want %v", got, want)
	}
	if got := KBNames(nil); got == nil || len(got) != 0 {
		t.Errorf("KBNames(nil) = %#v, want empty", got)
	}
}

func TestGoverningConfigs(t *testing.T) {
	for _, tc := range []struct {
		bot, path string
		want      []string
	}{
		{"harbor", "harbor.gbkb/faq/a.md", []string{"harbor.gbot/config.csv"}},
		{"campaign-manager", "marketing.gbkb/faq/a.md", []string{"marketing.gbot/config.csv", "campaign-manager.gbot/config.csv"}},
		{"campaign-manager", "Marketing.GBTHEME/style.css", []string{"Marketing.gbot/config.csv", "campaign-manager.gbot/config.csv"}},
		{"harbor", "start.bas", []string{"harbor.gbot/config.csv"}},
		{"harbor", "docs/a.md", []string{"harbor.gbot/config.csv"}},
		{"harbor", "", []string{"harbor.gbot/config.csv"}},
	} {
		if got := GoverningConfigs(tc.bot, tc.path); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("GoverningConfigs(%q, %q) = %v, want %v", tc.bot, tc.path, got, tc.want)
		}
	}
}

func TestPrimaryConfig(t *testing.T) {
	for _, tc := range []struct {
		paths []string
		want  int
	}{
		{[]string{"a.gbot/config.csv", "Harbor.gbot/Config.csv"}, 1},
		{[]string{"a.gbot/config.csv", "b.gbot/config.csv"}, 0},
		{nil, -1},
	} {
		if got := PrimaryConfig("harbor", tc.paths); got != tc.want {
			t.Errorf("PrimaryConfig(%v) = %d, want %d", tc.paths, got, tc.want)
		}
	}
}
