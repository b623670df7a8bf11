package detector

import (
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
)

func TestDecide(t *testing.T) {
	now := time.UnixMilli(5000)
	obj := func(etag string, size, mtime int64) drive.Object {
		return drive.Object{ETag: etag, Size: size, MTime: mtime}
	}
	live := &entry{Path: []byte("a.bas"), ETag: "e1", Size: 3, MTime: 100}
	for _, tc := range []struct {
		name      string
		o         observation
		cur       *entry
		wantOp    events.Op // "" = no change
		wantState bool
		wantETag  string
	}{
		{"new file", observation{Exists: true, Obj: obj("e1", 3, 100)}, nil, events.OpCreated, true, "e1"},
		{"after tombstone", observation{Exists: true, Obj: obj("e1", 3, 100)}, &entry{Deleted: true}, events.OpCreated, true, "e1"},
		{"same etag, same stat", observation{Exists: true, Obj: obj("e1", 3, 100)}, live, "", false, ""},
		{"same etag, new mtime: refresh only", observation{Exists: true, Obj: obj("e1", 3, 200)}, live, "", true, ""},
		{"new etag", observation{Exists: true, Obj: obj("e2", 3, 200)}, live, events.OpUpdated, true, "e2"},
		{"gone", observation{}, live, events.OpDeleted, true, "e1"},
		{"gone, never seen", observation{}, nil, "", false, ""},
		{"gone, already deleted", observation{}, &entry{Deleted: true}, "", false, ""},
		{"0-byte file", observation{Exists: true, Obj: obj(drive.ContentETag(nil), 0, 1)}, nil, events.OpCreated, true, drive.ContentETag(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Bot, tc.o.Path = "harbor", "a.bas"
			c, next := decide(tc.o, tc.cur, now)
			if (next != nil) != tc.wantState {
				t.Fatalf("state written: %v, want %v", next != nil, tc.wantState)
			}
			if tc.wantOp == "" {
				if c != nil {
					t.Fatalf("change %s, want none", c.Op)
				}
				return
			}
			if c == nil || c.Op != tc.wantOp || c.ETag != tc.wantETag || c.Kind != events.KindDialog {
				t.Fatalf("change %+v, want %s etag %s", c, tc.wantOp, tc.wantETag)
			}
			if next.Deleted != (tc.wantOp == events.OpDeleted) || string(next.Path) != "a.bas" {
				t.Fatalf("next state %+v", next)
			}
		})
	}
}

func TestSameListing(t *testing.T) {
	k := &entry{ETag: "e", Size: 1, MTime: 2}
	for _, tc := range []struct {
		name string
		k    *entry
		obj  drive.Object
		want bool
	}{
		{"s3 same etag", k, drive.Object{ETag: "e", Size: 9, MTime: 9}, true},
		{"s3 other etag", k, drive.Object{ETag: "f", Size: 1, MTime: 2}, false},
		{"dir same stat", k, drive.Object{Size: 1, MTime: 2}, true},
		{"dir other mtime", k, drive.Object{Size: 1, MTime: 3}, false},
		{"tombstone", &entry{Deleted: true, ETag: "e"}, drive.Object{ETag: "e"}, false},
		{"none", nil, drive.Object{ETag: "e"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameListing(tc.k, tc.obj); got != tc.want {
				t.Errorf("sameListing = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUnitKind(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		want       events.Kind
	}{
		{"kb", "x.gbkb/faq/a.pdf", events.KindKB},
		{"dialog folder", "x.gbdialog/readme.md", events.KindDialog},
		{"config folder", "x.gbot/other.txt", events.KindConfig},
		{"theme", "X.GBTHEME/a.css", events.KindTheme},
		{"drive", "x.gbdrive/a", events.KindDrive},
		{"data", "x.gbdata/a", events.KindData},
		{"other folder", "misc/a.bas", events.KindOther},
		{"top-level tool", "tool.bas", events.KindDialog},
		{"top-level file", "notes.txt", events.KindOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := unitKind(tc.path); got != tc.want {
				t.Errorf("unitKind(%q) = %s, want %s", tc.path, got, tc.want)
			}
		})
	}
}
