package themer

import (
	"testing"

	"github.com/drivemon/drivemon/pkg/events"
)

func change(bot string, op events.Op, path, etag string) events.Change {
	c := events.NewChange(bot, op, path)
	c.ETag = etag
	c.Source, c.DetectedBy = events.SourceDir, events.DetectedByWatch
	return c
}

func TestThemeEvent(t *testing.T) {
	moved := change("harbor", events.OpMoved, "harbor.gbtheme/css/new.css", "e2")
	moved.From = "harbor.gbtheme/css/old.css"
	tests := []struct {
		name     string
		change   events.Change
		wantName string
		wantData any
	}{
		{
			name:     "stylesheet written",
			change:   change("harbor", events.OpUpdated, "harbor.gbtheme/css/main.css", "abc"),
			wantName: EventCSS,
			wantData: CSSEvent{Path: "css/main.css", URL: "/bots/harbor/theme/css/main.css?v=abc", Hash: "abc"},
		},
		{
			name:     "stylesheet with spaces and upper-case extension",
			change:   change("harbor", events.OpCreated, "Harbor.GBTHEME/my style.CSS", "h"),
			wantName: EventCSS,
			wantData: CSSEvent{Path: "my style.CSS", URL: "/bots/harbor/theme/my%20style.CSS?v=h", Hash: "h"},
		},
		{
			name:     "stylesheet deleted",
			change:   change("harbor", events.OpDeleted, "harbor.gbtheme/css/main.css", ""),
			wantName: EventCSS,
			wantData: CSSEvent{Path: "css/main.css", URL: "/bots/harbor/theme/css/main.css", Deleted: true},
		},
		{
			name:     "script needs a reload",
			change:   change("harbor", events.OpUpdated, "harbor.gbtheme/js/app.js", "j"),
			wantName: EventReload,
			wantData: ReloadEvent{Path: "js/app.js", Reason: "updated (not a stylesheet)"},
		},
		{
			name:     "move needs a reload",
			change:   moved,
			wantName: EventReload,
			wantData: ReloadEvent{Path: "css/new.css", Reason: "moved"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ok := themeEvent(&tt.change)
			if !ok {
				t.Fatalf("no event for %+v", tt.change)
			}
			if ev.name != tt.wantName || ev.data != tt.wantData {
				t.Fatalf("event = %s %+v, want %s %+v", ev.name, ev.data, tt.wantName, tt.wantData)
			}
		})
	}
	cfg := change("harbor", events.OpUpdated, "harbor.gbot/config.csv", "c")
	if _, ok := themeEvent(&cfg); ok {
		t.Fatal("a config change made a theme event")
	}
}

func TestApplyTheme(t *testing.T) {
	th := newTheme()
	for _, c := range []events.Change{
		change("harbor", events.OpCreated, "harbor.gbtheme/css/main.css", "1"),
		change("harbor", events.OpCreated, "harbor.gbtheme/js/app.js", "2"),
		change("harbor", events.OpUpdated, "harbor.gbtheme/css/main.css", "3"),
		change("harbor", events.OpCreated, "harbor.gbtheme/a.css", "4"),
	} {
		th.applyTheme(&c)
	}
	if got := th.Files["css/main.css"]; got.Hash != "3" || got.PackagePath != "harbor.gbtheme/css/main.css" {
		t.Fatalf("css/main.css = %+v, want hash 3", got)
	}
	sheets := th.Stylesheets()
	if len(sheets) != 2 || sheets[0].Path != "a.css" || sheets[1].Path != "css/main.css" {
		t.Fatalf("stylesheets = %+v, want a.css, css/main.css", sheets)
	}
	mv := change("harbor", events.OpMoved, "harbor.gbtheme/b.css", "4")
	mv.From = "harbor.gbtheme/a.css"
	th.applyTheme(&mv)
	del := change("harbor", events.OpDeleted, "harbor.gbtheme/js/app.js", "")
	th.applyTheme(&del)
	if _, ok := th.Files["a.css"]; ok {
		t.Fatal("a.css still there after the move")
	}
	if _, ok := th.Files["js/app.js"]; ok {
		t.Fatal("js/app.js still there after the delete")
	}
	if got := th.Files["b.css"]; got.Hash != "4" {
		t.Fatalf("b.css = %+v after the move", got)
	}
	// A delete in another .gbtheme folder does not remove this folder's file.
	other := change("harbor", events.OpDeleted, "other.gbtheme/b.css", "")
	th.applyTheme(&other)
	if _, ok := th.Files["b.css"]; !ok {
		t.Fatal("a delete in another theme folder removed b.css")
	}
}

func TestFileURL(t *testing.T) {
	tests := []struct {
		name, rel, hash, want string
	}{
		{name: "plain", rel: "css/main.css", hash: "abc", want: "/bots/h/theme/css/main.css?v=abc"},
		{name: "escaped segments", rel: "a b/c?d#e.css", hash: "", want: "/bots/h/theme/a%20b/c%3Fd%23e.css"},
		{name: "hash escaped", rel: "x.css", hash: "a&b", want: "/bots/h/theme/x.css?v=a%26b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FileURL("h", tt.rel, tt.hash); got != tt.want {
				t.Fatalf("FileURL = %q, want %q", got, tt.want)
			}
		})
	}
}
