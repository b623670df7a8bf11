package compiler

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// Two dialogs and two config.csv files whose names differ only in bytes
// that are not UTF-8 go through JetStream, the compiler and each store,
// and the read API tells them apart: "path" shows both alike, "path_b64"
// holds the exact bytes, and a percent-encoded URL fetches each one.
func TestIntegrationRoutesNonUTF8Paths(t *testing.T) {
	const (
		e9    = "harbor.gbdialog/caf\xe9.bas"
		e8    = "harbor.gbdialog/caf\xe8.bas"
		plain = "harbor.gbdialog/café.bas"
		cfgE9 = "caf\xe9.gbot/config.csv"
		cfgE8 = "caf\xe8.gbot/config.csv"
		cfgOK = "other.gbot/config.csv"
		shown = "harbor.gbdialog/caf\uFFFD.bas"
	)
	src := func(hook string) string {
		return "PARAM q AS STRING\nDESCRIPTION \"" + hook + "\"\nSET SCHEDULE \"@daily\"\nWEBHOOK \"" + hook + "\"\nTABLE " + hook + "\n  a AS STRING\nEND TABLE\n"
	}
	hookOf := map[string]string{e9: "hook_e9", e8: "hook_e8", plain: "hook_plain"}
	eachStore(t, func(t *testing.T, st store.Store) {
		r := newRig(t, st)
		svc := r.start(t, testConfig())
		for _, p := range []string{e9, e8, plain} {
			c := r.publish(t, r.files.write(t, "harbor", p, src(hookOf[p])))
			if o := r.outcome(t, c.Seq); o.Status != events.StatusOK {
				t.Fatalf("outcome of %q = %+v", p, o)
			}
		}
		for _, p := range []string{configPath, cfgE9, cfgE8, cfgOK} {
			c := r.publish(t, r.files.write(t, "harbor", p, "title,"+p+"\n"))
			if o := r.outcome(t, c.Seq); o.Status != events.StatusOK {
				t.Fatalf("outcome of %q = %+v", p, o)
			}
		}
		srv := httptest.NewServer(svc.Routes())
		defer srv.Close()

		// Every row of a list comes back once, under its exact path.
		type row struct {
			Path    string `json:"path"`
			PathB64 string `json:"path_b64"`
			Name    string `json:"name"`
			URL     string `json:"url"`
		}
		exactRows := func(t *testing.T, what string, rows []row) []string {
			t.Helper()
			var got []string
			for _, r := range rows {
				got = append(got, exactPath(t, r.Path, r.PathB64))
			}
			slices.Sort(got)
			want := []string{e8, e9, plain} // byte order: "caf\xc3…" < "caf\xe8" < "caf\xe9"
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%s paths = %q, want %q", what, got, want)
			}
			return got
		}

		var scripts struct {
			Scripts []row `json:"scripts"`
		}
		getJSON(t, srv.URL+"/api/bots/harbor/scripts", http.StatusOK, &scripts)
		exactRows(t, "scripts", scripts.Scripts)

		var effects struct {
			Schedules []row `json:"schedules"`
			Webhooks  []row `json:"webhooks"`
			Tables    []row `json:"tables"`
		}
		getJSON(t, srv.URL+"/api/bots/harbor/effects", http.StatusOK, &effects)
		exactRows(t, "schedules", effects.Schedules)
		exactRows(t, "webhooks", effects.Webhooks)
		exactRows(t, "tables", effects.Tables)
		for _, w := range effects.Webhooks {
			if p := exactPath(t, w.Path, w.PathB64); hookOf[p] != w.Name {
				t.Fatalf("webhook %q is listed under %q, which declares %q", w.Name, p, hookOf[p])
			}
		}

		// One script by its percent-encoded exact bytes: the right one.
		for _, tc := range []struct {
			name, url, want string
		}{
			{"latin-1 e9", "/api/bots/harbor/scripts/harbor.gbdialog/caf%E9.bas", e9},
			{"latin-1 e8 lower-case escape", "/api/bots/harbor/scripts/harbor.gbdialog/caf%e8.bas", e8},
			{"utf-8", "/api/bots/harbor/scripts/harbor.gbdialog/caf%C3%A9.bas", plain},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var sc struct {
					Path    string `json:"path"`
					PathB64 string `json:"path_b64"`
					Tool    struct {
						Path    string `json:"path"`
						PathB64 string `json:"path_b64"`
					} `json:"tool"`
					Effects struct {
						Webhooks []struct {
							Name string `json:"name"`
						} `json:"webhooks"`
					} `json:"effects"`
				}
				getJSON(t, srv.URL+tc.url, http.StatusOK, &sc)
				if got := exactPath(t, sc.Path, sc.PathB64); got != tc.want {
					t.Fatalf("GET %s answered %q, want %q", tc.url, got, tc.want)
				}
				if got := exactPath(t, sc.Tool.Path, sc.Tool.PathB64); got != tc.want {
					t.Fatalf("tool path = %q, want %q", got, tc.want)
				}
				if len(sc.Effects.Webhooks) != 1 || sc.Effects.Webhooks[0].Name != hookOf[tc.want] {
					t.Fatalf("GET %s answered the effects %+v of another file", tc.url, sc.Effects)
				}
				if tc.want == plain && (sc.PathB64 != "" || sc.Tool.PathB64 != "") {
					t.Fatalf("a UTF-8 path has path_b64: %+v", sc)
				}
				if tc.want != plain && sc.Path != shown {
					t.Fatalf("shown path = %q, want %q", sc.Path, shown)
				}
			})
		}
		getJSON(t, srv.URL+"/api/bots/harbor/scripts/harbor.gbdialog/caf%E7.bas", http.StatusNotFound, nil)

		var cfg struct {
			Path      string   `json:"path"`
			PathB64   *string  `json:"path_b64"`
			Others    []string `json:"others"`
			OthersB64 []string `json:"others_b64"`
		}
		getJSON(t, srv.URL+"/api/bots/harbor/config", http.StatusOK, &cfg)
		if cfg.Path != configPath || cfg.PathB64 != nil {
			t.Fatalf("config path = %q, path_b64 %v; want %q without path_b64", cfg.Path, cfg.PathB64, configPath)
		}
		if len(cfg.OthersB64) != len(cfg.Others) {
			t.Fatalf("others_b64 %q does not run parallel to others %q", cfg.OthersB64, cfg.Others)
		}
		var others []string
		for i := range cfg.Others {
			others = append(others, exactPath(t, cfg.Others[i], cfg.OthersB64[i]))
		}
		slices.Sort(others)
		if want := []string{cfgE8, cfgE9, cfgOK}; !slices.Equal(others, want) {
			t.Fatalf("others = %q, want %q", others, want)
		}
	})
}

