package themer

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestIntegrationThemeBuildReadsNoConfig is the done-when of issue 16 for
// the themer: a replica started after a bot's settings were published
// builds its theme (state, snapshot, demo page, a stylesheet served)
// without reading any config.csv from storage, though the file is there;
// the variables come from the settings bucket.
func TestIntegrationThemeBuildReadsNoConfig(t *testing.T) {
	r1 := newRig(t, Config{})
	r1.write(t, "harbor", "harbor.gbtheme/css/main.css", "body{color:red}")
	r1.write(t, "harbor", "harbor.gbot/config.csv", "theme-color1,#0a7\ntheme-title,Harbor\n")
	before := r1.store.readCount()

	r2 := startRig(t, r1.js, r1.store, Config{})
	snap := decode[SnapshotEvent](t, openStream(t, r2.srv.URL+"/bots/harbor/theme/events", nil).next(t))
	if snap.Vars["--theme-color1"] != "#0a7" || snap.Values["theme-title"] != "Harbor" || len(snap.CSS) != 1 {
		t.Fatalf("snapshot %+v", snap)
	}
	for _, url := range []string{"/bots/harbor/", snap.CSS[0].URL} {
		resp, err := http.Get(r2.srv.URL + url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || (url == "/bots/harbor/" && !strings.Contains(string(body), "--theme-color1: #0a7;")) {
			t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
		}
	}

	r1.store.mu.Lock()
	reads := append([]string(nil), r1.store.reads[before:]...)
	r1.store.mu.Unlock()
	if len(reads) != 1 || reads[0] != "harbor/harbor.gbtheme/css/main.css" {
		t.Fatalf("storage reads during the build: %q; want only the stylesheet", reads)
	}
}
