package themer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// BenchmarkFanout: N SSE clients of one bot on one themer over loopback.
// Each op publishes one theme change on DRIVE and waits until every client
// has read its theme.css event. Reported: ns/op (publish to the last
// client), p50-ms and p99-ms of the per-client delivery latency, and
// server-B/conn (heap and stacks per connection in the server process; the
// clients run in a child process). The baseline "bare" is the same clients
// on a minimal net/http SSE broadcaster without JetStream, so the difference
// is what the themer adds.
//
//	go test -run '^$' -bench Fanout -benchtime 30x ./services/themer/
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("bare/clients=%d", n), func(b *testing.B) { benchFanout(b, n, newBareFanout(b)) })
		b.Run(fmt.Sprintf("themer/clients=%d", n), func(b *testing.B) { benchFanout(b, n, newThemerFanout(b)) })
	}
}

// fanout is a server under test: its address, the stream path, and a
// function that makes it send one event to every client.
type fanout struct {
	addr, path string
	send       func(b *testing.B, i int)
}

func newThemerFanout(b *testing.B) fanout {
	_, js := testinfra.JetStream(b)
	store := newDirStorage(b)
	svc, err := New(Config{MaxConns: 20000, MaxConnsPerIP: 20000, WriteTimeout: 30 * time.Second}, Deps{JS: js, Storage: store})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	srv := httptest.NewServer(svc.Routes())
	b.Cleanup(func() { cancel(); <-done; srv.CloseClientConnections(); srv.Close() })
	<-svc.Ready()
	var base atomic.Uint64
	return fanout{
		addr: srv.Listener.Addr().String(),
		path: "/bots/bench/theme/events",
		send: func(b *testing.B, i int) {
			c := store.put(b, "bench", "bench.gbtheme/main.css", fmt.Sprintf("main{order:%d}", i))
			c.Base = base.Add(1)
			pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
			defer pcancel()
			if _, err := bus.Publish(pctx, js, &c); err != nil {
				b.Fatal(err)
			}
		},
	}
}

// newBareFanout is the baseline: a channel per client, a broadcast loop,
// one handler writing and flushing each frame.
func newBareFanout(b *testing.B) fanout {
	var mu sync.Mutex
	clients := map[chan []byte]struct{}{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch := make(chan []byte, 32)
		mu.Lock()
		clients[ch] = struct{}{}
		mu.Unlock()
		defer func() { mu.Lock(); delete(clients, ch); mu.Unlock() }()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("id: 0\nevent: theme.snapshot\ndata: {}\n\n"))
		w.(http.Flusher).Flush()
		for {
			select {
			case f := <-ch:
				if _, err := w.Write(f); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			case <-r.Context().Done():
				return
			}
		}
	})
	srv := httptest.NewServer(h)
	b.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	return fanout{
		addr: srv.Listener.Addr().String(),
		path: "/",
		send: func(b *testing.B, i int) {
			f := fmt.Appendf(nil, "id: %d\nevent: theme.css\ndata: {\"path\":\"main.css\",\"url\":\"/bots/bench/theme/main.css?v=%d\"}\n\n", i+1, i)
			mu.Lock()
			for ch := range clients {
				select {
				case ch <- f:
				default:
				}
			}
			mu.Unlock()
		},
	}
}

