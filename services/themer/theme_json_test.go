package themer

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/pkg/events"
)

// pathForm is a path as the themer's JSON writes it.
type pathForm struct {
	Path    string `json:"path"`
	PathB64 string `json:"path_b64"`
	URL     string `json:"url"`
	Deleted bool   `json:"deleted"`
}

// exact decodes a path's JSON form, failing on bad base64, on a path_b64
// whose display form is not "path", and on a path_b64 for a UTF-8 path.
func (p pathForm) exact(t *testing.T) string {
	t.Helper()
	if p.PathB64 == "" {
		return p.Path
	}
	raw, err := base64.StdEncoding.DecodeString(p.PathB64)
	if err != nil {
		t.Fatalf("path_b64 %q: %v", p.PathB64, err)
	}
	if got := events.DisplayPath(string(raw)); got != p.Path {
		t.Fatalf("path %q is not the display form %q of path_b64", p.Path, got)
	}
	return string(raw)
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// Two stylesheets whose names differ only in bytes that are not UTF-8 go
// through JetStream and the themer: snapshot entries and live events tell
// them apart with path_b64, a UTF-8 name has none, and the URL of each
// fetches that very file.
func TestIntegrationNonUTF8ThemePaths(t *testing.T) {
	const (
		e9    = "caf\xe9.css"
		e8    = "caf\xe8.css"
		plain = "café.css"
	)
	content := map[string]string{e9: "p{color:#e9e9e9}", e8: "p{color:#e8e8e8}", plain: "p{color:#fff}"}
	r := newRig(t, Config{})
	var last uint64
	for _, p := range []string{e9, e8, plain} {
		last = r.write(t, "harbor", "harbor.gbtheme/"+p, content[p])
	}
	r.waitApplied(t, last)

	s := openStream(t, r.srv.URL+"/bots/harbor/theme/events", nil)
	ev := s.next(t)
	if ev.name != EventSnapshot {
		t.Fatalf("first event %s", ev.name)
	}
	var snap struct {
		CSS   []pathForm `json:"css"`
		Files []pathForm `json:"files"`
	}
	if err := json.Unmarshal([]byte(ev.data), &snap); err != nil {
		t.Fatal(err)
	}
	for what, list := range map[string][]pathForm{"css": snap.CSS, "files": snap.Files} {
		var got []string
		for _, f := range list {
			p := f.exact(t)
			got = append(got, p)
			if p != plain && f.Path != "caf\uFFFD.css" {
				t.Errorf("%s: shown path %q, want %q", what, f.Path, "caf\uFFFD.css")
			}
			if p == plain && f.PathB64 != "" {
				t.Errorf("%s: UTF-8 %q has path_b64 %q", what, p, f.PathB64)
			}
			if what == "css" {
				if body := getBody(t, r.srv.URL+f.URL); body != content[p] {
					t.Errorf("GET %s (for %q) = %q, want %q", f.URL, p, body, content[p])
				}
			}
		}
		slices.Sort(got)
		if want := []string{plain, e8, e9}; !slices.Equal(got, want) {
			t.Fatalf("snapshot %s paths %q, want %q", what, got, want)
		}
	}
	// The Go type reads the exact paths back.
	if got := decode[SnapshotEvent](t, ev); len(got.CSS) != 3 || got.CSS[1].Path != e8 || got.CSS[2].Path != e9 || got.Files[2].Path != e9 {
		t.Fatalf("decoded snapshot %+v", got)
	}

	// Live: each change names its own file.
	r.write(t, "harbor", "harbor.gbtheme/"+e8, "p{color:#080808}")
	ev = s.next(t)
	var css pathForm
	if err := json.Unmarshal([]byte(ev.data), &css); err != nil {
		t.Fatal(err)
	}
	if ev.name != EventCSS || css.exact(t) != e8 || !strings.Contains(css.URL, "/caf%E8.css?v=") {
		t.Fatalf("got %s %s, want theme.css for %q", ev.name, ev.data, e8)
	}
	if body := getBody(t, r.srv.URL+css.URL); body != "p{color:#080808}" {
		t.Fatalf("GET %s = %q", css.URL, body)
	}
	r.publish(t, r.store.del(t, "harbor", "harbor.gbtheme/"+e9))
	ev = s.next(t)
	if err := json.Unmarshal([]byte(ev.data), &css); err != nil {
		t.Fatal(err)
	}
	if ev.name != EventCSS || !css.Deleted || css.exact(t) != e9 {
		t.Fatalf("got %s %s, want the deletion of %q", ev.name, ev.data, e9)
	}
	r.write(t, "harbor", "harbor.gbtheme/caf\xe9.js", "1")
	ev = s.next(t)
	var reload pathForm
	if err := json.Unmarshal([]byte(ev.data), &reload); err != nil {
		t.Fatal(err)
	}
	if ev.name != EventReload || reload.exact(t) != "caf\xe9.js" {
		t.Fatalf("got %s %s, want theme.reload for caf\\xe9.js", ev.name, ev.data)
	}
	if got := decode[ReloadEvent](t, ev); got.Path != "caf\xe9.js" {
		t.Fatalf("decoded reload path %q", got.Path)
	}
	// The deleted stylesheet is gone; its look-alike is still served.
	resp, err := http.Get(r.srv.URL + "/bots/harbor/theme/caf%E9.css")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("deleted caf\\xe9.css: status %d, want 404", resp.StatusCode)
	}
	if body := getBody(t, r.srv.URL+"/bots/harbor/theme/caf%e8.css"); body != "p{color:#080808}" {
		t.Fatalf("caf%%e8.css = %q", body)
	}
}

// The demo page marks each stylesheet with its exact path, so themer.js
// keeps look-alike names apart.
func TestDemoPageNonUTF8Paths(t *testing.T) {
	store := newDirStorage(t)
	s := newUnitService(t, store)
	e9 := store.put(t, "harbor", "harbor.gbtheme/caf\xe9.css", "a{}")
	apply(t, s, 1, e9)
	apply(t, s, 2, store.put(t, "harbor", "harbor.gbtheme/a.css", "p{}"))
	srv := httptest.NewServer(s.Routes())
	defer srv.Close()
	page := getBody(t, srv.URL+"/bots/harbor/")
	want := `<link rel="stylesheet" href="/bots/harbor/theme/caf%E9.css?v=` + e9.ETag + `" data-themer-path="caf` + "\uFFFD" + `.css" data-themer-path-b64="` + base64.StdEncoding.EncodeToString([]byte("caf\xe9.css")) + `">`
	if !strings.Contains(page, want) {
		t.Fatalf("page lacks %s\n%s", want, page)
	}
	if !strings.Contains(page, `data-themer-path="a.css">`) {
		t.Fatalf("a UTF-8 stylesheet has a data-themer-path-b64:\n%s", page)
	}
}

func TestThemeJSONBadBase64(t *testing.T) {
	for _, v := range []any{&File{}, &CSSEvent{}, &ReloadEvent{}} {
		err := json.Unmarshal([]byte(`{"path":"a.css","path_b64":"!"}`), v)
		if err == nil || !strings.Contains(err.Error(), "path_b64") {
			t.Errorf("%T: bad path_b64: err = %v", v, err)
		}
	}
}
