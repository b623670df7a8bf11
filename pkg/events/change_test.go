package events

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func sample() Change {
	c := NewChange("harbor", OpUpdated, "harbor.gbdialog/start.bas")
	c.ETag, c.Size, c.MTime = "9e107d9d372bb6826bd81d3542a419d6", 120, 1763700000000
	c.Source, c.DetectedBy = SourceDir, DetectedByWatch
	c.SetID()
	return c
}

func TestChangeJSONRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*Change)
	}{
		{"plain", func(*Change) {}},
		{"not utf-8 path", func(c *Change) { c.Path = "harbor.gbdialog/caf\xe9\xff.bas" }},
		{"moved from not utf-8", func(c *Change) {
			c.Op, c.From = OpMoved, "harbor.gbdialog/\xc3(.bas"
		}},
		{"KB folder not utf-8", func(c *Change) {
			c.Path, c.Kind, c.KB = "harbor.gbkb/caf\xe9/doc.md", KindKB, "caf\xe9"
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := sample()
			tt.edit(&c)
			data, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(data) {
				t.Fatalf("invalid JSON %s", data)
			}
			got, err := DecodeData(data)
			if err != nil {
				t.Fatalf("DecodeData(%s): %v", data, err)
			}
			if got.Path != c.Path || got.From != c.From || got.KB != c.KB || got.ID != c.ID || got.ETag != c.ETag || got.MTime != c.MTime {
				t.Fatalf("round trip changed the event:\n got %+v\nwant %+v", got, c)
			}
		})
	}
}

func TestChangeJSONFieldNames(t *testing.T) {
	c := sample()
	data, _ := json.Marshal(c)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"v", "id", "bot", "kind", "op", "path", "etag", "size", "mtime", "source", "detected_by"} {
		if _, ok := m[f]; !ok {
			t.Errorf("field %q missing from %s", f, data)
		}
	}
	if _, ok := m["path_b64"]; ok {
		t.Errorf("path_b64 present for a UTF-8 path: %s", data)
	}
}

// TestOutcomeJSONNonUTF8: an outcome names a file and its KB folder byte
// for byte, and shows them readable.
func TestOutcomeJSONNonUTF8(t *testing.T) {
	c := NewChange("harbor", OpCreated, "harbor.gbkb/caf\xe9/doc\xe8.md")
	o := OutcomeFor("indexer", &c)
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m["kb"] != "caf\uFFFD" || m["kb_b64"] == nil || m["path_b64"] == nil {
		t.Errorf("wire form %s: want kb shown with U+FFFD, kb_b64 and path_b64", data)
	}
	var got Outcome
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.KB != "caf\xe9" || got.Path != c.Path {
		t.Errorf("round trip: kb %q path %q, want %q %q", got.KB, got.Path, "caf\xe9", c.Path)
	}
	if err := json.Unmarshal([]byte(`{"kb":"x","kb_b64":"%%"}`), &got); err == nil || !strings.Contains(err.Error(), "kb_b64") {
		t.Errorf("bad kb_b64: %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*Change)
		want string
	}{
		{"future version", func(c *Change) { c.V = Version + 1 }, "version"},
		{"bad bot", func(c *Change) { c.Bot = "a.b" }, "bot"},
		{"traversal", func(c *Change) { c.Path = "../x.bas" }, "path"},
		{"wrong kind", func(c *Change) { c.Kind = KindKB }, "kind"},
		{"unknown op", func(c *Change) { c.Op = "renamed" }, "op"},
		{"from without move", func(c *Change) { c.From = "a.bas" }, "from"},
		{"moved without from", func(c *Change) { c.Op = OpMoved }, "from"},
		{"moved across kinds", func(c *Change) {
			c.Op, c.From, c.Path, c.Kind, c.KB = OpMoved, "h.gbkb/faq/a.md", "h.gbdrive/a.md", KindDrive, ""
		}, "crosses kinds"},
		{"unknown source", func(c *Change) { c.Source = "ftp" }, "source"},
		{"unknown detection", func(c *Change) { c.DetectedBy = "guess" }, "detected_by"},
		{"negative size", func(c *Change) { c.Size = -1 }, "size"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := sample()
			tt.edit(&c)
			err := c.Validate()
			if err == nil || !errors.Is(err, ErrBadChange) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v; want an ErrBadChange mentioning %q", err, tt.want)
			}
		})
	}
	ok := sample()
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid change rejected: %v", err)
	}
}

