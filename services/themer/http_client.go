package themer

import (
	"bytes"
	_ "embed"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/drivemon/drivemon/pkg/events"
)

//go:embed themer.js
var clientJS []byte

// clientETag versions themer.js by its content.
var clientETag = strconv.Quote(events.PathToken(string(clientJS)))

// handleClient serves GET /themer.js.
func (s *Service) handleClient(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", clientETag)
	http.ServeContent(w, r, "themer.js", time.Time{}, bytes.NewReader(clientJS))
}

//go:embed demo.html
var demoHTML string

var demoPage = template.Must(template.New("demo").Parse(demoHTML))

// cssDecl is one custom property of :root. CSSVars admits only fixed
// names, colour syntax, url("…") and escaped strings, so both are safe as
// CSS.
type cssDecl struct{ Name, Value template.CSS }

// cssLink is one stylesheet of the demo page: its URL and its path in the
// JSON form of the stream (Path shown, PathB64 the exact bytes when Path
// is not UTF-8), which themer.js matches links by.
type cssLink struct{ URL, Path, PathB64 string }

type demoData struct {
	Bot             string
	Title, LogoText string
	Vars            []cssDecl
	CSS             []cssLink
	Events          string
}

// handleDemo serves GET /bots/{bot}/: a page that links every stylesheet of
// the bot's theme, starts with its variables and follows it with themer.js.
func (s *Service) handleDemo(w http.ResponseWriter, r *http.Request) {
	bot := chi.URLParam(r, "bot")
	if err := events.ValidBot(bot); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := s.waitReady(r.Context()); err != nil {
		w.Header().Set("Retry-After", retryAfter(s.cfg.Retry))
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	snap := snapshotOf(bot, s.hub.theme(bot))
	d := demoData{
		Bot: bot, Title: snap.Values["theme-title"], LogoText: snap.Values["theme-logo-text"],
		Events: "/bots/" + bot + "/theme/events",
	}
	for _, c := range snap.CSS {
		l := cssLink{URL: c.URL}
		l.Path, l.PathB64 = events.PathToJSON(c.Path)
		d.CSS = append(d.CSS, l)
	}
	if d.Title == "" {
		d.Title = bot
	}
	for _, k := range slices.Sorted(maps.Keys(snap.Vars)) {
		d.Vars = append(d.Vars, cssDecl{Name: template.CSS(k), Value: template.CSS(snap.Vars[k])})
	}
	var buf bytes.Buffer
	if err := demoPage.Execute(&buf, d); err != nil {
		s.log.Error("rendering the demo page", "bot", bot, "err", err)
		http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(buf.Bytes())
}
