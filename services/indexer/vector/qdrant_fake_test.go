package vector

import (
	"net"
	"testing"

	"google.golang.org/grpc"

	"github.com/drivemon/drivemon/internal/qdrantfake"
)

// startFakeQdrant serves an in-memory Qdrant (internal/qdrantfake) on a
// local port for t.
func startFakeQdrant(t testing.TB) (*qdrantfake.Server, string) {
	t.Helper()
	if SparseName != qdrantfake.SparseName {
		t.Fatalf("the adapter's sparse vector is %q, the fake's %q", SparseName, qdrantfake.SparseName)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := qdrantfake.New()
	s := grpc.NewServer()
	f.Register(s)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return f, lis.Addr().String()
}
