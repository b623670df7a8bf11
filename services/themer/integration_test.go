package themer

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestIntegrationSnapshotThenLiveChanges(t *testing.T) {
	r := newRig(t, Config{})
	css := r.store.put(t, "harbor", "harbor.gbtheme/css/main.css", "body{color:red}")
	r.publish(t, css)
	last := r.write(t, "harbor", "harbor.gbot/config.csv", "name,value\ntheme-color1,#0a7\ntheme-title,Harbor\n")
	r.waitApplied(t, last)

	s := openStream(t, r.srv.URL+"/bots/harbor/theme/events", nil)
	if got := s.resp.Header.Get("X-Accel-Buffering"); got != "no" {
		t.Errorf("X-Accel-Buffering %q, want no", got)
	}
	if got := s.resp.Header.Get("Content-Type"); got != "text/event-stream" {
		t.Errorf("Content-Type %q", got)
	}
	ev := s.next(t)
	if ev.name != EventSnapshot || ev.id != strconv.FormatUint(last, 10) {
		t.Fatalf("first event %s id %s, want %s id %d", ev.name, ev.id, EventSnapshot, last)
	}
	snap := decode[SnapshotEvent](t, ev)
	wantURL := "/bots/harbor/theme/css/main.css?v=" + css.ETag
	if len(snap.CSS) != 1 || snap.CSS[0].URL != wantURL {
		t.Fatalf("snapshot css %+v, want one with url %s", snap.CSS, wantURL)
	}
	if snap.Vars["--theme-color1"] != "#0a7" || snap.Values["theme-title"] != "Harbor" {
		t.Fatalf("snapshot vars %+v values %+v", snap.Vars, snap.Values)
	}

	seq := r.write(t, "harbor", "harbor.gbtheme/css/main.css", "body{color:blue}")
	ev = s.next(t)
	got := decode[CSSEvent](t, ev)
	if ev.name != EventCSS || ev.id != strconv.FormatUint(seq, 10) || got.Path != "css/main.css" || got.Hash != etagOf([]byte("body{color:blue}")) {
		t.Fatalf("got %s id %s %+v, want theme.css id %d for the new content", ev.name, ev.id, got, seq)
	}
	resp, err := http.Get(r.srv.URL + got.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "body{color:blue}" || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("GET %s: %q, Cache-Control %q", got.URL, body, resp.Header.Get("Cache-Control"))
	}

	// A config change that leaves the theme keys alone sends nothing; one
	// that changes them sends theme.vars.
	r.waitApplied(t, r.write(t, "harbor", "harbor.gbot/config.csv", "name,value\ntheme-color1,#0a7\ntheme-title,Harbor\nllm-model,x\n"))
	seq = r.write(t, "harbor", "harbor.gbot/config.csv", "theme-color1,#123456\n")
	ev = s.next(t)
	vars := decode[VarsEvent](t, ev)
	if ev.name != EventVars || ev.id != strconv.FormatUint(seq, 10) || vars.Vars["--theme-color1"] != "#123456" || len(vars.Values) != 1 {
		t.Fatalf("got %s id %s %+v, want theme.vars id %d with only theme-color1", ev.name, ev.id, vars, seq)
	}

	seq = r.write(t, "harbor", "harbor.gbtheme/js/app.js", "console.log(1)")
	if ev = s.next(t); ev.name != EventReload || ev.id != strconv.FormatUint(seq, 10) {
		t.Fatalf("got %s id %s, want theme.reload id %d", ev.name, ev.id, seq)
	}
	seq = r.publish(t, r.store.del(t, "harbor", "harbor.gbtheme/css/main.css"))
	ev = s.next(t)
	if del := decode[CSSEvent](t, ev); ev.name != EventCSS || !del.Deleted || ev.id != strconv.FormatUint(seq, 10) {
		t.Fatalf("got %s %+v, want a deleted theme.css", ev.name, del)
	}
}

