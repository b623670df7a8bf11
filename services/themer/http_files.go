package themer

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
)

// ErrBadThemePath is wrapped by every error themePath returns.
var ErrBadThemePath = errors.New("invalid theme path")

// themePath turns the escaped URL path after /bots/{bot}/theme/ into a
// canonical path relative to the .gbtheme folder. Encoded slashes and
// backslashes are refused before decoding (they would make one segment
// look like two), then the decoded path must pass events.CleanPath, which
// refuses "..", ".", empty segments, backslashes, NUL and control
// characters.
func themePath(escaped string) (string, error) {
	low := strings.ToLower(escaped)
	for _, bad := range []string{"%2f", "%5c"} {
		if strings.Contains(low, bad) {
			return "", fmt.Errorf("%w: %q holds an encoded separator", ErrBadThemePath, escaped)
		}
	}
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrBadThemePath, escaped, err)
	}
	if _, err := events.CleanPath(p); err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadThemePath, err)
	}
	return p, nil
}

// escapedWildcard is the escaped form of the route's trailing path: chi
// matches on the raw path when the URL has one, on the decoded path
// otherwise.
func escapedWildcard(r *http.Request) string {
	rest := chi.URLParam(r, "*")
	if r.URL.RawPath == "" {
		// No escapes were needed; the decoded path is the escaped one
		// for our purpose except for characters like '%' itself.
		return strings.ReplaceAll(rest, "%", "%25")
	}
	return rest
}

// handleFile serves GET /bots/{bot}/theme/{path...}: a current theme file
// the themer knows of, read from storage, with its ETag. A request naming
// the current hash (?v=) may be cached for a year; any other revalidates.
func (s *Service) handleFile(w http.ResponseWriter, r *http.Request) {
	bot := chi.URLParam(r, "bot")
	if err := events.ValidBot(bot); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rel, err := themePath(escapedWildcard(r))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f, ok := s.hub.file(bot, rel)
	if !ok {
		http.Error(w, fmt.Sprintf("bot %s has no theme file %q", bot, rel), http.StatusNotFound)
		return
	}
	if _, inTheme, ok := themeRel(f.PackagePath); !ok || inTheme != rel {
		http.Error(w, "not a theme file", http.StatusNotFound)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadTimeout)
	defer cancel()
	data, obj, err := s.storage.Read(ctx, bot, f.PackagePath, s.cfg.MaxFileBytes)
	switch {
	case errors.Is(err, drive.ErrNotFound):
		http.Error(w, fmt.Sprintf("theme file %q of bot %s is gone", rel, bot), http.StatusNotFound)
		return
	case errors.Is(err, drive.ErrTooLarge):
		http.Error(w, fmt.Sprintf("theme file %q is larger than %d bytes", rel, s.cfg.MaxFileBytes), http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		s.log.Warn("reading a theme file", "bot", bot, "path", events.DisplayPath(f.PackagePath), "err", err)
		http.Error(w, "reading the theme file failed", http.StatusBadGateway)
		return
	}
	hash := obj.ETag
	if hash == "" {
		hash = f.Hash
	}
	etag := strconv.Quote(hash)
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Content-Type", contentType(rel, data))
	h.Set("X-Content-Type-Options", "nosniff")
	if v := r.URL.Query().Get("v"); v != "" && v == hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// contentType is the MIME type of a theme file by extension, sniffed when
// the extension is unknown; text types get charset utf-8.
func contentType(name string, data []byte) string {
	ct := mime.TypeByExtension(strings.ToLower(path.Ext(name)))
	if ct == "" {
		ct = http.DetectContentType(data)
	}
	if strings.HasPrefix(ct, "text/") && !strings.Contains(ct, "charset") {
		ct += "; charset=utf-8"
	}
	return ct
}

// etagMatch implements If-None-Match: "*" or any listed tag (weak tags
// compare by their opaque part).
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
