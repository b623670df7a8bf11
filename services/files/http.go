package files

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/files/journal"
)

// errorStatus maps an error to its HTTP status.
func errorStatus(err error) int {
	switch {
	case errors.Is(err, events.ErrBadPath), errors.Is(err, events.ErrBadBot), errors.Is(err, journal.ErrBadRequest), errors.Is(err, errBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotWritable), errors.Is(err, drive.ErrNotFile):
		return http.StatusForbidden
	case errors.Is(err, drive.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, drive.ErrConflict):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

var errBadRequest = errors.New("bad request")

type httpError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := errorStatus(err)
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "url", r.URL.String(), "err", err)
	}
	writeJSON(w, status, httpError{Error: err.Error()})
}

// pathParam is the {path...} part of the URL, decoded exactly once. chi
// routes on the raw path when the URL has escapes, so "%2e%2e" reaches us
// still encoded and is decoded here, where CleanPath sees "..".
func pathParam(r *http.Request) (string, error) {
	p := chi.URLParam(r, "*")
	if r.URL.RawPath == "" {
		return p, nil
	}
	dec, err := url.PathUnescape(p)
	if err != nil {
		return "", fmt.Errorf("%w: path %q: %w", errBadRequest, p, err)
	}
	return dec, nil
}

// authorize enforces the write access rules: a bearer token when one is
// configured; otherwise writes only from loopback when allowed (dev), else
// disabled.
func (s *Service) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Token != "" {
			got, ok := bearer(r.Header.Get("Authorization"))
			if !ok || !tokenOK(got, s.cfg.Token) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="drivemon"`)
				writeJSON(w, http.StatusUnauthorized, httpError{Error: "write routes need a valid bearer token"})
				return
			}
		} else if !s.cfg.AllowLoopback || !isLoopback(r.RemoteAddr) {
			writeJSON(w, http.StatusForbidden, httpError{Error: "writes are disabled: no token is configured"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearer is the token of an "Authorization: Bearer <token>" value; the
// scheme is case-insensitive (RFC 7235).
func bearer(auth string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(auth), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// tokenOK compares a presented token with the configured one in constant
// time.
func tokenOK(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoopbackAddr says whether a listen address (host:port) accepts only
// loopback clients: a loopback IP or "localhost"; not an empty or
// unspecified host (every interface) nor any other name.
func LoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Service) routes() http.Handler {
	r := chi.NewRouter()
	r.Get("/api/bots/{bot}/changes", s.handleChanges)
	r.Group(func(r chi.Router) {
		r.Use(s.authorize)
		r.Put("/api/bots/{bot}/files/*", s.handleWrite(OpPut))
		r.Post("/api/bots/{bot}/files/*", s.handleWrite(OpAppend))
		r.Delete("/api/bots/{bot}/files/*", s.handleWrite(OpDelete))
	})
	return r
}

func (s *Service) handleWrite(op Op) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if op == OpAppend && r.URL.Query().Get("append") != "1" {
			s.fail(w, r, fmt.Errorf("%w: POST appends and needs ?append=1 (PUT replaces)", errBadRequest))
			return
		}
		path, err := pathParam(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var data []byte
		if op != OpDelete {
			data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxFileBytes))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					err = fmt.Errorf("%w: body over %d bytes", ErrTooLarge, s.cfg.MaxFileBytes)
				}
				s.fail(w, r, err)
				return
			}
		}
		origin := r.Header.Get(HeaderOrigin)
		if origin == "" {
			origin = "http"
		}
		res, err := s.writer.do(r.Context(), Request{Op: op, Bot: chi.URLParam(r, "bot"), Path: path, Data: data, Origin: origin})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.log.Info("file written", "op", op, "bot", res.Bot, "path", res.Path, "etag", res.ETag, "origin", origin)
		writeJSON(w, http.StatusOK, res)
	}
}

func (s *Service) handleChanges(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, limit := uint64(0), journal.DefaultLimit
	var err error
	if v := q.Get("since"); v != "" {
		if since, err = strconv.ParseUint(v, 10, 64); err != nil {
			s.fail(w, r, fmt.Errorf("%w: since=%q is not a cursor (a whole number)", errBadRequest, v))
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			s.fail(w, r, fmt.Errorf("%w: limit=%q is not a whole number", errBadRequest, v))
			return
		}
	}
	page, err := s.journal.Changes(r.Context(), chi.URLParam(r, "bot"), since, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}