// benchFanout connects n clients from a child process (both ends of 10 000
// connections in one process would need more open files than this machine
// allows), then runs one round per op: the child arms, the server sends, the
// child reports the wall-clock time each client read the event.
func benchFanout(b *testing.B, n int, f fanout) {
	raiseFileLimit(b, n+512)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	runtime.GC()
	before := memInUse()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envBenchClients+"="+strconv.Itoa(n), envBenchAddr+"="+f.addr, envBenchPath+"="+f.path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close() // the child ends when its input does
		_ = cmd.Wait()
	}()
	out := bufio.NewReaderSize(stdout, 1<<20)
	expect := func(prefix string) string {
		line, err := out.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, prefix) {
			b.Fatalf("client process: got %q (%v), want %q", line, err, prefix)
		}
		return strings.TrimSpace(strings.TrimPrefix(line, prefix))
	}
	expect("ready")
	runtime.GC()
	perConn := float64(memInUse()-before) / float64(n)

	var all []time.Duration
	i := 0
	for b.Loop() {
		if _, err := io.WriteString(stdin, "round\n"); err != nil {
			b.Fatal(err)
		}
		expect("armed")
		t0 := time.Now().UnixNano()
		f.send(b, i)
		i++
		for _, field := range strings.Fields(expect("done")) {
			recv, err := strconv.ParseInt(field, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			all = append(all, time.Duration(recv-t0))
		}
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(perConn, "server-B/conn")
}

// The client process of BenchmarkFanout is this test binary started with
// these variables set (see TestMain).
const (
	envBenchClients = "THEMER_BENCH_CLIENTS"
	envBenchAddr    = "THEMER_BENCH_ADDR"
	envBenchPath    = "THEMER_BENCH_PATH"
)

func TestMain(m *testing.M) {
	if os.Getenv(envBenchClients) != "" {
		if err := runBenchClients(); err != nil {
			fmt.Fprintln(os.Stderr, "bench clients:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// round is one op as the clients see it: when each read the event.
type round struct {
	recv []int64
	got  atomic.Int64
	n    int64
	done chan struct{}
}

// runBenchClients connects the clients, says "ready" once each read its
// first event, then for each "round" line on stdin says "armed" and, once
// every client read the next event, "done" with their receive times (unix
// ns). It stops when stdin ends, or after 30 s without a round finishing.
func runBenchClients() error {
	n, err := strconv.Atoi(os.Getenv(envBenchClients))
	if err != nil {
		return err
	}
	addr, path := os.Getenv(envBenchAddr), os.Getenv(envBenchPath)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(n+512) {
		lim.Cur = min(lim.Max, uint64(n+512))
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	conns := make([]net.Conn, n)
	g := new(errgroup.Group)
	g.SetLimit(64)
	for i := range n {
		g.Go(func() error {
			c, err := dialStream(addr, path)
			if err != nil {
				return fmt.Errorf("client %d: %w", i, err)
			}
			conns[i] = c
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var cur atomic.Pointer[round]
	ready := make(chan struct{}, n)
	for i, c := range conns {
		go readClient(c, i, ready, &cur)
	}
	for range n {
		select {
		case <-ready:
		case <-time.After(2 * time.Minute):
			return fmt.Errorf("clients did not all get their first event within 2 minutes")
		}
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		r := &round{recv: make([]int64, n), n: int64(n), done: make(chan struct{})}
		cur.Store(r)
		fmt.Println("armed")
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			return fmt.Errorf("%d of %d clients got the change within 30s", r.got.Load(), n)
		}
		var b strings.Builder
		b.WriteString("done")
		for _, t := range r.recv {
			b.WriteByte(' ')
			b.WriteString(strconv.FormatInt(t, 10))
		}
		fmt.Println(b.String())
	}
	return nil
}

// dialStream opens a stream with a raw HTTP/1.1 request.
func dialStream(addr, path string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n", path); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// readClient reads one connection: the first event signals ready, each
// later one records its receive time in the current round.
func readClient(c net.Conn, i int, ready chan<- struct{}, cur *atomic.Pointer[round]) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 512)
	first := true
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		if !bytes.HasPrefix(line, []byte("event: ")) {
			continue
		}
		if first {
			first = false
			ready <- struct{}{}
			continue
		}
		if r := cur.Load(); r != nil {
			r.recv[i] = time.Now().UnixNano()
			if r.got.Add(1) == r.n {
				close(r.done)
			}
		}
	}
}

func memInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// raiseFileLimit lifts this process's soft open-file limit to need (within
// the hard limit), or skips.
func raiseFileLimit(b *testing.B, need int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Skipf("getrlimit: %v", err)
	}
	if lim.Cur >= uint64(need) {
		return
	}
	if lim.Max < uint64(need) {
		b.Skipf("need %d open files, the hard limit is %d", need, lim.Max)
	}
	lim.Cur = uint64(need)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Skipf("raising the open-file limit to %d: %v", need, err)
	}
}
