package indexer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/drivemon/drivemon/pkg/events"
)

// exactName decodes a path's (or KB name's) JSON form, failing on bad
// base64 and on a b64 whose display form is not the shown one.
func exactName(t *testing.T, shown, b64 string) string {
	t.Helper()
	if b64 == "" {
		return shown
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("b64 %q: %v", b64, err)
	}
	if got := events.DisplayPath(string(raw)); got != shown {
		t.Fatalf("shown %q is not the display form %q of %q", shown, got, b64)
	}
	return string(raw)
}

func getAPI(t *testing.T, u string, status int, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		t.Fatalf("GET %s = %d %v, want %d", u, resp.StatusCode, e, status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// Documents whose names differ only in bytes that are not UTF-8 go
// through JetStream and the indexer; the listing and the search tell them
// apart with path_b64, which a UTF-8 name never has. A KB whose folder
// name is not UTF-8 gets name_b64 and is searched by its percent-encoded
// bytes; its document is synced directly, because events.Change cannot
// carry such a KB name yet (its "kb" field has no exact form, so decoding
// refuses the change).
func TestIntegrationHTTPAPINonUTF8Paths(t *testing.T) {
	const (
		bot   = "harbor"
		e9    = "harbor.gbkb/cafe/caf\xe9.md"
		e8    = "harbor.gbkb/cafe/caf\xe8.md"
		plain = "harbor.gbkb/cafe/café.md"
		other = "harbor.gbkb/caf\xe9/menu.md"
	)
	content := map[string]string{
		e9:    "# Espresso\n\nEspresso is pressed through finely ground beans.",
		e8:    "# Croissant\n\nCroissants are laminated with cold butter.",
		plain: "# Tea\n\nGreen tea steeps at eighty degrees.",
		other: "# Menu\n\nThe menu changes every season.",
	}
	f := newFixture(t, nil)
	outs := collectOutcomes(t, f.js, bot)
	run(t, f.svc)
	for p, c := range content {
		f.reader.put(bot, p, []byte(c))
		if p != other {
			f.publish(t, bot, events.OpCreated, p)
		}
	}
	if res, err := f.svc.Sync(context.Background(), bot, other, 1); err != nil || res.Status != events.StatusOK {
		t.Fatalf("Sync(%q) = %+v, %v", other, res, err)
	}
	defer func() {
		if t.Failed() {
			for _, o := range outs.all {
				t.Logf("outcome %q %s %s", o.Path, o.Status, o.Error)
			}
		}
	}()
	waitFor(t, "every document indexed", 15*time.Second, func() bool {
		for p := range content {
			if _, ok := outs.last(p, events.StatusOK); !ok && p != other {
				return false
			}
		}
		return true
	})
	srv := httptest.NewServer(f.svc.Routes())
	defer srv.Close()

	type doc struct {
		Path    string `json:"path"`
		PathB64 string `json:"path_b64"`
		Status  string `json:"status"`
		Chunks  int    `json:"chunks"`
		Text    string `json:"text"`
	}
	var listing struct {
		KBs []struct {
			Name      string `json:"name"`
			NameB64   string `json:"name_b64"`
			Documents []doc  `json:"documents"`
		} `json:"kbs"`
	}
	getAPI(t, srv.URL+"/api/bots/harbor/kb", http.StatusOK, &listing)
	if len(listing.KBs) != 2 {
		t.Fatalf("listing %+v, want two KBs", listing)
	}
	for _, kb := range listing.KBs {
		name := exactName(t, kb.Name, kb.NameB64)
		var got []string
		for _, d := range kb.Documents {
			p := exactName(t, d.Path, d.PathB64)
			got = append(got, p)
			if d.Status != StatusIndexed || d.Chunks == 0 {
				t.Errorf("document %q listed as %+v", p, d)
			}
			if utf8Path := utf8.ValidString(p); utf8Path != (d.PathB64 == "") {
				t.Errorf("document %q: path_b64 %q", p, d.PathB64)
			}
		}
		slices.Sort(got)
		switch name {
		case "cafe":
			if want := []string{plain, e8, e9}; kb.NameB64 != "" || !slices.Equal(got, want) {
				t.Fatalf("KB cafe: name_b64 %q, documents %q, want %q", kb.NameB64, got, want)
			}
		case "caf\xe9":
			if kb.Name != "caf\uFFFD" || !slices.Equal(got, []string{other}) {
				t.Fatalf("KB caf\\xe9: name %q, documents %q", kb.Name, got)
			}
		default:
			t.Fatalf("unknown KB %q", name)
		}
	}

	// The KB is addressed by its exact bytes, percent-encoded (upper or
	// lower case); each hit names its own document.
	for _, tt := range []struct {
		name, kb, q, want string
	}{
		{"e9 document", "cafe", "espresso ground beans", e9},
		{"e8 document", "cafe", "croissants laminated butter", e8},
		{"utf-8 document", "cafe", "green tea steeps", plain},
		{"KB by its exact bytes", "caf%E9", "menu changes every season", other},
		{"KB by a lower-case escape", "caf%e9", "menu changes every season", other},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var res struct {
				Hits []doc `json:"hits"`
			}
			getAPI(t, srv.URL+"/api/bots/harbor/kb/"+tt.kb+"/search?k=1&q="+url.QueryEscape(tt.q), http.StatusOK, &res)
			if len(res.Hits) != 1 {
				t.Fatalf("hits %+v", res.Hits)
			}
			h := res.Hits[0]
			if got := exactName(t, h.Path, h.PathB64); got != tt.want || !strings.Contains(strings.ToLower(h.Text), strings.Fields(tt.q)[0]) {
				t.Fatalf("hit %+v (path %q), want %q", h, got, tt.want)
			}
			if utf8.ValidString(tt.want) && h.PathB64 != "" {
				t.Fatalf("a UTF-8 path has path_b64 %q", h.PathB64)
			}
		})
	}
	var e map[string]string
	getAPI(t, srv.URL+"/api/bots/harbor/kb/caf%E8/search?q=x", http.StatusNotFound, &e)
	getAPI(t, srv.URL+"/api/bots/harbor/kb/a%2Fb/search?q=x", http.StatusBadRequest, &e)
	if !strings.Contains(e["error"], "slash") {
		t.Fatalf("a KB name with a slash: %v", e)
	}
	getAPI(t, srv.URL+"/api/bots/harbor/kb/%2E%2E/search?q=x", http.StatusBadRequest, &e)
}
