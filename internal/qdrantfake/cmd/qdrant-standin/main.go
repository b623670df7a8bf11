// Command qdrant-standin serves qdrantfake (an in-memory server of the
// Qdrant gRPC API) where no Qdrant can be had: deploy/docker/qdrant-standin.Dockerfile
// tags it as the compose file's Qdrant image so the stack runs the indexer's
// Qdrant adapter over the network. It is no Qdrant: the index lives in
// memory (lost on restart) and only what the adapter uses is served.
//
//	qdrant-standin [--grpc-addr :6334] [--http-addr :6333]
//
// HTTP answers Qdrant's probes /healthz, /livez and /readyz, and
// /collections lists the collections with their point counts (JSON).
//
// The image has no shell, and the compose file probes Qdrant with
// bash -c "exec 3<>/dev/tcp/127.0.0.1/6334" (the real image has bash but no
// curl). Called as bash, the binary does that one thing: it connects to the
// host and port of a script of exactly that form, and refuses any other.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/drivemon/drivemon/internal/qdrantfake"
)

func main() {
	if filepath.Base(os.Args[0]) == "bash" {
		if err := probe(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "qdrant-standin (as bash):", err)
			os.Exit(1)
		}
		return
	}
	grpcAddr := flag.String("grpc-addr", ":6334", "gRPC listen address (Qdrant's gRPC port)")
	httpAddr := flag.String("http-addr", ":6333", "HTTP listen address of the probes (Qdrant's REST port)")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, *grpcAddr, *httpAddr); err != nil {
		log.Error("qdrant-standin stopped", "err", err)
		os.Exit(1)
	}
}

// run serves gRPC and HTTP until ctx ends or either server fails.
func run(ctx context.Context, log *slog.Logger, grpcAddr, httpAddr string) error {
	f := qdrantfake.New()
	lis, err := net.Listen("tcp", grpcAddr)
	if err != nil {
		return fmt.Errorf("listening for gRPC on %s: %w", grpcAddr, err)
	}
	gs := grpc.NewServer()
	f.Register(gs)
	hs := &http.Server{Addr: httpAddr, Handler: httpHandler(f), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- gs.Serve(lis) }()
	go func() { errc <- hs.ListenAndServe() }()
	log.Info("qdrant-standin serving (in memory)", "grpc", lis.Addr().String(), "http", httpAddr)
	select {
	case <-ctx.Done():
		err = nil
	case err = <-errc:
		err = fmt.Errorf("serving: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	gs.GracefulStop()
	return err
}

func httpHandler(f *qdrantfake.Server) http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintln(w, "healthz check passed")
		})
	}
	mux.HandleFunc("GET /collections", func(w http.ResponseWriter, _ *http.Request) {
		type col struct {
			Name   string `json:"name"`
			Points int    `json:"points_count"`
		}
		out := []col{}
		for _, name := range f.Collections() {
			if c, ok := f.Collection(name); ok {
				out = append(out, col{Name: name, Points: c.Points})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"collections": out})
	})
	return mux
}

var tcpProbe = regexp.MustCompile(`^exec 3<>/dev/tcp/([^/\s]+)/([0-9]+)$`)

// probe does what bash -c "exec 3<>/dev/tcp/HOST/PORT" does: connect.
func probe(args []string) error {
	if len(args) != 2 || args[0] != "-c" {
		return fmt.Errorf("want -c %q, got %q", "exec 3<>/dev/tcp/HOST/PORT", args)
	}
	m := tcpProbe.FindStringSubmatch(args[1])
	if m == nil {
		return errors.New("only the script \"exec 3<>/dev/tcp/HOST/PORT\" is understood, not " + fmt.Sprintf("%q", args[1]))
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(m[1], m[2]), 2*time.Second)
	if err != nil {
		return fmt.Errorf("connecting to %s:%s: %w", m[1], m[2], err)
	}
	return c.Close()
}
