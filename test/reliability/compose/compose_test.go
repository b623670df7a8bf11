//go:build compose

package compose

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const bucket = "harbor.gbai"

// stack runs docker-compose on the stack under test.
type stack struct {
	t       *testing.T
	project string
	files   []string
}

func newStack(t *testing.T) *stack {
	p, f := os.Getenv("DRIVEMON_COMPOSE_PROJECT"), os.Getenv("DRIVEMON_COMPOSE_FILES")
	if p == "" || f == "" {
		t.Fatal("DRIVEMON_COMPOSE_PROJECT and DRIVEMON_COMPOSE_FILES name the stack under test (scripts/compose-test.sh sets them)")
	}
	return &stack{t: t, project: p, files: strings.Fields(f)}
}

// compose runs docker-compose with args and returns its standard output.
func (s *stack) compose(args ...string) (string, error) {
	all := []string{"-p", s.project}
	for _, f := range s.files {
		all = append(all, "-f", f)
	}
	cmd := exec.Command("docker-compose", append(all, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("docker-compose %s: %w: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func docker(args ...string) (string, error) {
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// addr is the host address of replica index (from 1) of svc's port.
func (s *stack) addr(svc string, index, port int) string {
	s.t.Helper()
	out, err := s.compose("port", fmt.Sprintf("--index=%d", index), svc, fmt.Sprint(port))
	out = strings.TrimSpace(out)
	if err != nil || out == "" || strings.HasSuffix(out, ":0") {
		s.t.Fatalf("host port of %s replica %d, port %d: %q %v", svc, index, port, out, err)
	}
	return out
}

// container is the id of replica index of svc.
func (s *stack) container(svc string, index int) string {
	s.t.Helper()
	id, err := docker("ps", "-q", "--filter", "label=com.docker.compose.project="+s.project,
		"--filter", "label=com.docker.compose.service="+svc, "--filter", fmt.Sprintf("label=com.docker.compose.container-number=%d", index))
	id = strings.TrimSpace(id)
	if err != nil || id == "" || strings.Contains(id, "\n") {
		s.t.Fatalf("container of %s replica %d: %q %v", svc, index, id, err)
	}
	return id
}

// report prints the PASS or FAIL line of a check with what was seen.
func report(t *testing.T, name string, ok bool, format string, args ...any) {
	t.Helper()
	seen := fmt.Sprintf(format, args...)
	if ok {
		fmt.Printf("PASS %s: %s\n", name, seen)
		return
	}
	fmt.Printf("FAIL %s: %s\n", name, seen)
	t.Errorf("%s: %s", name, seen)
}

// waitFor polls cond every second until it is true or d passes; it
// returns whether it became true and what cond last said.
func waitFor(d time.Duration, cond func() (bool, string)) (bool, string) {
	deadline := time.Now().Add(d)
	for {
		ok, seen := cond()
		if ok || time.Now().After(deadline) {
			return ok, seen
		}
		time.Sleep(time.Second)
	}
}

func getJSON(url string, v any) error {
	c := http.Client{Timeout: 10 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d %s", url, res.StatusCode, bytes.TrimSpace(b))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

func (s *stack) minio() *minio.Client {
	s.t.Helper()
	user, pass := envOr("MINIO_ROOT_USER", "drivemon"), envOr("MINIO_ROOT_PASSWORD", "drivemon-secret")
	mc, err := minio.New(s.addr("minio", 1, 9000), &minio.Options{Creds: credentials.NewStaticV4(user, pass, "")})
	if err != nil {
		s.t.Fatal(err)
	}
	return mc
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func put(ctx context.Context, mc *minio.Client, key, body string) (string, error) {
	info, err := mc.PutObject(ctx, bucket, key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
	if err != nil {
		return "", fmt.Errorf("uploading %s: %w", key, err)
	}
	return info.ETag, nil
}

type script struct {
	Path   string `json:"path"`
	ETag   string `json:"etag"`
	Errors int    `json:"errors"`
	Tool   string `json:"tool"`
}

// scripts is what compiler replica index holds for the bot, by path.
func (s *stack) scripts(index int) (map[string]script, error) {
	var r struct {
		Scripts []script `json:"scripts"`
	}
	if err := getJSON("http://"+s.addr("compiler", index, 8082)+"/api/bots/harbor/scripts", &r); err != nil {
		return nil, err
	}
	out := map[string]script{}
	for _, sc := range r.Scripts {
		out[sc.Path] = sc
	}
	return out, nil
}

type doc struct {
	Path   string `json:"path"`
	ETag   string `json:"etag"`
	Status string `json:"status"`
}

// docs is what indexer replica index lists for KB kb, by path.
func (s *stack) docs(index int, kb string) (map[string]doc, error) {
	var r struct {
		KBs []struct {
			Name      string `json:"name"`
			Documents []doc  `json:"documents"`
		} `json:"kbs"`
	}
	if err := getJSON("http://"+s.addr("indexer", index, 8083)+"/api/bots/harbor/kb", &r); err != nil {
		return nil, err
	}
	out := map[string]doc{}
	for _, k := range r.KBs {
		if k.Name == kb {
			for _, d := range k.Documents {
				out[d.Path] = d
			}
		}
	}
	return out, nil
}

// findKey finds key among paths: the services may name a file by its key
// in the bucket or relative to its folder.
func findKey[V any](m map[string]V, key string) (V, bool) {
	for p, v := range m {
		if p == key || strings.HasSuffix(key, "/"+p) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// sse follows a themer replica's theme events for the bot; it sends each
// event as "name data".
func sse(ctx context.Context, url string) (<-chan string, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != 200 {
		res.Body.Close()
		return nil, fmt.Errorf("GET %s: %d", url, res.StatusCode)
	}
	ch := make(chan string, 64)
	go func() {
		defer res.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				select {
				case ch <- event + " " + strings.TrimSpace(strings.TrimPrefix(line, "data:")):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ch, nil
}

// deadCount is the number of messages on the DEAD stream.
func (s *stack) deadCount(ctx context.Context) (uint64, error) {
	nc, err := nats.Connect("nats://"+s.addr("nats", 1, 4222), nats.Timeout(5*time.Second))
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return 0, err
	}
	st, err := js.Stream(ctx, "DEAD")
	if err != nil {
		return 0, fmt.Errorf("stream DEAD: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// compiledEverywhere waits until both compiler replicas hold key compiled
// at etag with a tool.
func (s *stack) compiledEverywhere(key, etag string, d time.Duration) (bool, string) {
	return waitFor(d, func() (bool, string) {
		var seen []string
		for i := 1; i <= 2; i++ {
			m, err := s.scripts(i)
			if err != nil {
				return false, err.Error()
			}
			sc, ok := findKey(m, key)
			if !ok || sc.ETag != etag || sc.Errors != 0 || sc.Tool == "" {
				return false, fmt.Sprintf("compiler %d: %s %+v (want etag %s, no errors, a tool)", i, key, sc, etag)
			}
			seen = append(seen, fmt.Sprintf("compiler %d: tool %q at etag %s", i, sc.Tool, sc.ETag))
		}
		return true, strings.Join(seen, "; ")
	})
}

const hello = `PARAM name AS STRING LIKE "Ada" DESCRIPTION "Who to greet"
DESCRIPTION "Greets a visitor by name (%s)"
TALK "Hello, " + name
`

func TestComposeStack(t *testing.T) {
	s := newStack(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mc := s.minio()
	stamp := fmt.Sprint(time.Now().Unix())

	t.Run("pipeline", func(t *testing.T) {
		// Both themer replicas' streams first, so the CSS event is live.
		var streams []<-chan string
		for i := 1; i <= 2; i++ {
			ch, err := sse(ctx, "http://"+s.addr("themer", i, 8084)+"/bots/harbor/theme/events")
			if err != nil {
				t.Fatalf("themer %d: %v", i, err)
			}
			streams = append(streams, ch)
		}
		basKey := "harbor.gbdialog/ct-hello.bas"
		basTag, err := put(ctx, mc, basKey, fmt.Sprintf(hello, stamp))
		if err != nil {
			t.Fatal(err)
		}
		word := "quayside" + stamp
		docKey := "harbor.gbkb/faq/ct-mooring.md"
		if _, err := put(ctx, mc, docKey, "# Mooring\n\nThe "+word+" mooring buoys are yellow and free for two hours.\n"); err != nil {
			t.Fatal(err)
		}
		cssKey := "harbor.gbtheme/css/ct.css"
		if _, err := put(ctx, mc, cssKey, "body { color: #0a7; } /* "+stamp+" */\n"); err != nil {
			t.Fatal(err)
		}

		ok, seen := s.compiledEverywhere(basKey, basTag, 90*time.Second)
		report(t, "compiled tool on both compiler replicas", ok, "%s", seen)

		ok, seen = waitFor(90*time.Second, func() (bool, string) {
			var seen []string
			for i := 1; i <= 2; i++ {
				var r struct {
					Hits []struct {
						Path string `json:"path"`
					} `json:"hits"`
				}
				if err := getJSON("http://"+s.addr("indexer", i, 8083)+"/api/bots/harbor/kb/faq/search?q="+word, &r); err != nil {
					return false, fmt.Sprintf("indexer %d: %v", i, err)
				}
				if len(r.Hits) == 0 || !strings.HasSuffix(docKey, r.Hits[0].Path) {
					return false, fmt.Sprintf("indexer %d: hits %+v for %q", i, r.Hits, word)
				}
				seen = append(seen, fmt.Sprintf("indexer %d: first hit %s of %d", i, r.Hits[0].Path, len(r.Hits)))
			}
			return true, strings.Join(seen, "; ")
		})
		report(t, "search hit on both indexer replicas (one Qdrant index)", ok, "%s", seen)

		for i, ch := range streams {
			got := ""
			timeout := time.After(60 * time.Second)
		wait:
			for {
				select {
				case e, open := <-ch:
					if !open {
						break wait
					}
					if strings.HasPrefix(e, "theme.css ") && strings.Contains(e, `"css/ct.css"`) {
						got = e
						break wait
					}
				case <-timeout:
					break wait
				}
			}
			report(t, fmt.Sprintf("theme.css event on themer %d", i+1), got != "", "%q", got)
		}
	})

	t.Run("burst with a compiler and an indexer killed", func(t *testing.T) {
		const n = 200
		tags := map[string]string{}
		killed := map[string]string{}
		for i := range n {
			var key, body string
			if i%2 == 0 {
				key = fmt.Sprintf("harbor.gbdialog/burst-%03d.bas", i)
				body = fmt.Sprintf(hello, fmt.Sprintf("burst %d %s", i, stamp))
			} else {
				key = fmt.Sprintf("harbor.gbkb/burst/doc-%03d.md", i)
				body = fmt.Sprintf("# Burst %d\n\nDocument %d of the burst %s: berth %d is free.\n", i, i, stamp, i)
			}
			tag, err := put(ctx, mc, key, body)
			if err != nil {
				t.Fatal(err)
			}
			tags[key] = tag
			if i == n/2 {
				for _, svc := range []string{"compiler", "indexer"} {
					id := s.container(svc, 1)
					if _, err := docker("kill", id); err != nil {
						t.Fatal(err)
					}
					killed[svc] = id
				}
				st, _ := docker("inspect", "-f", "{{.Name}} {{.State.Status}}", killed["compiler"], killed["indexer"])
				fmt.Printf("INFO killed compiler 1 and indexer 1 after %d of %d uploads: %s\n", i+1, n, strings.Join(strings.Fields(st), " "))
			}
		}
		// One compiler and one indexer carry on; what the killed ones had
		// in flight is redelivered to them after the ack wait.
		start := time.Now()
		ok, seen := waitFor(5*time.Minute, func() (bool, string) {
			scripts, err := s.scripts(2)
			if err != nil {
				return false, err.Error()
			}
			docs, err := s.docs(2, "burst")
			if err != nil {
				return false, err.Error()
			}
			nScripts, nDocs := 0, 0
			var missing []string
			for key, tag := range tags {
				if strings.HasSuffix(key, ".bas") {
					if sc, ok := findKey(scripts, key); ok && sc.ETag == tag && sc.Errors == 0 {
						nScripts++
						continue
					}
				} else if d, ok := findKey(docs, key); ok && d.ETag == tag && d.Status == "indexed" {
					nDocs++
					continue
				}
				missing = append(missing, key)
			}
			return len(missing) == 0, fmt.Sprintf("%d of %d scripts compiled and %d of %d documents indexed at the bucket's ETag (missing e.g. %.3q)", nScripts, n/2, nDocs, n/2, missing)
		})
		report(t, "200 uploads, compiler 1 and indexer 1 killed in the middle", ok, "%s, %s after the last upload", seen, time.Since(start).Round(time.Second))
		// Back to two replicas each, healthy, for the next checks.
		for _, id := range killed {
			if _, err := docker("start", id); err != nil {
				t.Fatal(err)
			}
		}
		ok, seen = waitFor(2*time.Minute, func() (bool, string) {
			st, err := docker("inspect", "-f", "{{.Name}} {{.State.Health.Status}}", killed["compiler"], killed["indexer"])
			return err == nil && strings.Count(st, " healthy") == 2, strings.Join(strings.Fields(st), " ")
		})
		report(t, "killed replicas healthy again after docker start", ok, "%s", seen)
		dead, err := s.deadCount(ctx)
		report(t, "DEAD stream empty", err == nil && dead == 0, "%d messages (%v)", dead, err)
	})

	t.Run("nats restart", func(t *testing.T) {
		if _, err := s.compose("restart", "nats"); err != nil {
			t.Fatal(err)
		}
		key := "harbor.gbdialog/ct-after-restart.bas"
		tag, err := put(ctx, mc, key, fmt.Sprintf(hello, "after the NATS restart "+stamp))
		if err != nil {
			t.Fatal(err)
		}
		ok, seen := s.compiledEverywhere(key, tag, 2*time.Minute)
		report(t, "upload after docker-compose restart nats processed", ok, "%s", seen)
	})

	t.Run("up again keeps an edited object", func(t *testing.T) {
		key := "harbor.gbdialog/start.bas"
		obj, err := mc.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		orig, err := io.ReadAll(obj)
		if err != nil {
			t.Fatalf("reading %s: %v", key, err)
		}
		edited := "REM edited by the compose test " + stamp + "\n" + string(orig)
		tag, err := put(ctx, mc, key, edited)
		if err != nil {
			t.Fatal(err)
		}
		ok, seen := waitFor(90*time.Second, func() (bool, string) {
			m, err := s.scripts(1)
			if err != nil {
				return false, err.Error()
			}
			sc, _ := findKey(m, key)
			return sc.ETag == tag, fmt.Sprintf("compiler 1: %s at etag %s (edit %s)", key, sc.ETag, tag)
		})
		if !ok {
			report(t, "edit compiled before up", false, "%s", seen)
			return
		}
		out, err := s.compose("up", "-d")
		if err != nil {
			t.Fatal(err)
		}
		// init runs to its end; then nothing may have reverted the edit.
		ok, seen = waitFor(2*time.Minute, func() (bool, string) {
			st, err := docker("ps", "-a", "--filter", "label=com.docker.compose.project="+s.project,
				"--filter", "label=com.docker.compose.service=init", "--format", "{{.Status}}")
			return err == nil && strings.HasPrefix(strings.TrimSpace(st), "Exited (0)"), "init: " + strings.TrimSpace(st) + " " + out
		})
		if !ok {
			report(t, "init ran again", false, "%s", seen)
		}
		time.Sleep(10 * time.Second) // a revert would be compiled by now
		info, err := mc.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
		m, err2 := s.scripts(1)
		sc, _ := findKey(m, key)
		logs, _ := s.compose("logs", "--no-color", "init")
		kept := err == nil && err2 == nil && info.ETag == tag && sc.ETag == tag
		report(t, "up -d again keeps the edited start.bas", kept, "bucket etag %s, compiled etag %s, edit %s (%v %v); init said %q",
			info.ETag, sc.ETag, tag, err, err2, lastLines(logs, 3))
	})
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}
