package events

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"a.gbdialog/x.bas", "../x", "a//b", "a\\b", "a\x00", "caf\xe9/x", "/abs", "a/./b", "C:/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := CleanPath(p)
		if err != nil {
			return
		}
		if got != p {
			t.Fatalf("CleanPath rewrote %q to %q", p, got)
		}
		for _, seg := range strings.Split(got, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("accepted %q with segment %q", p, seg)
			}
		}
		if strings.ContainsAny(got, "\\\x00") || strings.HasPrefix(got, "/") {
			t.Fatalf("accepted %q", p)
		}
		// The JSON form of a change round-trips any accepted path.
		c := NewChange("bot", OpCreated, got)
		c.Source, c.DetectedBy = SourceDir, DetectedByWatch
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeData(data)
		if err != nil {
			t.Fatalf("decoding %s: %v", data, err)
		}
		if back.Path != got {
			t.Fatalf("path %q came back as %q", got, back.Path)
		}
	})
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"h.gbkb/faq/a.md", "h.gbkb/a.md", "h.gbot/config.csv", "x.bas", "h.gbtheme/c.css", "h.GBKB/x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c := Classify(p)
		switch c.Kind {
		case KindDialog, KindConfig, KindTheme, KindDrive, KindData, KindOther:
			if c.KB != "" {
				t.Fatalf("Classify(%q) = %+v: KB set for a non-KB kind", p, c)
			}
		case KindKB:
			if c.KB == "" {
				t.Fatalf("Classify(%q): KB kind without a KB name", p)
			}
			if strings.Contains(c.KB, "/") {
				t.Fatalf("Classify(%q): KB name %q has a slash", p, c.KB)
			}
		default:
			t.Fatalf("Classify(%q): unknown kind %q", p, c.Kind)
		}
		if Classify(p) != c {
			t.Fatalf("Classify(%q) is not deterministic", p)
		}
		if utf8.ValidString(p) && !utf8.ValidString(c.KB) {
			t.Fatalf("Classify(%q) made an invalid KB name", p)
		}
	})
}