func TestComputeID(t *testing.T) {
	a := sample()
	b := a
	b.Op, b.DetectedBy, b.Source, b.MTime, b.Size = OpCreated, DetectedByReconcile, SourceS3, 1, 2
	if ComputeID(&a) != ComputeID(&b) {
		t.Fatal("the same transition seen two ways must have one id")
	}
	for _, tt := range []struct {
		name string
		edit func(*Change)
	}{
		{"other etag", func(c *Change) { c.ETag = "x" }},
		{"other base", func(c *Change) { c.Base = 7 }},
		{"other path", func(c *Change) { c.Path = "harbor.gbdialog/other.bas" }},
		{"other bot", func(c *Change) { c.Bot = "harbor2" }},
		{"delete", func(c *Change) { c.Op = OpDeleted }},
		{"field boundary", func(c *Change) { c.Bot, c.Path = "harbo", "rharbor.gbdialog/start.bas" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := sample()
			tt.edit(&c)
			if ComputeID(&c) == ComputeID(&a) {
				t.Fatalf("%s kept the id", tt.name)
			}
		})
	}
}

func TestSubjects(t *testing.T) {
	c := sample()
	s := ChangeSubject(&c)
	bot, kind, tok, err := ParseChangeSubject(s)
	if err != nil || bot != "harbor" || kind != KindDialog || tok != PathToken(c.Path) {
		t.Fatalf("ParseChangeSubject(%q) = %q %q %q %v", s, bot, kind, tok, err)
	}
	if len(tok) != 32 || strings.ContainsAny(tok, ".*> ") {
		t.Fatalf("path token %q is not a safe subject token", tok)
	}
	if got := OutcomeSubject("compiler", "harbor"); got != "outcome.compiler.harbor" {
		t.Fatalf("OutcomeSubject = %q", got)
	}
	if got := DeadSubject("indexer", s); got != "dead.indexer."+s {
		t.Fatalf("DeadSubject = %q", got)
	}
}

func TestLogAttrs(t *testing.T) {
	c := sample()
	c.Path = "harbor.gbdialog/caf\xe9.bas"
	got := map[any]any{}
	attrs := c.LogAttrs()
	for i := 0; i+1 < len(attrs); i += 2 {
		got[attrs[i]] = attrs[i+1]
	}
	if got["bot"] != "harbor" || got["path"] != "harbor.gbdialog/caf\uFFFD.bas" || got["etag"] != c.ETag {
		t.Fatalf("LogAttrs = %v", attrs)
	}
}

// TestDecodeIgnoresInlineContent: the contract once documented an inline
// "content" field; a message that still carries one decodes as the same
// change, without it.
func TestDecodeIgnoresInlineContent(t *testing.T) {
	data := []byte(`{"v":1,"id":"x","op":"created","bot":"harbor","kind":"dialog","path":"harbor.gbdialog/start.bas",` +
		`"etag":"e1","size":10,"mtime":1763700000000,"source":"s3","detected_by":"notify","content":"VEFMSyAiaGkiCg=="}`)
	c, err := DecodeData(data)
	if err != nil {
		t.Fatalf("DecodeData: %v", err)
	}
	if c.Path != "harbor.gbdialog/start.bas" || c.ETag != "e1" || c.Size != 10 {
		t.Fatalf("decoded %+v", c)
	}
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "content") {
		t.Fatalf("re-encoded change still has content: %s", out)
	}
}
