package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is an io.Writer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDev runs `drivemon dev` in-process on free ports and returns the NATS
// and HTTP addresses; it stops at the end of the test.
func startDev(t *testing.T, dir string) (natsAddr, httpAddr string) {
	natsAddr, httpAddr, _ = startDevLog(t, dir)
	return natsAddr, httpAddr
}

// startDevLog is startDev that also returns the change log (stdout).
func startDevLog(t *testing.T, dir string) (natsAddr, httpAddr string, stdout *syncBuffer) {
	t.Helper()
	return startDevData(t, dir, t.TempDir())
}

// startDevData is startDevLog with state in data.
func startDevData(t *testing.T, dir, data string) (natsAddr, httpAddr string, stdout *syncBuffer) {
	t.Helper()
	natsAddr, httpAddr = freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	stdout = &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"dev", "--nats", natsAddr, "--http", httpAddr, "--data", data, "--dir", dir}, stdout, &logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("drivemon dev exited %d:\n%s", code, logs.String())
			}
		case <-time.After(15 * time.Second):
			t.Errorf("drivemon dev did not stop within 15 s of Ctrl-C:\n%s", logs.String())
		}
		if t.Failed() {
			t.Logf("drivemon dev's output:\n%s\nits log:\n%s", stdout.String(), logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + httpAddr + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.TrimSpace(string(body)) == "ok" {
				return natsAddr, httpAddr, stdout
			}
		}
		select {
		case code := <-done:
			t.Fatalf("drivemon dev exited %d before serving /healthz:\n%s", code, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /healthz within 20 s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIntegrationDevPublishesExamples is the foundation's "done when": a
// client on the --nats address sees drive. events for every example file.
func TestIntegrationDevPublishesExamples(t *testing.T) {
	examples := filepath.Join(testinfra.RepoRoot(t), "examples", "bots")
	natsAddr, _ := startDev(t, examples)
	nc, err := nats.Connect("nats://" + natsAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// The scan may be done already: read the stream from its start.
	js, _ := nc.JetStream()
	sub, err := js.SubscribeSync("drive.>", nats.DeliverAll(), nats.AckNone())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"harbor/harbor.gbdialog/book-berth.bas",
		"harbor/harbor.gbdialog/start.bas",
		"harbor/harbor.gbkb/faq/berthing.md",
		"harbor/harbor.gbot/config.csv",
		"harbor/harbor.gbtheme/css/main.css",
		"lighthouse/lighthouse.gbdialog/start.bas",
		"lighthouse/lighthouse.gbdialog/visit.bas",
		"lighthouse/lighthouse.gbkb/history/tower.md",
		"lighthouse/lighthouse.gbot/config.csv",
	}
	var got []string
	for len(got) < len(want) {
		msg, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		c, err := events.DecodeData(msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		if c.Op == events.OpTargetFound {
			continue // one per package, before its files
		}
		if msg.Header.Get(nats.MsgIdHdr) != c.ID || msg.Subject != events.ChangeSubject(&c) {
			t.Fatalf("message %s lacks its id or subject: %+v", msg.Subject, c)
		}
		if c.Op != events.OpCreated || c.ETag == "" || c.Source != events.SourceDir {
			t.Fatalf("unexpected change %+v", c)
		}
		got = append(got, events.Key(c.Bot, c.Path))
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("changes for\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDevFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"bad nats", []string{"--nats", "4222"}, "--nats"},
		{"bad http", []string{"--http", "localhost"}, "--http"},
		{"empty data", []string{"--data", ""}, "--data"},
		{"stray argument", []string{"extra"}, "unexpected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDevFlags(tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parseDevFlags(%q) = %v, want an error naming %s", tt.args, err, tt.want)
			}
		})
	}
	cfg, err := parseDevFlags(nil, io.Discard)
	if err != nil || cfg.NATSAddr != "127.0.0.1:4222" || cfg.HTTPAddr != "127.0.0.1:8080" || cfg.DataDir != "./.drivemon" || cfg.Dir != "./examples/bots" {
		t.Fatalf("defaults = %+v, %v", cfg, err)
	}
}
