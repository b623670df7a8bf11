package compiler

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/compiler/diag"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// Tool formats of GET /api/bots/{bot}/tools.
const (
	FormatMCP    = "mcp"
	FormatOpenAI = "openai"
)

// Routes is the compiler's read API with absolute paths, to be mounted as
// is. Every answer is JSON; errors are {"error": "..."} with 400 for a bad
// request, 404 for an unknown bot or script, 500 when the store fails.
//
//	GET /api/bots                          bots with counts
//	GET /api/bots/{bot}/scripts            live scripts with diagnostics
//	GET /api/bots/{bot}/scripts/{path...}  one script with AST, tool, effects
//	GET /api/bots/{bot}/tools?format=mcp|openai  active tools (default mcp)
//	GET /api/bots/{bot}/effects            schedules, webhooks, references, tables
//	GET /api/bots/{bot}/config             the bot's config.csv settings
//
// Paths in answers follow events.PathToJSON: "path" is for display (bytes
// that are not UTF-8 shown as U+FFFD, so two such names can look alike)
// and "path_b64", present only then, holds the exact bytes in standard
// base64. The config answer's "others" has a parallel "others_b64" (""
// for a UTF-8 entry) when one of them needs it. A script is addressed by
// its exact bytes percent-encoded in the URL (caf%E9.bas is "caf\xe9.bas").
func (s *Service) Routes() http.Handler {
	r := chi.NewRouter()
	r.Get("/api/bots", s.handleBots)
	r.Route("/api/bots/{bot}", func(r chi.Router) {
		r.Use(s.knownBot)
		r.Get("/scripts", s.handleScripts)
		r.Get("/scripts/*", s.handleScript)
		r.Get("/tools", s.handleTools)
		r.Get("/effects", s.handleEffects)
		r.Get("/config", s.handleConfig)
	})
	return r
}

// knownBot answers 400 for an invalid bot name and 404 for a bot with no
// live script or config.
func (s *Service) knownBot(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bot := chi.URLParam(r, "bot")
		if err := events.ValidBot(bot); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		ok, err := s.store.HasBot(r.Context(), bot)
		if err != nil {
			s.storeFailed(w, r, err)
			return
		}
		if !ok {
			writeError(w, http.StatusNotFound, "unknown bot "+bot+": no compiled script or config.csv")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Service) handleBots(w http.ResponseWriter, r *http.Request) {
	bots, err := s.store.Bots(r.Context())
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"bots": bots})
}

func (s *Service) handleScripts(w http.ResponseWriter, r *http.Request) {
	bot := chi.URLParam(r, "bot")
	scripts, err := s.store.Scripts(r.Context(), bot)
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"bot": bot, "scripts": scripts})
}

func (s *Service) handleScript(w http.ResponseWriter, r *http.Request) {
	bot := chi.URLParam(r, "bot")
	raw := chi.URLParam(r, "*")
	if r.URL.RawPath != "" {
		// chi matched the escaped form; the path is its unescaped bytes.
		u, err := url.PathUnescape(raw)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad escape in script path: "+err.Error())
			return
		}
		raw = u
	}
	path, err := events.CleanPath(raw)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sc, err := s.store.Script(r.Context(), bot, path)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no compiled script "+events.Key(bot, path))
		return
	}
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sc)
}

func (s *Service) handleTools(w http.ResponseWriter, r *http.Request) {
	bot := chi.URLParam(r, "bot")
	format := r.URL.Query().Get("format")
	if format == "" {
		format = FormatMCP
	}
	if format != FormatMCP && format != FormatOpenAI {
		writeError(w, http.StatusBadRequest, "format "+quote(format)+" is not mcp or openai")
		return
	}
	tools, err := s.store.Tools(r.Context(), bot, true)
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	list := make([]json.RawMessage, 0, len(tools))
	for _, t := range tools {
		if format == FormatOpenAI {
			list = append(list, t.OpenAI)
		} else {
			list = append(list, t.MCP)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"bot": bot, "format": format, "tools": list})
}

func (s *Service) handleEffects(w http.ResponseWriter, r *http.Request) {
	e, err := s.store.Effects(r.Context(), chi.URLParam(r, "bot"))
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// configView is the answer of GET /api/bots/{bot}/config.
type configView struct {
	Bot  string `json:"bot"`
	Path string `json:"path"`
	// PathB64 is the exact bytes of Path (base64) when Path is not valid
	// UTF-8 (see events.PathToJSON).
	PathB64     string            `json:"path_b64,omitempty"`
	Seq         uint64            `json:"seq"`
	ETag        string            `json:"etag"`
	CompiledAt  *time.Time        `json:"compiled_at,omitempty"`
	Values      map[string]string `json:"values"`
	Settings    []store.Setting   `json:"settings"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
	// Others lists further config.csv files of the bot (in other .gbot
	// folders), which are stored but not shown, in the display form of
	// events.PathToJSON.
	Others []string `json:"others,omitempty"`
	// OthersB64, present only when an entry of Others is not valid UTF-8,
	// runs parallel to Others: the exact bytes (base64) of each such path,
	// "" for the others.
	OthersB64 []string `json:"others_b64,omitempty"`
}

// handleConfig answers the config.csv that speaks for the bot
// (botpkg.PrimaryConfig): <bot>.gbot/config.csv when there is one, else the
// first by path. A known bot without one gets an empty configuration.
func (s *Service) handleConfig(w http.ResponseWriter, r *http.Request) {
	bot := chi.URLParam(r, "bot")
	cfgs, err := s.store.Configs(r.Context(), bot)
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	v := configView{Bot: bot, Values: map[string]string{}, Settings: []store.Setting{}, Diagnostics: []diag.Diagnostic{}}
	paths := make([]string, len(cfgs))
	for i, c := range cfgs {
		paths[i] = c.Path
	}
	pick := botpkg.PrimaryConfig(bot, paths)
	exact := false
	var othersB64 []string
	for i, c := range cfgs {
		if i != pick {
			shown, b64 := events.PathToJSON(c.Path)
			v.Others, othersB64 = append(v.Others, shown), append(othersB64, b64)
			exact = exact || b64 != ""
			continue
		}
		at := c.CompiledAt
		v.Path, v.PathB64 = events.PathToJSON(c.Path)
		v.Seq, v.ETag, v.CompiledAt, v.Diagnostics = c.Seq, c.ETag, &at, c.Diagnostics
		v.Settings = make([]store.Setting, 0, len(c.Settings))
		for _, st := range c.Settings {
			st.Value = botpkg.Redact(st.Key, st.Value) // secrets are never shown
			v.Settings = append(v.Settings, st)
			v.Values[st.Key] = st.Value
		}
	}
	if exact {
		v.OthersB64 = othersB64
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Service) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("reading the store", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "the compiler store is unavailable; try again")
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