func TestIntegrationResumeByLastEventID(t *testing.T) {
	r := newRig(t, Config{})
	r.waitApplied(t, r.write(t, "harbor", "harbor.gbtheme/a.css", "a1"))
	s := openStream(t, r.srv.URL+"/bots/harbor/theme/events", nil)
	snapID := s.next(t).id
	s.resp.Body.Close()

	// Missed while disconnected: interleaved with another bot's changes.
	type step struct {
		name string
		seq  uint64
	}
	seqA := r.write(t, "harbor", "harbor.gbtheme/a.css", "a2")
	r.write(t, "other", "other.gbtheme/a.css", "o1")
	seqJS := r.write(t, "harbor", "harbor.gbtheme/app.js", "j1")
	r.write(t, "harbor", "harbor.gbot/config.csv", "theme-color1,red\n")
	r.write(t, "harbor", "harbor.gbot/config.csv", "theme-color1,blue\n")
	// The theme changes replay in order; settings do not travel on DRIVE,
	// so a resume always ends with the current theme.vars, once, with the
	// id the live feed goes on from.
	want := []step{{EventCSS, seqA}, {EventReload, seqJS}}

	tests := []struct {
		name   string
		header map[string]string
		url    string
		from   int // index into want of the first event expected
	}{
		{name: "header from the snapshot", header: map[string]string{"Last-Event-ID": snapID}, from: 0},
		{name: "query parameter (a new EventSource)", url: "?lastEventId=" + snapID, from: 0},
		{name: "header from the middle", header: map[string]string{"Last-Event-ID": strconv.FormatUint(seqA, 10)}, from: 1},
		{name: "header wins over the query", header: map[string]string{"Last-Event-ID": strconv.FormatUint(seqJS, 10)}, url: "?lastEventId=0", from: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStream(t, r.srv.URL+"/bots/harbor/theme/events"+tt.url, tt.header)
			last, _ := strconv.ParseUint(snapID, 10, 64)
			if tt.from > 0 {
				last = want[tt.from-1].seq
			}
			for _, w := range want[tt.from:] {
				ev := s.next(t)
				if ev.name != w.name || ev.id != strconv.FormatUint(w.seq, 10) {
					t.Fatalf("replayed %s id %s (%s), want %s id %d", ev.name, ev.id, ev.data, w.name, w.seq)
				}
				last = w.seq
			}
			ev := s.next(t)
			if v := decode[VarsEvent](t, ev); ev.name != EventVars || ev.id != strconv.FormatUint(last, 10) || v.Values["theme-color1"] != "blue" {
				t.Fatalf("after the replay got %s id %s %+v, want the current blue theme.vars id %d", ev.name, ev.id, v, last)
			}
			// Then the live feed, without a repeat. Later cases replay it.
			seq := r.write(t, "harbor", "harbor.gbtheme/b.css", "b"+tt.name)
			if ev := s.next(t); ev.name != EventCSS || ev.id != strconv.FormatUint(seq, 10) {
				t.Fatalf("after the replay got %s id %s, want the live theme.css id %d", ev.name, ev.id, seq)
			}
			want = append(want, step{EventCSS, seq})
			s.resp.Body.Close()
		})
	}

	t.Run("an id beyond the stream gets a snapshot", func(t *testing.T) {
		s := openStream(t, r.srv.URL+"/bots/harbor/theme/events", map[string]string{"Last-Event-ID": "999999"})
		if ev := s.next(t); ev.name != EventSnapshot {
			t.Fatalf("got %s, want a snapshot", ev.name)
		}
	})
	t.Run("a garbled id gets a snapshot", func(t *testing.T) {
		s := openStream(t, r.srv.URL+"/bots/harbor/theme/events", map[string]string{"Last-Event-ID": "abc"})
		if ev := s.next(t); ev.name != EventSnapshot {
			t.Fatalf("got %s, want a snapshot", ev.name)
		}
	})
	t.Run("the latest id replays only the settings", func(t *testing.T) {
		latest := r.svc.hub.applied.Load()
		s := openStream(t, r.srv.URL+"/bots/harbor/theme/events", map[string]string{"Last-Event-ID": strconv.FormatUint(latest, 10)})
		if ev := s.next(t); ev.name != EventVars || ev.id != strconv.FormatUint(latest, 10) {
			t.Fatalf("got %s id %s, want theme.vars id %d", ev.name, ev.id, latest)
		}
		s.quiet(t, 300*time.Millisecond)
	})
}

func TestIntegrationResumeBeyondTheLimitSendsSnapshot(t *testing.T) {
	r := newRig(t, Config{ReplayLimit: 3})
	var last uint64
	for i := range 5 {
		last = r.write(t, "harbor", fmt.Sprintf("harbor.gbtheme/%d.css", i), "x")
	}
	r.waitApplied(t, last)
	s := openStream(t, r.srv.URL+"/bots/harbor/theme/events", map[string]string{"Last-Event-ID": "0"})
	ev := s.next(t)
	if ev.name != EventSnapshot || ev.id != strconv.FormatUint(last, 10) {
		t.Fatalf("got %s id %s, want a snapshot id %d", ev.name, ev.id, last)
	}
	if snap := decode[SnapshotEvent](t, ev); len(snap.CSS) != 5 {
		t.Fatalf("snapshot has %d stylesheets, want 5", len(snap.CSS))
	}
}

