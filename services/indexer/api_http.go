package indexer

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/indexer/vector"
)

// API limits.
const (
	DefaultK    = 5
	MaxK        = 100
	MaxQueryLen = 2000
)

// The JSON forms of SearchHit, KBListing and DocListing write paths (and
// KB names, folder names that need not be UTF-8 either) as
// events.PathToJSON does: "path" ("name") for display, with bytes that are
// not UTF-8 as U+FFFD, and only then "path_b64" ("name_b64") with the
// exact bytes in standard base64. In Go the fields hold the exact bytes.

// SearchHit is one search result of the HTTP API. Score depends on the
// mode (vector.Mode): BM25 for lexical, cosine similarity for dense, the
// reciprocal-rank-fusion sum for hybrid.
type SearchHit struct {
	Path       string  `json:"path"`
	ChunkIndex int     `json:"chunk_index"`
	Score      float32 `json:"score"`
	Text       string  `json:"text"`
	// Highlights are the words of Text (as written, each once) whose
	// terms are among the query's: why the chunk matched.
	Highlights []string `json:"highlights"`
}

// KBListing is one knowledge base in GET /api/bots/{bot}/kb.
type KBListing struct {
	Name       string       `json:"name"`
	Collection string       `json:"collection"`
	Chunks     int          `json:"chunks"`
	Documents  []DocListing `json:"documents"`
}

// DocListing is one document of a KBListing.
type DocListing struct {
	Path      string `json:"path"`
	ETag      string `json:"etag"`
	Status    string `json:"status"`
	Chunks    int    `json:"chunks"`
	Error     string `json:"error,omitempty"`
	Failures  int    `json:"failures,omitempty"`
	UpdatedAt int64  `json:"updated_at"`
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (h SearchHit) MarshalJSON() ([]byte, error) {
	type alias SearchHit
	w := struct {
		alias
		PathB64 string `json:"path_b64,omitempty"`
	}{alias: alias(h)}
	w.Path, w.PathB64 = events.PathToJSON(h.Path)
	return json.Marshal(w)
}

// MarshalJSON adds "name_b64" when Name is not valid UTF-8.
func (l KBListing) MarshalJSON() ([]byte, error) {
	type alias KBListing
	w := struct {
		alias
		NameB64 string `json:"name_b64,omitempty"`
	}{alias: alias(l)}
	w.Name, w.NameB64 = events.PathToJSON(l.Name)
	return json.Marshal(w)
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (d DocListing) MarshalJSON() ([]byte, error) {
	type alias DocListing
	w := struct {
		alias
		PathB64 string `json:"path_b64,omitempty"`
	}{alias: alias(d)}
	w.Path, w.PathB64 = events.PathToJSON(d.Path)
	return json.Marshal(w)
}

func (s *Service) routes() http.Handler {
	r := chi.NewRouter()
	r.Get("/api/bots/{bot}/kb", s.listKBs)
	r.Get("/api/bots/{bot}/kb/{kb}/search", s.search)
	return r
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// search answers GET /api/bots/{bot}/kb/{kb}/search?q=…&k=5&mode=….
func (s *Service) search(w http.ResponseWriter, r *http.Request) {
	bot, kb := chi.URLParam(r, "bot"), chi.URLParam(r, "kb")
	if err := events.ValidBot(bot); err != nil {
		writeError(w, http.StatusBadRequest, "bot: "+err.Error())
		return
	}
	if r.URL.RawPath != "" {
		// chi matched the escaped form (an escape Go would not have
		// written, such as %e9): the name is its unescaped bytes.
		u, err := url.PathUnescape(kb)
		if err != nil {
			writeError(w, http.StatusBadRequest, "kb: bad escape: "+err.Error())
			return
		}
		kb = u
	}
	if kb == "" {
		writeError(w, http.StatusBadRequest, "kb: empty knowledge-base name")
		return
	}
	if strings.Contains(kb, "/") {
		writeError(w, http.StatusBadRequest, "kb: "+strconv.Quote(kb)+" holds a slash; want one folder name under <bot>.gbkb/")
		return
	}
	if _, err := events.CleanPath(kb); err != nil {
		writeError(w, http.StatusBadRequest, "kb: "+err.Error())
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" || len(q) > MaxQueryLen {
		writeError(w, http.StatusBadRequest, "q: want a query of 1 to "+strconv.Itoa(MaxQueryLen)+" bytes")
		return
	}
	k := DefaultK
	if v := r.URL.Query().Get("k"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxK {
			writeError(w, http.StatusBadRequest, "k: want an integer from 1 to "+strconv.Itoa(MaxK)+", got "+strconv.Quote(v))
			return
		}
		k = n
	}
	mode := vector.Mode(r.URL.Query().Get("mode"))
	switch mode {
	case "", vector.ModeHybrid, vector.ModeLexical, vector.ModeDense:
	default:
		writeError(w, http.StatusBadRequest, "mode: want hybrid, lexical or dense (or none for the best available), got "+strconv.Quote(string(mode)))
		return
	}
	hits, err := s.Search(r.Context(), bot, kb, q, k, mode)
	switch {
	case errors.Is(err, vector.ErrNoCollection):
		writeError(w, http.StatusNotFound, "no indexed knowledge base "+strconv.Quote(kb)+" for bot "+bot)
		return
	case err != nil:
		s.log.Error("search", "bot", bot, "kb", kb, "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"hits": hits})
}

// listKBs answers GET /api/bots/{bot}/kb: every knowledge base the indexer
// knows for bot, with its documents (deleted ones left out), their status
// and chunk counts.
func (s *Service) listKBs(w http.ResponseWriter, r *http.Request) {
	bot := chi.URLParam(r, "bot")
	if err := events.ValidBot(bot); err != nil {
		writeError(w, http.StatusBadRequest, "bot: "+err.Error())
		return
	}
	kbs, err := s.List(r.Context(), bot)
	if err != nil {
		s.log.Error("listing KBs", "bot", bot, "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"bot": bot, "kbs": kbs})
}