// Without a non-UTF-8 path among them, the other configs have no
// others_b64.
func TestRoutesConfigOthersUTF8(t *testing.T) {
	u := newUnit(t, Config{})
	u.mustRun(t, u.files.write(t, "harbor", configPath, "a,1\n"))
	u.mustRun(t, u.files.write(t, "harbor", "other.gbot/config.csv", "a,2\n"))
	srv := httptest.NewServer(u.svc.Routes())
	defer srv.Close()
	var cfg map[string]any
	getJSON(t, srv.URL+"/api/bots/harbor/config", http.StatusOK, &cfg)
	if _, ok := cfg["others_b64"]; ok || len(cfg["others"].([]any)) != 1 {
		t.Fatalf("config = %v: want one other and no others_b64", cfg)
	}
}

// exactPath decodes a path's JSON form, failing on bad base64 and on a
// path_b64 whose display form is not "path".
func exactPath(t *testing.T, shown, b64 string) string {
	t.Helper()
	if b64 == "" {
		return shown
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("path_b64 %q: %v", b64, err)
	}
	if got := events.DisplayPath(string(raw)); got != shown {
		t.Fatalf("path %q is not the display form %q of path_b64", shown, got)
	}
	return string(raw)
}

// getJSON GETs url, checks the status and decodes the body into v (if
// not nil).
func getJSON(t *testing.T, url string, status int, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("GET %s = %d, want %d", url, resp.StatusCode, status)
	}
	if v == nil {
		return
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decoding: %v", url, err)
	}
}
