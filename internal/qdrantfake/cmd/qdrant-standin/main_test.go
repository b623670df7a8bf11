package main

import (
	"io"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/drivemon/drivemon/internal/qdrantfake"
)

func TestProbe(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := lis.Addr().(*net.TCPAddr).Port
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	defer lis.Close()
	script := func(port int) string { return "exec 3<>/dev/tcp/127.0.0.1/" + strconv.Itoa(port) }
	if err := probe([]string{"-c", script(open)}); err != nil {
		t.Fatalf("probe of a listening port: %v", err)
	}
	if err := probe([]string{"-c", script(closedPort)}); err == nil || !strings.Contains(err.Error(), "connecting to 127.0.0.1:") {
		t.Fatalf("probe of a closed port: %v, want a connection error", err)
	}
	for _, args := range [][]string{
		{"-c", "echo hi"},
		{"-c", script(open) + "; rm -rf /"},
		{"-lc", script(open)},
		{script(open)},
	} {
		if err := probe(args); err == nil {
			t.Fatalf("probe %q: no error, want a refusal", args)
		}
	}
}

// TestHTTP: the probes answer 200, /collections lists what a gRPC client
// created.
func TestHTTP(t *testing.T) {
	f := qdrantfake.New()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	f.Register(gs)
	go gs.Serve(lis)
	defer gs.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = qdrant.NewCollectionsClient(conn).Create(t.Context(), &qdrant.CreateCollection{
		CollectionName:      "harbor-faq",
		VectorsConfig:       qdrant.NewVectorsConfig(&qdrant.VectorParams{Size: 4, Distance: qdrant.Distance_Cosine}),
		SparseVectorsConfig: qdrant.NewSparseVectorsConfig(map[string]*qdrant.SparseVectorParams{qdrantfake.SparseName: {Modifier: qdrant.Modifier_Idf.Enum()}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpHandler(f))
	defer srv.Close()
	for path, want := range map[string]string{
		"/readyz":      "healthz check passed\n",
		"/healthz":     "healthz check passed\n",
		"/collections": `{"collections":[{"name":"harbor-faq","points_count":0}]}` + "\n",
	} {
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || string(b) != want {
			t.Fatalf("GET %s: %d %q (%v), want 200 %q", path, res.StatusCode, b, err, want)
		}
	}
}
