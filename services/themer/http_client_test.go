package themer

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDemoPage(t *testing.T) {
	store := newDirStorage(t)
	s := newUnitService(t, store)
	main := store.put(t, "harbor", "harbor.gbtheme/css/main.css", "body{}")
	apply(t, s, 1, main)
	apply(t, s, 2, store.put(t, "harbor", "harbor.gbtheme/a.css", "p{}"))
	apply(t, s, 3, store.put(t, "harbor", "harbor.gbtheme/app.js", "1"))
	s.setValues("harbor", Values{"theme-color1": "#0a7", "theme-title": "<b>Harbor</b>"}, 4)

	rec := httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/bots/harbor/", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	for _, want := range []string{
		`<link rel="stylesheet" href="/bots/harbor/theme/a.css?v=` + etagOf([]byte("p{}")) + `" data-themer-path="a.css">`,
		`<link rel="stylesheet" href="/bots/harbor/theme/css/main.css?v=` + main.ETag + `" data-themer-path="css/main.css">`,
		`<script src="/themer.js" data-events="/bots/harbor/theme/events"></script>`,
		`--theme-color1: #0a7;`,
		`--theme-title: "\3c b\3e Harbor\3c /b\3e ";`,
		`data-theme-text="theme-title">&lt;b&gt;Harbor&lt;/b&gt;</h1>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s\n%s", want, page)
		}
	}
	rec = httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/bots/harbor", nil))
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/bots/harbor/" {
		t.Errorf("/bots/harbor: %d to %q, want a redirect to /bots/harbor/", rec.Code, rec.Header().Get("Location"))
	}
	if strings.Contains(page, "app.js") {
		t.Error("the page links a theme script as a stylesheet")
	}
	if strings.Index(page, "a.css") > strings.Index(page, "css/main.css") {
		t.Error("stylesheets not in path order")
	}
}

func TestClientScript(t *testing.T) {
	s := newUnitService(t, newDirStorage(t))
	rec := httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/themer.js", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || rec.Header().Get("ETag") == "" {
		t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
	}
	body := rec.Body.String()
	for _, want := range []string{"EventSource", "theme.css", "theme.vars", "theme.reload", "theme.snapshot", "setProperty"} {
		if !strings.Contains(body, want) {
			t.Errorf("themer.js lacks %q", want)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/themer.js", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec = httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Fatalf("revalidation: status %d, want 304", rec.Code)
	}
}
