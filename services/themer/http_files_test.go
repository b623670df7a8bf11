package themer

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/pkg/events"
)

// newUnitService is a service without JetStream whose state is fed by
// hand: enough for the file, demo and client routes.
func newUnitService(t *testing.T, store *dirStorage) *Service {
	t.Helper()
	s, err := New(Config{}, Deps{JS: noJetStream{}, Storage: store})
	if err != nil {
		t.Fatal(err)
	}
	s.markReady()
	return s
}

// apply feeds a change to the service as the consumer would.
func apply(t *testing.T, s *Service, seq uint64, c events.Change) {
	t.Helper()
	c.Seq = seq
	if _, err := s.hub.update(c.Bot, seq, func(th *Theme) []streamEvent { th.applyTheme(&c); return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestThemeFileServing(t *testing.T) {
	store := newDirStorage(t)
	s := newUnitService(t, store)
	css := store.put(t, "harbor", "harbor.gbtheme/css/main.css", "body{color:red}")
	apply(t, s, 1, css)
	apply(t, s, 2, store.put(t, "harbor", "harbor.gbtheme/img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"))
	apply(t, s, 3, store.put(t, "harbor", "harbor.gbtheme/a b.js", "1"))
	store.put(t, "harbor", "harbor.gbot/config.csv", "theme-color1,red") // not a theme file
	h := s.Routes()
	etag := `"` + css.ETag + `"`

	tests := []struct {
		name        string
		target      string
		header      map[string]string
		wantStatus  int
		wantType    string
		wantBody    string
		wantCaching string
	}{
		{name: "stylesheet", target: "/bots/harbor/theme/css/main.css", wantStatus: 200, wantType: "text/css; charset=utf-8", wantBody: "body{color:red}", wantCaching: "no-cache"},
		{name: "current version is immutable", target: "/bots/harbor/theme/css/main.css?v=" + css.ETag, wantStatus: 200, wantCaching: "public, max-age=31536000, immutable"},
		{name: "old version revalidates", target: "/bots/harbor/theme/css/main.css?v=old", wantStatus: 200, wantCaching: "no-cache"},
		{name: "not modified", target: "/bots/harbor/theme/css/main.css", header: map[string]string{"If-None-Match": etag}, wantStatus: 304},
		{name: "not modified, weak and listed", target: "/bots/harbor/theme/css/main.css", header: map[string]string{"If-None-Match": `"x", W/` + etag}, wantStatus: 304},
		{name: "other etag", target: "/bots/harbor/theme/css/main.css", header: map[string]string{"If-None-Match": `"x"`}, wantStatus: 200},
		{name: "svg type", target: "/bots/harbor/theme/img/logo.svg", wantStatus: 200, wantType: "image/svg+xml"},
		{name: "escaped space", target: "/bots/harbor/theme/a%20b.js", wantStatus: 200, wantType: "text/javascript; charset=utf-8"},
		{name: "unknown file", target: "/bots/harbor/theme/css/none.css", wantStatus: 404},
		{name: "other bot", target: "/bots/other/theme/css/main.css", wantStatus: 404},
		{name: "double-encoded dots are a name, not a step up", target: "/bots/harbor/theme/%252e%252e/harbor.gbot/config.csv", wantStatus: 404},
		{name: "config is not a theme file", target: "/bots/harbor/theme/harbor.gbot/config.csv", wantStatus: 404},
		{name: "dot dot", target: "/bots/harbor/theme/../harbor.gbot/config.csv", wantStatus: 400},
		{name: "dot dot inside", target: "/bots/harbor/theme/css/../../harbor.gbot/config.csv", wantStatus: 400},
		{name: "encoded dot dot", target: "/bots/harbor/theme/%2e%2e/harbor.gbot/config.csv", wantStatus: 400},
		{name: "encoded dot dot upper case", target: "/bots/harbor/theme/css/%2E%2E/%2E%2E/harbor.gbot/config.csv", wantStatus: 400},
		{name: "encoded slash", target: "/bots/harbor/theme/css%2f..%2f..%2fharbor.gbot%2fconfig.csv", wantStatus: 400},
		{name: "encoded slash upper case", target: "/bots/harbor/theme/%2Fetc%2Fpasswd", wantStatus: 400},
		{name: "encoded backslash", target: "/bots/harbor/theme/..%5c..%5charbor.gbot%5cconfig.csv", wantStatus: 400},
		{name: "backslash", target: `/bots/harbor/theme/css\..\..\x`, wantStatus: 400},
		{name: "encoded NUL", target: "/bots/harbor/theme/css/main.css%00.png", wantStatus: 400},
		{name: "empty segment", target: "/bots/harbor/theme//etc/passwd", wantStatus: 400},
		{name: "dot segment", target: "/bots/harbor/theme/./css/main.css", wantStatus: 400},
		{name: "trailing slash", target: "/bots/harbor/theme/css/", wantStatus: 400},
		{name: "bad bot", target: "/bots/..%2f/theme/css/main.css", wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := store.readCount()
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("%s: status %d, want %d (%s)", tt.target, rec.Code, tt.wantStatus, strings.TrimSpace(rec.Body.String()))
			}
			if tt.wantStatus >= 400 && store.readCount() != before {
				t.Fatalf("%s: a refused request read the storage", tt.target)
			}
			if tt.wantType != "" && rec.Header().Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type %q, want %q", rec.Header().Get("Content-Type"), tt.wantType)
			}
			if tt.wantBody != "" && rec.Body.String() != tt.wantBody {
				t.Errorf("body %q, want %q", rec.Body.String(), tt.wantBody)
			}
			if tt.wantCaching != "" && rec.Header().Get("Cache-Control") != tt.wantCaching {
				t.Errorf("Cache-Control %q, want %q", rec.Header().Get("Cache-Control"), tt.wantCaching)
			}
			if rec.Code == 200 || rec.Code == 304 {
				if rec.Header().Get("ETag") == "" {
					t.Error("no ETag")
				}
			}
		})
	}
}

func TestThemeFileGoneFromStorage(t *testing.T) {
	store := newDirStorage(t)
	s := newUnitService(t, store)
	apply(t, s, 1, store.put(t, "harbor", "harbor.gbtheme/a.css", "x"))
	store.del(t, "harbor", "harbor.gbtheme/a.css") // the delete event is still on its way
	rec := httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/bots/harbor/theme/a.css", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
}

func TestThemePath(t *testing.T) {
	tests := []struct {
		name    string
		escaped string
		want    string
		wantErr bool
	}{
		{name: "plain", escaped: "css/main.css", want: "css/main.css"},
		{name: "escaped space", escaped: "my%20style.css", want: "my style.css"},
		{name: "percent literal", escaped: "100%25.css", want: "100%.css"},
		{name: "encoded dots", escaped: "%2e%2e/x", wantErr: true},
		{name: "encoded slash", escaped: "a%2Fb", wantErr: true},
		{name: "encoded backslash", escaped: "a%5Cb", wantErr: true},
		{name: "NUL", escaped: "a%00", wantErr: true},
		{name: "control", escaped: "a%0a", wantErr: true},
		{name: "absolute", escaped: "/etc/passwd", wantErr: true},
		{name: "drive letter", escaped: "C:/x", wantErr: true},
		{name: "empty", escaped: "", wantErr: true},
		{name: "bad escape", escaped: "%zz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := themePath(tt.escaped)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("themePath(%q) = %q, %v; want %q, error %v", tt.escaped, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