func TestIntegrationBotsAreIsolated(t *testing.T) {
	r := newRig(t, Config{})
	a := openStream(t, r.srv.URL+"/bots/alpha/theme/events", nil)
	b := openStream(t, r.srv.URL+"/bots/beta/theme/events", nil)
	if snap := decode[SnapshotEvent](t, b.next(t)); len(snap.CSS) != 0 {
		t.Fatalf("beta's snapshot holds %+v", snap.CSS)
	}
	a.next(t)
	r.write(t, "alpha", "alpha.gbtheme/a.css", "alpha")
	r.write(t, "alpha", "alpha.gbot/config.csv", "theme-color1,red")
	seqB := r.write(t, "beta", "beta.gbtheme/b.css", "beta")
	if ev := b.next(t); ev.id != strconv.FormatUint(seqB, 10) || !strings.Contains(ev.data, `"b.css"`) {
		t.Fatalf("beta's first event is %s id %s %s, want its own b.css id %d", ev.name, ev.id, ev.data, seqB)
	}
	if ev := a.next(t); !strings.Contains(ev.data, `"a.css"`) {
		t.Fatalf("alpha got %s", ev.data)
	}
	if ev := a.next(t); ev.name != EventVars {
		t.Fatalf("alpha got %s, want its theme.vars", ev.name)
	}
	a.quiet(t, 200*time.Millisecond)
	resp, err := http.Get(r.srv.URL + "/bots/beta/theme/a.css")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("beta serves alpha's a.css: status %d", resp.StatusCode)
	}
}

func TestIntegrationEveryReplicaGetsEveryChange(t *testing.T) {
	r1 := newRig(t, Config{})
	r2 := startRig(t, r1.js, r1.store, Config{})
	s1 := openStream(t, r1.srv.URL+"/bots/harbor/theme/events", nil)
	s2 := openStream(t, r2.srv.URL+"/bots/harbor/theme/events", nil)
	s1.next(t)
	s2.next(t)
	for i := range 3 {
		seq := r1.write(t, "harbor", "harbor.gbtheme/a.css", fmt.Sprint(i))
		for n, s := range []*stream{s1, s2} {
			if ev := s.next(t); ev.id != strconv.FormatUint(seq, 10) {
				t.Fatalf("replica %d got id %s, want %d", n+1, ev.id, seq)
			}
		}
	}
}

func TestIntegrationStartupRebuildsStateFromTheStream(t *testing.T) {
	r1 := newRig(t, Config{})
	r1.write(t, "harbor", "harbor.gbtheme/a.css", "a")
	r1.write(t, "harbor", "harbor.gbtheme/old.css", "o")
	r1.publish(t, r1.store.del(t, "harbor", "harbor.gbtheme/old.css"))
	r1.write(t, "harbor", "harbor.gbot/config.csv", "theme-color2,green")
	// A replica started later replays DRIVE before it is ready.
	r2 := startRig(t, r1.js, r1.store, Config{})
	th := r2.svc.hub.theme("harbor")
	if _, ok := th.Files["a.css"]; !ok || len(th.Files) != 1 {
		t.Fatalf("files after start: %+v, want only a.css", th.Files)
	}
	if th.Values["theme-color2"] != "green" {
		t.Fatalf("values after start: %+v", th.Values)
	}
}

func TestIntegrationHeartbeat(t *testing.T) {
	r := newRig(t, Config{Heartbeat: 50 * time.Millisecond})
	s := openStream(t, r.srv.URL+"/bots/harbor/theme/events", nil)
	timeout := time.After(5 * time.Second)
	for beats := 0; beats < 2; {
		select {
		case ev := <-s.events:
			if ev.comment == "heartbeat" {
				beats++
			}
		case <-timeout:
			t.Fatal("no two heartbeats within 5s at a 50ms interval")
		}
	}
}

func TestIntegrationShutdownTellsClientsToRetry(t *testing.T) {
	r := newRig(t, Config{Retry: 1234 * time.Millisecond})
	s := openStream(t, r.srv.URL+"/bots/harbor/theme/events", nil)
	s.next(t)
	r.stop()
	var retry string
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-s.events:
			if ev.retry != "" {
				retry = ev.retry
			}
			continue
		case <-s.closed:
		case <-timeout:
			t.Fatal("stream not closed within 5s of shutdown")
		}
		break
	}
	for len(s.events) > 0 {
		if ev := <-s.events; ev.retry != "" {
			retry = ev.retry
		}
	}
	if retry != "1234" {
		t.Fatalf("last retry field %q, want 1234", retry)
	}
	if err := <-r.done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	r.done <- nil // for the cleanup
	_, status, _ := tryStream(t, r.srv.URL+"/bots/harbor/theme/events", nil)
	if status != http.StatusServiceUnavailable {
		t.Fatalf("a stream after shutdown: status %d, want 503", status)
	}
}

func TestIntegrationConnectionLimits(t *testing.T) {
	r := newRig(t, Config{MaxConns: 3, MaxConnsPerIP: 2})
	url := r.srv.URL + "/bots/harbor/theme/events"
	first := openStream(t, url, nil)
	openStream(t, url, nil)
	_, status, body := tryStream(t, url, nil)
	if status != http.StatusTooManyRequests || !strings.Contains(body, "maximum of 2") {
		t.Fatalf("third stream from one address: %d %q, want 429 naming the limit", status, body)
	}
	first.resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, status, _ := tryStream(t, url, nil)
		if s != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a slot was not released after a client left: %d", status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
