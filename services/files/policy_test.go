package files

import (
	"errors"
	"testing"

	"github.com/drivemon/drivemon/pkg/events"
)

func TestPolicy(t *testing.T) {
	p := policy{folders: []string{".gbdrive", ".gbdata", ".gbexports"}}
	for _, tt := range []struct {
		path string
		want error
	}{
		{"h.gbdrive/a.txt", nil},
		{"h.gbdrive/deep/er/a.docx", nil},
		{"h.GBDATA/rows.csv", nil},
		{"h.gbdata/script.bas", nil}, // data, not a dialog (events.Classify)
		{"h.gbexports/report.pdf", nil},
		{"h.gbexports/new-tool.bas", ErrNotWritable}, // would compile as a dialog
		{"h.gbdialog/start.bas", ErrNotWritable},
		{"h.gbot/config.csv", ErrNotWritable},
		{"h.gbkb/faq/a.md", ErrNotWritable},
		{"h.gbtheme/css/a.css", ErrNotWritable},
		{"h.gbdrive", ErrNotWritable},
		{"notes.txt", ErrNotWritable},
		{"h.gbdrive/../h.gbdialog/x.bas", events.ErrBadPath},
	} {
		t.Run(tt.path, func(t *testing.T) {
			_, err := p.check(tt.path)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("check(%q) = %v, want %v", tt.path, err, tt.want)
			}
		})
	}
}
